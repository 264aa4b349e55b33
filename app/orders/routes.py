"""Service orders: the lists, a new order, and the order page whose tabs save on their own.
Views parse and render; every rule is in app/orders/workflow.py."""

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import clock, tenancy
from app.auth.access import tenant_user
from app.days import DayRange
from app.extensions import db
from app.formatting import WARSAW
from app.htmx import is_htmx, page_or_partial
from app.listing import keyset_page
from app.models import (
    BOOK_FIELDS,
    ORDER_STATUS_LABELS,
    Device,
    Order,
    OrderItem,
    Party,
    Service,
    Technician,
    Tenant,
)
from app.orders import access, bp, workflow
from app.orders.forms import BookForm, HeaderForm, ItemForm, NewOrderForm, SettleForm
from app.orders.queries import CURRENT, FINISHED, OrderFilters, orders_query, with_names
from app.orders.workflow import Actor, WorkflowError
from app.parties import queries as party_queries
from app.rzs import dispatch
from app.rzs.payload import build_events

# Tab name = endpoint name of its page.
TABS = (("order", "Zlecenie"), ("items", "Pozycje"), ("book", "Książka"),
        ("shipping", "Wysyłka"))


def _actor() -> Actor:
    return Actor(current_user.id, current_user.role)


# --- lists ---------------------------------------------------------------------------------

def _filters() -> OrderFilters:
    args = request.args
    return OrderFilters(
        q=args.get("q", "").strip(), status=args.get("status", ""),
        producer_id=args.get("producer_id", type=int),
        technician_id=args.get("technician_id", type=int),
        days=DayRange.from_args(args), service_book=args.get("book", ""))


def _list(view: str, statuses: tuple[str, ...]):
    filters = _filters()
    page = keyset_page(orders_query(statuses, filters, current_user), [Order.id],
                       request.args.get("after"), descending=True, outer=with_names)
    context = dict(page=page, f=filters, view=view, statuses=statuses,
                   status_labels=ORDER_STATUS_LABELS)
    if not is_htmx():
        everyone = access.sees_every_order(current_user)
        context.update(
            producers=party_queries.producers(), unlinked=access.unlinked_technician(current_user),
            # A technician sees his own orders only: a filter by technician says nothing.
            technicians=db.session.scalars(select(Technician).order_by(Technician.name)).all()
            if everyone else [])
    return page_or_partial("orders/list.html", "orders/_rows.html", **context)


@bp.route("")
@tenant_user
def index():
    return _list("orders.index", CURRENT)


@bp.route("/zamkniete")
@tenant_user
def closed():
    return _list("orders.closed", FINISHED)


# --- new order -----------------------------------------------------------------------------

@bp.route("/nowe", methods=["GET", "POST"])
@tenant_user
def new_order():
    form = NewOrderForm()
    if request.method == "GET":
        form.client_id.data = request.args.get("client_id", type=int)
        form.device_id.data = request.args.get("device_id", type=int)
        if form.device_id.data and not form.client_id.data:
            device = db.session.get(Device, form.device_id.data)
            form.client_id.data = device.client_id if device else None
    own = _own_technicians()
    if own and request.method == "GET":
        form.technician_id.data = own[0].id  # a technician's new order is his own
    if form.validate_on_submit():
        if own and form.technician_id.data is None:
            form.technician_id.data = own[0].id
        try:
            order = workflow.create_order(
                _actor(), client_id=form.client_id.data, location_id=form.location_id.data,
                device_id=form.device_id.data, technician_id=form.technician_id.data,
                description=form.description.data)
            workflow.commit()
        except WorkflowError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            if not access.may_see_order(current_user, order):
                # Someone else's (or nobody's yet): its page would be a 404 for this user.
                flash(f"Utworzono zlecenie {order.number}. Nie jest przypisane do Ciebie, "
                      "więc nie ma go na Twojej liście.", "success")
                return redirect(url_for(".index"), code=303)
            flash(f"Utworzono zlecenie {order.number}.", "success")
            return redirect(url_for(".order", order_id=order.id), code=303)
    client = db.session.get(Party, form.client_id.data) if form.client_id.data else None
    return render_template("orders/new.html", form=form, client=client,
                           technicians=_assignable(own), own_technicians=own,
                           unlinked=access.unlinked_technician(current_user))


