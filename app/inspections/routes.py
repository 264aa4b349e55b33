"""Przeglądy: the list of due inspections, its exports, orders from it, the reminder settings,
the unsubscribe page of the reminder mails and the technicians' calendar feeds."""

import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import bounds, clock, links, tenancy
from app.auth.access import office_staff, owner_only, tenant_user
from app.domain_errors import FieldErrors
from app.extensions import csrf, db
from app.htmx import is_htmx, page_or_partial
from app.inspections import bp, calendar, reminders, service
from app.inspections.forms import CreateOrdersForm, ReminderSettingsForm
from app.models import Party, Technician, Tenant
from app.orders import access, workflow
from app.registry_views import show
from app.reports import export
from app.reports.pdf import write_pdf
from app.reports.tabular import write_csv, write_xlsx

FILTER_ARGS = ("window", "month", "producer", "technician", "city", "reminded", "ordered")


def _filters(args) -> service.Filters:
    window = args.get("window", "")
    month = None
    if window == "month":
        raw = args.get("month", "")
        try:
            year, number = (int(p) for p in raw.split("-"))
            month = date(year, number, 1)
        except ValueError:
            month = None
        if month is not None and not bounds.day_in_range(month):
            month = None
    return service.Filters(
        window=window if window in service.WINDOWS else "",
        month=month,
        producer_id=bounds.int_or_none(args.get("producer")),
        technician_id=bounds.int_or_none(args.get("technician")),
        city=bounds.clean_text(args.get("city", ""))[:100].strip(),
        reminded=args.get("reminded", "") if args.get("reminded") in service.YES_NO else "",
        ordered=args.get("ordered", "") if args.get("ordered") in service.YES_NO else "",
    )


def _technicians() -> list[Technician]:
    return list(db.session.scalars(select(Technician).where(Technician.active.is_(True))
                                   .order_by(Technician.name)))


def _query_string(args) -> str:
    return urlencode([(k, args.get(k)) for k in FILTER_ARGS if args.get(k)])


def _render(form: CreateOrdersForm | None = None, selected: set[int] = frozenset(),
            status: int = 200, args=None):
    args = request.args if args is None else args
    filters = _filters(args)
    listing = service.listing(filters, args.get("after"))
    may_order = access.sees_every_order(current_user)
    context = dict(listing=listing, filters=filters, selected=selected, may_order=may_order,
                   query=_query_string(args))
    if not is_htmx():
        # The filters' choices and the form only on the whole page: a filter change or the
        # next page (htmx) swaps the rows alone.
        form = form or CreateOrdersForm(formdata=None)
        choices = service.page_choices()
        form.technician_id.choices = [("", "— wybierz —")] + [(t.id, t.name)
                                                              for t in choices.technicians]
        context.update(windows=service.WINDOWS, producers=choices.producers,
                       technicians=choices.technicians, cities=choices.cities,
                       undated=choices.undated, form=form)
    return page_or_partial("inspections/index.html", "inspections/_rows.html",
                           http_status=status, **context)


@bp.route("")
@tenant_user
def index():
    return _render()


