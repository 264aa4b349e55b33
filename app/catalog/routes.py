from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import search, tenancy
from app.auth.access import office_staff, tenant_user
from app.catalog import bp
from app.catalog import service as catalog
from app.catalog.forms import ServiceForm
from app.htmx import page_or_partial
from app.listing import keyset_page
from app.models import SPECIAL_KIND_LABELS, Service
from app.references import references
from app.registry_views import deleted, deleters, submit


@bp.route("")
@tenant_user
def services():
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    stmt = select(Service)
    if q:
        stmt = stmt.where(search.contains(Service.name, q))
    if kind == "-":
        stmt = stmt.where(Service.special_kind.is_(None))
    elif kind in SPECIAL_KIND_LABELS:
        stmt = stmt.where(Service.special_kind == kind)
    page = keyset_page(stmt, [Service.name, Service.id], request.args.get("after"))
    return page_or_partial("catalog/services.html", "catalog/_service_rows.html",
                           page=page, q=q, kind=kind, kinds=SPECIAL_KIND_LABELS)


@bp.route("/nowa", methods=["GET", "POST"])
@office_staff
def new_service():
    form = ServiceForm()
    service = submit(form, lambda: catalog.create_service(form.to_data()))
    if service:
        flash(f"Dodano usługę „{service.name}”.", "success")
        return redirect(url_for(".service", service_id=service.id), code=303)
    return render_template("catalog/service_form.html", form=form, service=None)


@bp.route("/<int:service_id>")
@tenant_user
def service(service_id):
    service = tenancy.get_or_404(Service, service_id)
    return render_template("catalog/service_detail.html", service=service,
                           used=references(service))


@bp.route("/<int:service_id>/edycja", methods=["GET", "POST"])
@office_staff
def edit_service(service_id):
    service = tenancy.get_or_404(Service, service_id)
    form = ServiceForm(obj=service)
    if request.method == "GET":
        form.special_kind.data = service.special_kind or ""
    if submit(form, lambda: catalog.update_service(service, form.to_data())):
        flash("Zapisano zmiany.", "success")
        return redirect(url_for(".service", service_id=service.id), code=303)
    return render_template("catalog/service_form.html", form=form, service=service)


@bp.route("/<int:service_id>/usun", methods=["POST"])
@deleters
def delete_service(service_id):
    service = tenancy.get_or_404(Service, service_id)
    if not deleted(lambda: catalog.delete_service(service, current_user.role)):
        return redirect(url_for(".service", service_id=service.id), code=303)
    flash(f"Usunięto usługę „{service.name}”.", "success")
    return redirect(url_for(".services"), code=303)

