"""Kartoteki -> Urządzenia: the fiscal devices of the tenant's clients. Every role reads and
edits them, owner and office delete them; the rules live in app/devices/rules.py, saving in
app/devices/service.py."""

from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app import clock, tenancy
from app.auth.access import tenant_user
from app.auth.redirects import local_path
from app.days import parse_day
from app.devices import bp, rules, service
from app.devices.forms import DeviceForm
from app.domain_errors import FieldErrors
from app.extensions import db
from app.formatting import nip
from app.forms_common import choices
from app.htmx import page_or_partial
from app.listing import PAGE_SIZE, Page, decode_cursor, encode_cursor, keyset_page
from app.models import Device, DeviceKind, DeviceStatus, Location, Party
from app.parties import queries as party_queries
from app.parties.rules import matching_clients
from app.references import references
from app.registry_views import delete_context, deleted, deleters, show
from app.search import SELECTIVE, device_ids_by_number, model_contains

SORTS = {"new": "najnowsze", "due": "wg terminu przeglądu"}

bp.context_processor(delete_context)


# --- list -----------------------------------------------------------------------------------

@bp.route("")
@tenant_user
def index():
    args = request.args
    q = args.get("q", "").strip()
    producer_id = args.get("producer", type=int)
    status = args.get("status", "")
    kind = args.get("kind", "")
    due_to = parse_day(args.get("due_to"))
    sort = args.get("sort", "new") if args.get("sort") in SORTS else "new"

    stmt = select(Device).options(joinedload(Device.client), joinedload(Device.producer))
    if q:
        stmt = stmt.where(_search(q))
    if producer_id:
        stmt = stmt.where(Device.producer_id == producer_id)
    if status in {s.value for s in DeviceStatus}:
        stmt = stmt.where(Device.status == status)
    if kind in {k.value for k in DeviceKind}:
        stmt = stmt.where(Device.kind == kind)
    if due_to:
        stmt = stmt.where(Device.next_inspection_due <= due_to)

    cursor = args.get("after")
    if sort == "due":
        page = _page_by_due(stmt, cursor)
    else:
        page = keyset_page(stmt, [Device.id], cursor, descending=True)
    return page_or_partial(
        "devices/index.html", "devices/_rows.html", page=page, q=q, producer_id=producer_id,
        status=status, kind=kind, due_to=due_to, sort=sort, sorts=SORTS, today=_today(),
        producers=_producers(), statuses=list(DeviceStatus), kinds=list(DeviceKind))


def _search(q: str):
    """A fragment of the factory or unique number (typed in any case, with spaces), of the
    model, or of the taxpayer's name or NIP. Matching devices and clients are looked up first
    through covering indexes; a selective search then reads those devices by id, a common term
    scans newest first without the indexes (see app/orders/queries.py for the same reasoning)."""
    number = "".join(q.split()).upper()
    devices = device_ids_by_number(number)
    clients = matching_clients(q)
    device_ids = db.session.scalars(device_ids_by_number(number, SELECTIVE + 1)).all()
    client_ids = db.session.scalars(
        matching_clients(q, SELECTIVE + 1).limit(SELECTIVE + 1)).all()
    by_model = model_contains(q)  # a handful of models, each on many devices: scanned newest first
    if len(device_ids) + len(client_ids) <= SELECTIVE:
        return or_(Device.id.in_(device_ids), Device.client_id.in_(client_ids), by_model)
    return or_((Device.id + 0).in_(devices), (Device.client_id + 0).in_(clients), by_model)


def _page_by_due(stmt, cursor: str | None) -> Page:
    """Soonest inspection first, then the devices with no due date (no inspection recorded).
    Two keyset walks: (next_inspection_due, id) over the dated devices, then id over the rest;
    a one-value cursor means the second walk."""
    dated = stmt.where(Device.next_inspection_due.is_not(None))
    undated = stmt.where(Device.next_inspection_due.is_(None))
    after = decode_cursor(cursor)
    if after is not None and len(after) == 1:
        return keyset_page(undated, [Device.id], cursor)
    page = keyset_page(dated, [Device.next_inspection_due, Device.id], cursor)
    if page.next_cursor:
        return page
    room = PAGE_SIZE - len(page.items)
    if room == 0:
        more = db.session.scalar(undated.with_only_columns(Device.id).limit(1)) is not None
        return Page(page.items, encode_cursor([0]) if more else None, page.first)
    rest = keyset_page(undated, [Device.id], None, size=room)
    return Page(page.items + rest.items, rest.next_cursor, page.first)


def _today() -> date:
    return clock.today()


def _producers() -> list[Party]:
    return party_queries.producers()


# --- detail and delete ----------------------------------------------------------------------

@bp.route("/<int:device_id>")
@tenant_user
def device(device_id):
    device = tenancy.get_or_404(Device, device_id)
    return render_template("devices/detail.html", device=device, used=references(device),
                           today=_today())