@bp.route("/urzadzenia-opcje")
@tenant_user
def device_options():
    """<option>s of one client's devices for the new-order form (liquidated ones excluded)."""
    client_id = request.args.get("client_id", type=int)
    devices = []
    if client_id:
        devices = db.session.scalars(select(Device).where(Device.client_id == client_id)
                                     .order_by(Device.id)).all()
    return render_template("orders/_device_options.html", devices=devices,
                           selected=request.args.get("device_id", type=int),
                           client_id=client_id)


@bp.route("/lokalizacje-opcje")
@tenant_user
def location_options():
    client = db.session.get(Party, request.args.get("client_id", type=int) or 0)
    return render_template("orders/_location_options.html",
                           locations=client.locations if client else [])


def _technicians():
    return db.session.scalars(select(Technician).where(Technician.active.is_(True))
                              .order_by(Technician.name)).all()


def _assignable(own: list[Technician], order: Order | None = None) -> list[Technician]:
    """The technicians the user may give an order to (access.may_assign): all the active ones
    for the company roles, his own record(s) for a technician (none when unlinked), and the
    one already on the order."""
    if access.sees_every_order(current_user):
        return list(_technicians())
    if order is not None and order.technician is not None and order.technician not in own:
        return [order.technician, *own]
    return own


def _own_technicians() -> list[Technician]:
    """A technician's own active records (the orders he sees); none for company roles."""
    if access.sees_every_order(current_user):
        return []
    return list(db.session.scalars(
        select(Technician).where(Technician.id.in_(access.own_technician_ids(current_user)),
                                 Technician.active.is_(True)).order_by(Technician.name)))


def _field_error(form, exc: WorkflowError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


# --- the order page and its tabs ------------------------------------------------------------

# Everything the order page shows, in a handful of queries instead of one per relation.
# The technician's authorisations are read only by the closing warnings of an editable
# order, so they load when asked (most orders shown are settled and never ask). The items
# stay a statement of their own: joined to the order's statement they saved a round trip but
# doubled its planning (1.1 -> 2.4 ms, docs/sql-plans.md).
ORDER_PAGE = [
    joinedload(Order.client).selectinload(Party.locations),
    joinedload(Order.location),
    joinedload(Order.device).joinedload(Device.producer),
    joinedload(Order.technician),
    selectinload(Order.items),
    joinedload(Order.book),
]


def _order(order_id: int) -> Order:
    return access.order_or_404(current_user, order_id, options=ORDER_PAGE)


def _render_tab(order: Order, tab: str, **context):
    context.setdefault("header_form", _header_form(order))
    context.setdefault("item_form", ItemForm(formdata=None, performed_on=clock.today()))
    context.setdefault("book_form", BookForm(formdata=None, obj=order.book))
    context.setdefault("settle_form", SettleForm(formdata=None, doc_date=clock.today()))
    # The catalogue and the technicians are read only by the tabs that offer them.
    services = db.session.scalars(select(Service).where(Service.active.is_(True))
                                  .order_by(Service.name)).all() if tab == "items" else []
    technicians = _assignable(_own_technicians(), order) if tab == "order" else []
    # htmx gets the whole order component (orders/_order.html), not the tab alone: an action
    # in one tab changes the header, the badges and the totals as well.
    return page_or_partial(
        "orders/order.html", "orders/_order_fragment.html", order=order, tab=tab, tabs=TABS,
        actions=workflow.available_actions(order, current_user.role),
        labels=workflow.ACTION_LABELS, editable=order.status in workflow.EDITABLE,
        close_problems=workflow.close_problems(order) if order.status == "started" else [],
        warning=" ".join(workflow.closing_warnings(order, clock.today())
                         if order.status in workflow.EDITABLE else []),
        services=services, technicians=technicians, total=workflow.total(order),
        rzs_rows=dispatch.transmissions_of(order.id), **context)


def _header_form(order: Order, formdata=None) -> HeaderForm:
    form = HeaderForm(formdata=formdata, obj=order)
    if formdata is None:
        form.started_at.data = _local(order.started_at)
        form.finished_at.data = _local(order.finished_at)
    return form


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(WARSAW).replace(tzinfo=None) if moment else None


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=WARSAW) if moment else None


