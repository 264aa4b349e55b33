"""The transmission journal ("Wysyłka"), resending, and the offline batch's progress."""

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import jobs, tenancy
from app.auth.access import tenant_user
from app.extensions import db
from app.formatting import day_range
from app.htmx import page_or_partial
from app.listing import keyset_page
from app.models import (
    TRANSMISSION_STATUS_LABELS,
    JobKind,
    Order,
    Party,
    Transmission,
)
from app.rzs import dispatch
from app.transmissions import bp
from workers import jobs as job_queue


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("")
@tenant_user
def index():
    status = request.args.get("status", "")
    producer_id = request.args.get("producer_id", type=int)
    date_from, date_to = _date_arg("from"), _date_arg("to")
    stmt = select(Transmission).options(joinedload(Transmission.order),
                                        joinedload(Transmission.producer))
    if status in TRANSMISSION_STATUS_LABELS:
        stmt = stmt.where(Transmission.status == status)
    if producer_id:
        stmt = stmt.where(Transmission.producer_id == producer_id)
    start, end = day_range(date_from, date_to)
    if start:
        stmt = stmt.where(Transmission.created_at >= start)
    if end:
        stmt = stmt.where(Transmission.created_at < end)
    page = keyset_page(stmt, [Transmission.id], request.args.get("after"), descending=True)
    counts = status_counts()
    producers = db.session.scalars(select(Party).where(Party.is_producer.is_(True))
                                   .order_by(Party.name_key)).all()
    return page_or_partial("transmissions/index.html", "transmissions/_rows.html", page=page,
                           status=status, producer_id=producer_id, date_from=date_from,
                           date_to=date_to, counts=counts, labels=TRANSMISSION_STATUS_LABELS,
                           producers=producers)


def status_counts() -> dict[str, int]:
    return dict(db.session.execute(select(Transmission.status, func.count())
                                   .group_by(Transmission.status)).all())


@bp.route("/<int:transmission_id>/ponow", methods=["POST"])
@tenant_user
def resend(transmission_id):
    row = tenancy.get_or_404(Transmission, transmission_id)
    if row.status not in (dispatch.REJECTED, dispatch.UNKNOWN):
        flash("Ponownie wysłać można tylko zdarzenie odrzucone albo z nieznaną odpowiedzią.",
              "error")
    else:
        dispatch.resend(row)
        db.session.commit()
        flash(f"Zdarzenie {row.event_id} wysłane ponownie z aktualnymi danymi zlecenia.",
              "success")
    target = request.form.get("next", "")
    if target == "order":
        return redirect(url_for("orders.shipping", order_id=row.order_id), code=303)
    return redirect(url_for(".index"), code=303)


@bp.route("/zlecenie/<int:order_id>/odpowiedz")
@tenant_user
def order_reply(order_id):
    """The registry's reply for an order, polled by its page until nothing is on the way."""
    order = tenancy.get_or_404(Order, order_id)
    return render_template("transmissions/_order_reply.html", order=order,
                           rows=dispatch.transmissions_of(order.id))


@bp.route("/producent/<int:producer_id>/wyslij", methods=["POST"])
@tenant_user
def send_batch(producer_id):
    """"Wyślij zlecenia": the waiting events of the producer's orders closed in the range."""
    producer = tenancy.get_or_404(Party, producer_id)
    try:
        day_from = date.fromisoformat(request.form.get("from", ""))
        day_to = date.fromisoformat(request.form.get("to", ""))
    except ValueError:
        flash("Podaj zakres dat: od i do.", "error")
        return redirect(url_for("parties.producer", producer_id=producer.id), code=303)
    if day_to < day_from:
        flash("Data „do” nie może być wcześniejsza niż „od”.", "error")
        return redirect(url_for("parties.producer", producer_id=producer.id), code=303)
    job = jobs.new(JobKind.RZS_BATCH, current_user.id, producer_id=producer.id,
                   **{"from": day_from.isoformat(), "to": day_to.isoformat()})
    db.session.commit()
    if not job_queue.start(job):  # Redis away: say so, nothing was sent
        flash("Kolejka zadań jest chwilowo niedostępna. Spróbuj za chwilę.", "error")
        return redirect(url_for("parties.producer", producer_id=producer.id), code=303)
    return redirect(url_for("parties.producer", producer_id=producer.id, job=job.id), code=303)


@bp.route("/zadania/<int:job_id>")
@tenant_user
def batch_progress(job_id):
    job = jobs.get_or_404(job_id, JobKind.RZS_BATCH)
    return render_template("transmissions/_batch_progress.html", job=job)
