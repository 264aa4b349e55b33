"""The transmission journal ("Wysyłka"), resending, and the offline batch's progress."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import jobs, tenancy
from app.auth.access import roles_required, tenant_user
from app.days import DayRange
from app.extensions import db
from app.htmx import page_or_partial
from app.listing import keyset_page
from app.models import TRANSMISSION_STATUS_LABELS, JobKind, Party, Transmission
from app.orders import access
from app.parties import queries as party_queries
from app.rzs import dispatch
from app.transmissions import bp
from workers import jobs as job_queue

batch_senders = roles_required(*access.BATCH_SENDERS)


@bp.route("")
@tenant_user
def index():
    status = request.args.get("status", "")
    producer_id = request.args.get("producer_id", type=int)
    days = DayRange.from_args(request.args)
    stmt = (select(Transmission)
            .options(joinedload(Transmission.order), joinedload(Transmission.producer))
            .where(access.visible_transmissions(current_user)))
    if status in TRANSMISSION_STATUS_LABELS:
        stmt = stmt.where(Transmission.status == status)
    if producer_id:
        stmt = stmt.where(Transmission.producer_id == producer_id)
    start, end = days.instants()
    if start:
        stmt = stmt.where(Transmission.created_at >= start)
    if end:
        stmt = stmt.where(Transmission.created_at < end)
    page = keyset_page(stmt, [Transmission.id], request.args.get("after"), descending=True)
    return page_or_partial("transmissions/index.html", "transmissions/_rows.html", page=page,
                           status=status, producer_id=producer_id, date_from=days.start,
                           date_to=days.end, counts=status_counts(current_user),
                           labels=TRANSMISSION_STATUS_LABELS,
                           producers=party_queries.producers())


def status_counts(user) -> dict[str, int]:
    return dict(db.session.execute(select(Transmission.status, func.count())
                                   .where(access.visible_transmissions(user))
                                   .group_by(Transmission.status)).all())


@bp.route("/<int:transmission_id>/ponow", methods=["POST"])
@tenant_user
def resend(transmission_id):
    row = access.transmission_or_404(current_user, transmission_id)
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
    order = access.order_or_404(current_user, order_id)
    return render_template("transmissions/_order_reply.html", order=order,
                           rows=dispatch.transmissions_of(order.id))


@bp.route("/producent/<int:producer_id>/wyslij", methods=["POST"])
@batch_senders
def send_batch(producer_id):
    """"Wyślij zlecenia": the waiting events of the producer's orders closed in the range."""
    producer = tenancy.get_or_404(Party, producer_id)
    days = DayRange.from_args(request.form)
    day_from, day_to = days.start, days.end
    if day_from is None or day_to is None:
        flash("Podaj zakres dat: od i do.", "error")
        return redirect(url_for("parties.producer", producer_id=producer.id), code=303)
    if days.problem:
        flash(days.problem, "error")
        return redirect(url_for("parties.producer", producer_id=producer.id), code=303)
    job = jobs.new(JobKind.RZS_BATCH, current_user.id, producer_id=producer.id,
                   **{"from": day_from.isoformat(), "to": day_to.isoformat()})
    db.session.commit()
    if not job_queue.start(job):  # Redis away: say so, nothing was sent
        flash("Kolejka zadań jest chwilowo niedostępna. Spróbuj za chwilę.", "error")
        return redirect(url_for("parties.producer", producer_id=producer.id), code=303)
    return redirect(url_for("parties.producer", producer_id=producer.id, job=job.id), code=303)


@bp.route("/zadania/<int:job_id>")
@batch_senders
def batch_progress(job_id):
    job = jobs.get_or_404(job_id, JobKind.RZS_BATCH)
    return render_template("transmissions/_batch_progress.html", job=job)