def _saved(order: Order, tab: str, message: str):
    """After a tab saved: htmx gets the tab again with the message, a plain POST a redirect."""
    if is_htmx():
        return _render_tab(order, tab, saved=message)
    flash(message, "success")
    return redirect(url_for(f".{tab}", order_id=order.id), code=303)


def _refused(order: Order, tab: str, exc: WorkflowError, **forms):
    db.session.rollback()
    order = _order(order.id)
    if is_htmx():
        return _render_tab(order, tab, refused=exc.message, **forms)
    flash(exc.message, "error")
    return redirect(url_for(f".{tab}", order_id=order.id), code=303)


@bp.route("/<int:order_id>")
@tenant_user
def order(order_id):
    return _render_tab(_order(order_id), "order")


@bp.route("/<int:order_id>/pozycje")
@tenant_user
def items(order_id):
    return _render_tab(_order(order_id), "items")


@bp.route("/<int:order_id>/ksiazka")
@tenant_user
def book(order_id):
    return _render_tab(_order(order_id), "book")


@bp.route("/<int:order_id>/wysylka")
@tenant_user
def shipping(order_id):
    order = _order(order_id)
    tenant = db.session.get(Tenant, order.tenant_id)
    return _render_tab(order, "shipping", events=build_events(order, tenant))


@bp.route("/<int:order_id>/dane", methods=["POST"])
@tenant_user
def save_header(order_id):
    order = _order(order_id)
    form = _header_form(order, request.form)
    if not form.validate():
        return _render_tab(order, "order", header_form=form), 200
    try:
        workflow.update_header(_actor(), order, location_id=form.location_id.data,
                               technician_id=form.technician_id.data,
                               started_at=_aware(form.started_at.data),
                               finished_at=_aware(form.finished_at.data),
                               description=form.description.data)
        workflow.commit()
    except WorkflowError as exc:
        db.session.rollback()
        order = _order(order_id)
        _field_error_inline(form, exc)
        return _render_tab(order, "order", header_form=form)
    return _saved(order, "order", "Zapisano dane zlecenia.")


