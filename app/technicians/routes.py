from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import audit, clock, tenancy
from app.auth.access import office_staff, tenant_user
from app.extensions import db
from app.htmx import is_htmx, page_or_partial
from app.listing import keyset_page
from app.models import Authorisation, DeviceKind, Technician
from app.references import references, refusal
from app.technicians import bp
from app.technicians.forms import AuthorisationForm, TechnicianForm

# Authorisations expiring this soon are shown amber, as on the dashboard.
EXPIRY_WARNING_DAYS = 30


def expiry_state(authorisation: Authorisation, today: date) -> str:
    """"expired", "expiring" (within EXPIRY_WARNING_DAYS) or "valid"."""
    if not authorisation.valid_on(today):
        return "expired"
    if authorisation.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


def _kind_label(kind: str | None) -> str:
    return DeviceKind(kind).label if kind else "wszystkie"


@bp.context_processor
def _helpers():
    return {"expiry_state": expiry_state, "today": clock.today(), "kind_label": _kind_label}


@bp.route("")
@tenant_user
def index():
    q = request.args.get("q", "").strip()
    stmt = select(Technician).options(
        selectinload(Technician.user),
        selectinload(Technician.authorisations).selectinload(Authorisation.producer),
    )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Technician.name.ilike(like), Technician.identifier.ilike(like),
                              Technician.seal_no.ilike(like)))
    page = keyset_page(stmt, [Technician.name, Technician.id], request.args.get("after"))
    return page_or_partial("technicians/index.html", "technicians/_rows.html", page=page, q=q)


@bp.route("/nowy", methods=["GET", "POST"])
@office_staff
def new():
    form = TechnicianForm()
    if form.validate_on_submit():
        technician = Technician()
        _fill(technician, form)
        db.session.add(technician)
        if _saved(form, "technician.created", technician):
            flash(f"Dodano serwisanta {technician.name}.", "success")
            return redirect(url_for(".detail", technician_id=technician.id), code=303)
    return render_template("technicians/form.html", form=form, technician=None)


@bp.route("/<int:technician_id>")
@tenant_user
def detail(technician_id):
    technician = tenancy.get_or_404(Technician, technician_id)
    return _detail_page(technician, AuthorisationForm(formdata=None))


@bp.route("/<int:technician_id>/edycja", methods=["GET", "POST"])
@office_staff
def edit(technician_id):
    technician = tenancy.get_or_404(Technician, technician_id)
    form = TechnicianForm(technician=technician)
    if form.validate_on_submit():
        _fill(technician, form)
        if _saved(form, "technician.updated", technician):
            flash("Zapisano zmiany.", "success")
            return redirect(url_for(".detail", technician_id=technician.id), code=303)
    return render_template("technicians/form.html", form=form, technician=technician)


@bp.route("/<int:technician_id>/usun", methods=["POST"])
@office_staff
def delete(technician_id):
    technician = tenancy.get_or_404(Technician, technician_id)
    reason = refusal(technician, "serwisant")
    if reason:
        flash(reason + " Możesz oznaczyć go jako nieaktywnego.", "error")
        return redirect(url_for(".detail", technician_id=technician.id), code=303)
    audit.record("technician.deleted", technician, f"{technician.identifier} {technician.name}")
    db.session.delete(technician)
    db.session.commit()
    flash(f"Usunięto serwisanta {technician.name}.", "success")
    return redirect(url_for(".index"), code=303)


@bp.route("/<int:technician_id>/uprawnienia", methods=["POST"])
@office_staff
def add_authorisation(technician_id):
    technician = tenancy.get_or_404(Technician, technician_id)
    form = AuthorisationForm()
    if not form.validate_on_submit():
        return _authorisations_response(technician, form)
    authorisation = Authorisation(producer_id=form.producer_id.data,
                                  device_kind=form.device_kind.data or None,
                                  expires_on=form.expires_on.data)
    if any((a.producer_id, a.device_kind, a.expires_on)
           == (authorisation.producer_id, authorisation.device_kind, authorisation.expires_on)
           for a in technician.authorisations):
        form.expires_on.errors.append("Takie uprawnienia już są na liście.")
        return _authorisations_response(technician, form)
    technician.authorisations.append(authorisation)
    db.session.flush()
    audit.record("authorisation.created", authorisation,
                 f"{technician.identifier}: {authorisation.producer.name}, "
                 f"do {authorisation.expires_on:%d.%m.%Y}")
    db.session.commit()
    return _authorisations_response(technician, AuthorisationForm(formdata=None),
                                    "Dodano uprawnienia.")


@bp.route("/<int:technician_id>/uprawnienia/<int:authorisation_id>/usun", methods=["POST"])
@office_staff
def remove_authorisation(technician_id, authorisation_id):
    technician = tenancy.get_or_404(Technician, technician_id)
    authorisation = tenancy.get_or_404(Authorisation, authorisation_id)
    if authorisation.technician_id != technician.id:
        abort(404)
    audit.record("authorisation.deleted", authorisation,
                 f"{technician.identifier}: {authorisation.producer.name}, "
                 f"do {authorisation.expires_on:%d.%m.%Y}")
    technician.authorisations.remove(authorisation)
    db.session.commit()
    return _authorisations_response(technician, AuthorisationForm(formdata=None),
                                    "Usunięto uprawnienia.")


def _detail_page(technician: Technician, auth_form: AuthorisationForm, status: int = 200):
    return render_template("technicians/detail.html", technician=technician,
                           auth_form=auth_form, used=references(technician)), status


def _authorisations_response(technician: Technician, form: AuthorisationForm,
                             done: str | None = None):
    """htmx gets the re-rendered authorisations section; a plain form post gets the page:
    a redirect after a change, the page with the form's errors otherwise."""
    if is_htmx():
        return render_template("technicians/_authorisations.html", technician=technician,
                               auth_form=form, done=done)
    if done:
        flash(done, "success")
        return redirect(url_for(".detail", technician_id=technician.id), code=303)
    return _detail_page(technician, form)


def _fill(technician: Technician, form: TechnicianForm) -> None:
    technician.name = form.name.data
    technician.identifier = form.identifier.data
    technician.seal_no = form.seal_no.data
    technician.user_id = form.user_id.data
    technician.active = form.active.data


def _saved(form: TechnicianForm, action: str, technician: Technician) -> bool:
    """Commit; a unique constraint that another request won meanwhile becomes a field error."""
    try:
        db.session.flush()
        audit.record(action, technician, f"{technician.identifier} {technician.name}")
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        message = str(exc.orig)
        if "seal_no" in message:
            form.seal_no.errors.append("Ten numer plomby ma już inny serwisant.")
        elif "identifier" in message:
            form.identifier.errors.append("Ten identyfikator ma już inny serwisant.")
        else:
            raise
        return False
    return True
