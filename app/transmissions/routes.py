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
from app.rzs import batch, dispatch, fixes, responses
from app.transmissions import bp
from workers import jobs as job_queue

batch_senders = roles_required(*access.BATCH_SENDERS)


@bp.app_template_global("rzs_note")
def rzs_note(row: Transmission) -> str:
    """A note beside "Dostarczone" when the registry already had the event (not added)."""
    return responses.not_added_note(row.status, row.reply_tokens)


@bp.app_template_global("rzs_fix")
def rzs_fix(row: Transmission) -> dict | None:
    """The link to the record and field to correct for a held or refused event, or None."""
    fix = fixes.for_row(row)
    if fix is None:
        return None
    return {"label": fix.label, "needs_change": fix.needs_change,
            "url": url_for(fix.endpoint, **fix.values) + (f"#{fix.anchor}" if fix.anchor
                                                           else "")}


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
    if row.status not in (dispatch.REJECTED, dispatch.UNKNOWN, dispatch.HELD):
        flash("Ponownie wysłać można tylko zdarzenie odrzucone, do poprawy albo z nieznaną "
              "odpowiedzią.", "error")
    else:
        try:
            dispatch.resend(row)
        except dispatch.Unchanged as exc:
            db.session.rollback()
            flash(str(exc), "error")
            fix = rzs_fix(row)
            return redirect(fix["url"] if fix else url_for(".index"), code=303)
        db.session.commit()
        if row.status == dispatch.HELD:
            flash(f"Zdarzenie {row.event_id} nadal wymaga poprawy: {row.meaning}", "error")
        else:
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
        flash(job_queue.QUEUE_AWAY, "error")
        return redirect(url_for("parties.producer", producer_id=producer.id), code=303)
    return redirect(url_for("parties.producer", producer_id=producer.id, job=job.id), code=303)


@bp.route("/producent/<int:producer_id>/podglad")
@batch_senders
def batch_preview(producer_id):
    """What "Wyślij zlecenia" will send for the range, per kind, before the button."""
    producer = tenancy.get_or_404(Party, producer_id)
    days = DayRange.from_args(request.args)
    problem = days.problem or ("" if days.start and days.end else "Podaj zakres dat: od i do.")
    plan = None if problem else batch.plan(producer.id, days.start, days.end)
    return render_template("transmissions/_batch_preview.html", producer=producer, plan=plan,
                           problem=problem, day_from=days.start, day_to=days.end)


@bp.route("/zadania/<int:job_id>")
@batch_senders
def batch_progress(job_id):
    job = jobs.get_or_404(job_id, JobKind.RZS_BATCH)
    return render_template("transmissions/_batch_progress.html", job=job)