@bp.route("/<int:device_id>/usun", methods=["POST"])
@deleters
def delete_device(device_id):
    device = tenancy.get_or_404(Device, device_id)
    if not deleted(lambda: service.delete_device(device, current_user.role)):
        return redirect(url_for(".device", device_id=device.id), code=303)
    flash(f"Usunięto urządzenie {device.unique_no}.", "success")
    return redirect(url_for(".index"), code=303)


# --- forms ----------------------------------------------------------------------------------

@bp.route("/nowe", methods=["GET", "POST"])
@tenant_user
def new_device():
    form = DeviceForm()
    if request.method == "GET":
        client_id = request.args.get("client_id", type=int)
        client = db.session.get(Party, client_id) if client_id else None
        if client is not None and client.is_client:
            form.client_id.data = client.id
            form.location_id.data = client.locations[0].id if client.locations else None
    device = _save(form, None) if request.method == "POST" else None
    if device:
        flash(f"Dodano urządzenie {device.unique_no}.", "success")
        back = local_path(request.args.get("next"))
        if back:  # e.g. the new-order form, which then picks this device
            return redirect(_with_args(back, client_id=device.client_id, device_id=device.id),
                            code=303)
        return redirect(url_for(".device", device_id=device.id), code=303)
    return _render_form(form, None, back=local_path(request.args.get("next")))


@bp.route("/<int:device_id>/edycja", methods=["GET", "POST"])
@tenant_user
def edit_device(device_id):
    device = tenancy.get_or_404(Device, device_id)
    form = DeviceForm(obj=device)
    if request.method == "POST" and _save(form, device):
        flash("Zapisano zmiany.", "success")
        return redirect(url_for(".device", device_id=device.id), code=303)
    return _render_form(form, device)


def _save(form: DeviceForm, device: Device | None) -> Device | None:
    """Parse and save (a new device when `device` is None); None with the errors at the fields
    when anything fails (the form keeps what was typed, nothing is written). A form that could
    not read some fields still shows what the rules say about the others."""
    if not form.validate_on_submit():
        _, problems = rules.check_device(db.session, form.to_input(),
                                         device.id if device else None, _today())
        show(form, problems, _message)
        return None
    data = form.to_input()
    try:
        return service.update_device(device, data) if device else service.create_device(data)
    except FieldErrors as exc:
        show(form, exc.problems, _message)
        return None


def _message(problem: rules.Problem | None) -> Markup | str:
    if problem is None:
        return ""
    if problem.duplicate_of is None:
        return problem.message
    link = url_for(".device", device_id=problem.duplicate_of)
    return Markup('{} <a href="{}">Pokaż urządzenie</a>').format(problem.message, link)


def _with_args(url: str, **args) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | {k: str(v) for k, v in args.items()}
    return urlunsplit(parts._replace(query=urlencode(query)))


def _render_form(form: DeviceForm, device: Device | None, back: str | None = None):
    form.producer_id.choices = choices(
        [("", "— wybierz producenta —")] + [(p.id, p.name) for p in _producers()])
    client = db.session.get(Party, form.client_id.data) if form.client_id.data else None
    client = client if client is not None and client.is_client else None
    form.client_id.choices = choices(
        [(client.id, _client_label(client))] if client
        else [("", "— wyszukaj podatnika powyżej —")])
    locations = client.locations if client else []
    empty = "Klient nie ma miejsc instalacji" if client else "— najpierw wybierz podatnika —"
    form.location_id.choices = choices(
        [(loc.id, _location_label(loc)) for loc in locations] if locations else [("", empty)])
    return render_template("devices/form.html", form=form, device=device, back=back)


def _client_label(client: Party) -> str:
    nip_text = f"NIP {nip(client.nip)}" if client.nip else "bez NIP"
    return f"{client.name} ({nip_text}{', ' + client.city if client.city else ''})"


def _location_label(location: Location) -> str:
    return f"{location.name}: {location.address}" if location.name else location.address


# --- inline validation ----------------------------------------------------------------------

@bp.route("/sprawdz/nr-fabryczny", methods=["POST"])
@tenant_user
def check_factory_no():
    """The factory-number input asks while typing; the reply is only the error (or nothing)."""
    raw = request.form.get("factory_no", "")
    if not raw.strip():
        return ""
    producer = rules.producer_of(db.session, request.form.get("producer_id", type=int))
    _, problem = rules.check_factory_no(db.session, raw, producer,
                                        request.form.get("device_id", type=int))
    return _error_html(problem)


@bp.route("/sprawdz/nr-unikatowy", methods=["POST"])
@tenant_user
def check_unique_no():
    """The unique-number input asks while typing; the reply is only the error (or nothing)."""
    raw = request.form.get("unique_no", "")
    if not raw.strip():
        return ""
    producer = rules.producer_of(db.session, request.form.get("producer_id", type=int))
    _, problem = rules.check_unique_no(db.session, raw, producer,
                                       request.form.get("device_id", type=int))
    return _error_html(problem)


def _error_html(problem: rules.Problem | None) -> Markup:
    if problem is None:
        return Markup("")
    return Markup("<span>{}</span>").format(_message(problem))

