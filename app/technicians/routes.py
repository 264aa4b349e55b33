from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app import clock, search, tenancy
from app.auth.access import office_staff, tenant_user
from app.htmx import is_htmx, page_or_partial
from app.listing import keyset_page
from app.models import Authorisation, DeviceKind, Technician
from app.references import references
from app.registry_views import deleted, deleters, submit
from app.technicians import bp, service
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
        stmt = stmt.where(or_(search.contains(Technician.name, q),
                              search.contains(Technician.identifier, q),
                              search.contains(Technician.seal_no, q)))
    page = keyset_page(stmt, [Technician.name, Technician.id], request.args.get("after"))
    return page_or_partial("technicians/index.html", "technicians/_rows.html", page=page, q=q)


@bp.route("/nowy", methods=["GET", "POST"])
@office_staff
def new():
    form = TechnicianForm()
    technician = submit(form, lambda: service.create_technician(form.to_data()))
    if technician:
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
    if submit(form, lambda: service.update_technician(technician, form.to_data())):
        flash("Zapisano zmiany.", "success")
        return redirect(url_for(".detail", technician_id=technician.id), code=303)
    return render_template("technicians/form.html", form=form, technician=technician)


@bp.route("/<int:technician_id>/usun", methods=["POST"])
@deleters
def delete(technician_id):
    technician = tenancy.get_or_404(Technician, technician_id)
    if not deleted(lambda: service.delete_technician(technician, current_user.role)):
        return redirect(url_for(".detail", technician_id=technician.id), code=303)
    flash(f"Usunięto serwisanta {technician.name}.", "success")
    return redirect(url_for(".index"), code=303)


@bp.route("/<int:technician_id>/uprawnienia", methods=["POST"])
@office_staff
def add_authorisation(technician_id):
    technician = tenancy.get_or_404(Technician, technician_id)
    form = AuthorisationForm()
    if not submit(form, lambda: service.add_authorisation(
            technician, form.producer_id.data, form.device_kind.data or None,
            form.expires_on.data)):
        return _authorisations_response(technician, form)
    return _authorisations_response(technician, AuthorisationForm(formdata=None),
                                    "Dodano uprawnienia.")


@bp.route("/<int:technician_id>/uprawnienia/<int:authorisation_id>/usun", methods=["POST"])
@office_staff
def remove_authorisation(technician_id, authorisation_id):
    technician = tenancy.get_or_404(Technician, technician_id)
    authorisation = tenancy.get_or_404(Authorisation, authorisation_id)
    if authorisation.technician_id != technician.id:
        abort(404)
    service.remove_authorisation(technician, authorisation)
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