@bp.route("/eksport.<fmt>")
@office_staff
def export_file(fmt):
    if fmt not in export.MIMETYPES:
        abort(404)
    filters = _filters(request.args)
    total = service.count(filters)
    if total > export.SYNC_LIMITS[fmt]:
        flash(f"Za dużo urządzeń do pliku {fmt.upper()} ({total}): najwyżej "
              f"{export.SYNC_LIMITS[fmt]}. Zawęź filtry albo wybierz CSV lub XLSX.", "error")
        return redirect(url_for(".index") + "?" + _query_string(request.args), code=303)
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as tmp:
        rows = service.export_rows(filters)
        if fmt == "xlsx":
            write_xlsx(service.INSPECTIONS, rows, tmp.name)
        elif fmt == "csv":
            write_csv(service.INSPECTIONS, rows, tmp)
        else:
            write_pdf(service.INSPECTIONS, rows, tmp, head=service.export_header(filters),
                      divided=False)
        tmp.flush()
        data = Path(tmp.name).read_bytes()
    name = f"przeglady-{clock.today():%Y%m%d}.{fmt}"
    return Response(data, mimetype=export.MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/zlecenia", methods=["POST"])
@office_staff
def create_orders():
    form = CreateOrdersForm()
    form.technician_id.choices = [(t.id, t.name) for t in _technicians()]
    client_id = bounds.int_or_none(request.form.get("client_id"))
    selected = {i for i in map(bounds.int_or_none, request.form.getlist("device_ids")) if i}
    # The list as it is on screen: its rows carry their own address (an htmx filter change
    # replaces them), so a refusal shows the same filters and success returns to them.
    back = request.form.get("back", "")
    query = urlsplit(back).query if back.startswith(url_for(".index")) else ""
    args = MultiDict(parse_qsl(query))
    if not form.validate_on_submit():
        return _render(form, selected, 422, args)
    device_ids = service.overdue_of_client(client_id) if client_id else sorted(selected)
    actor = workflow.Actor(current_user.id, current_user.role)
    try:
        created = service.create_orders(actor, device_ids, form.technician_id.data,
                                        form.planned_on.data)
        workflow.commit()
    except workflow.WorkflowError as exc:
        db.session.rollback()
        if exc.field in ("technician_id", "planned_on"):
            show(form, {exc.field: exc.message})
        else:
            flash(exc.message, "error")
        return _render(form, selected, 422, args)
    if created.orders:
        numbers = ", ".join(o.number for o in created.orders[:10])
        more = len(created.orders) - 10
        flash(f"Utworzono zlecenia przeglądu: {len(created.orders)} ({numbers}"
              f"{f' i {more} innych' if more > 0 else ''}).", "success")
    for reason in created.skipped[:10]:
        flash(f"Pominięto {reason}", "error")
    return redirect(url_for(".index") + (f"?{query}" if query else ""), code=303)


# --- reminders -------------------------------------------------------------------------------

@bp.route("/przypomnienia", methods=["GET", "POST"])
@owner_only
def reminder_settings():
    tenant = tenancy.get_or_404(Tenant, current_user.tenant_id)
    current = reminders.settings_of(tenant)
    form = ReminderSettingsForm(data=dict(days_first=current.days_first,
                                          days_second=current.days_second,
                                          subject=current.subject, body=current.body))
    if form.validate_on_submit():
        settings = reminders.Settings(form.days_first.data, form.days_second.data,
                                      form.subject.data, form.body.data)
        try:
            reminders.save_settings(tenant, settings, current_user.id)
        except FieldErrors as exc:
            show(form, exc.problems)
        else:
            flash("Zapisano ustawienia przypomnień.", "success")
            return redirect(url_for(".reminder_settings"), code=303)
    return render_template("inspections/reminders.html", form=form, tenant=tenant,
                           placeholders=reminders.PLACEHOLDERS,
                           problem=reminders.ready_problem(tenant))


@bp.route("/wypisz/<token>", methods=["GET", "POST"])
@csrf.exempt  # the mail client's one-click POST (RFC 8058) carries no form token
def unsubscribe(token):
    """The mail's unsubscribe link, without signing in: the signed token names the company and
    the client. GET asks (link scanners open links); POST withdraws the consent."""
    found = reminders.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    tenant_id, client_id = found
    with tenancy.use_tenant(tenant_id):
        client = db.session.get(Party, client_id)
        tenant = db.session.get(Tenant, tenant_id)
        if client is None or tenant is None or not client.is_client:
            abort(404)
        done = request.method == "POST" and reminders.withdraw_consent(client)
        names = dict(client_name=client.name, tenant_name=tenant.name,
                     consent=client.reminder_consent)
    # Rendered outside the company's tenancy: a signed-in user of another company sees his own
    # layout (his company's name in the bar).
    return render_template("inspections/unsubscribe.html", done=done, **names)


@bp.app_template_global()
def reminder_rows_of_device(device_id: int) -> list:
    """For the device page's "Przypomnienia" section."""
    return reminders.of_device(device_id)


@bp.app_template_global()
def reminder_rows_of_client(client_id: int) -> list:
    """For the client page's "Przypomnienia" section."""
    return reminders.of_client(client_id)


# --- calendars -------------------------------------------------------------------------------

@bp.route("/kalendarze")
@tenant_user
def calendars():
    """The feeds' addresses: office staff see every technician's, a technician his own."""
    stmt = select(Technician).where(Technician.active.is_(True)).order_by(Technician.name)
    if not access.sees_every_order(current_user):
        stmt = stmt.where(Technician.id.in_(access.own_technician_ids(current_user)))
    return render_template("inspections/calendars.html",
                           technicians=list(db.session.scalars(stmt)),
                           may_manage=access.sees_every_order(current_user))


@bp.route("/kalendarze/<int:technician_id>", methods=["POST"])
@office_staff
def calendar_token(technician_id):
    technician = tenancy.get_or_404(Technician, technician_id)
    if request.form.get("revoke") == "1":
        calendar.revoke_token(technician, current_user.id)
        flash(f"Adres kalendarza serwisanta {technician.name} unieważniony.", "success")
    else:
        calendar.issue_token(technician, current_user.id)
        flash(f"Nowy adres kalendarza serwisanta {technician.name}: poprzedni przestał działać.",
              "success")
    return redirect(url_for(".calendars"), code=303)


@bp.app_template_global()
def feed_url(token: str) -> str:
    return links.public_url("inspections.calendar_feed", token=token)


@bp.route("/kalendarz/<token>.ics")
def calendar_feed(token):
    technician = calendar.technician_by_token(token)
    if technician is None:
        abort(404)
    with tenancy.use_tenant(technician.tenant_id):
        host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "plomba"
        text = calendar.feed(technician, host)
    return Response(text, mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="zlecenia.ics"',
                             "Cache-Control": "private, max-age=300"})