def _field_error_inline(form, exc: WorkflowError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    target = field if field is not None else next(iter(form))
    target.errors = [*target.errors, exc.message]


@bp.route("/<int:order_id>/pozycje", methods=["POST"])
@tenant_user
def add_item(order_id):
    order = _order(order_id)
    form = ItemForm()
    if not form.validate():
        return _render_tab(order, "items", item_form=form)
    if form.service_id.data is None:
        form.service_id.errors = ["Wybierz usługę."]
        return _render_tab(order, "items", item_form=form)
    try:
        item = workflow.add_item(_actor(), order, service_id=form.service_id.data,
                                 quantity=form.quantity.data, price=form.price.data,
                                 vat_rate=form.vat_rate.data or None,
                                 performed_on=form.performed_on.data)
        name = item.name
        workflow.commit()
    except WorkflowError as exc:
        db.session.rollback()
        order = _order(order_id)
        _field_error_inline(form, exc)
        return _render_tab(order, "items", item_form=form)
    return _saved(order, "items", f"Dodano pozycję „{name}”.")


@bp.route("/<int:order_id>/pozycje/<int:item_id>/usun", methods=["POST"])
@tenant_user
def remove_item(order_id, item_id):
    order = _order(order_id)
    item = tenancy.get_or_404(OrderItem, item_id)
    if item.order_id != order.id:
        abort(404)
    try:
        workflow.remove_item(_actor(), order, item)
        workflow.commit()
    except WorkflowError as exc:
        return _refused(order, "items", exc)
    return _saved(order, "items", "Usunięto pozycję.")


@bp.route("/<int:order_id>/wpis", methods=["POST"])
@tenant_user
def set_service_book(order_id):
    order = _order(order_id)
    value = request.form.get("service_book") in ("y", "on", "1", "true")
    try:
        workflow.set_service_book(_actor(), order, value)
        workflow.commit()
    except WorkflowError as exc:
        return _refused(order, "items", exc)
    return _saved(order, "items", "Zaznaczono wpis do książki serwisowej." if value
                  else "Odznaczono wpis do książki serwisowej.")


@bp.route("/<int:order_id>/ksiazka", methods=["POST"])
@tenant_user
def save_book(order_id):
    order = _order(order_id)
    form = BookForm()
    if not form.validate():
        return _render_tab(order, "book", book_form=form)
    try:
        workflow.save_book(_actor(), order, {name: getattr(form, name).data
                                             for name in BOOK_FIELDS})
        workflow.commit()
    except WorkflowError as exc:
        return _refused(order, "book", exc, book_form=form)
    return _saved(order, "book", "Zapisano książkę serwisową.")


# --- state changes -------------------------------------------------------------------------

def _state_change(order_id: int, change, success: str):
    order = _order(order_id)
    # Read before the commit, which expires the order: reading it after would load the order
    # and its eager loads again (five more statements) for one number.
    number = order.number
    try:
        warnings = change(order) or []
        workflow.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(success.format(number=number), "success")
        for warning in warnings if isinstance(warnings, list) else []:
            flash(f"Ostrzeżenie: {warning} Zapisano w dzienniku zdarzeń.", "warning")
    return redirect(url_for(".order", order_id=order_id), code=303)


@bp.route("/<int:order_id>/rozpocznij", methods=["POST"])
@tenant_user
def start(order_id):
    return _state_change(order_id, lambda o: workflow.start(_actor(), o),
                         "Rozpoczęto zlecenie {number}.")


@bp.route("/<int:order_id>/zamknij", methods=["POST"])
@tenant_user
def close(order_id):
    return _state_change(order_id, lambda o: workflow.close(_actor(), o),
                         "Zamknięto zlecenie {number}.")


@bp.route("/<int:order_id>/rozlicz", methods=["POST"])
@tenant_user
def settle(order_id):
    _order(order_id)  # 404 for another tenant's order before anything else
    refusal = workflow.role_refusal("settle", current_user.role)
    if refusal:  # before the form: its messages would hide that he may not settle at all
        flash(refusal, "error")
        return redirect(url_for(".order", order_id=order_id), code=303)
    form = SettleForm()
    if not form.validate():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for(".order", order_id=order_id), code=303)
    return _state_change(order_id, lambda o: workflow.settle(
        _actor(), o, doc_no=form.doc_no.data, doc_date=form.doc_date.data),
        "Rozliczono zlecenie {number}.")


@bp.route("/<int:order_id>/anuluj", methods=["POST"])
@tenant_user
def cancel(order_id):
    return _state_change(order_id, lambda o: workflow.cancel(_actor(), o),
                         "Anulowano zlecenie {number}.")


@bp.route("/<int:order_id>/wznow", methods=["POST"])
@tenant_user
def reopen(order_id):
    def change(order):
        voided = workflow.reopen(_actor(), order)
        if voided:
            flash(f"Unieważniono {voided} oczekujących wysyłek do RZS.", "info")

    return _state_change(order_id, change, "Zlecenie {number} jest ponownie otwarte.")
