"""Who may see and act on an order, its transmissions and the company-wide reports.

Owners and office staff act for the whole company. A technician sees and works on the orders of
the technician record linked to his account, and on their transmissions; a technician account
linked to no record sees none. What a user may not see does not exist for him: another
technician's order by its id is 404, as another tenant's is (app/tenancy.py).

Every view, the dashboard, jobs acting for a user and the API ask here: the SQL condition and
the check on a loaded row below are the two faces of one rule, kept side by side.
"""

from flask import abort
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Load

from app import tenancy
from app.extensions import db
from app.models import Order, Role, Technician, Transmission

# Act for the whole company: every order, the reports, the producer's batch send, reopening.
COMPANY_ROLES = (Role.OWNER, Role.OFFICE)
# A batch covers every order of the producer in a date range, whoever did the work.
BATCH_SENDERS = COMPANY_ROLES
REPORT_READERS = COMPANY_ROLES


def sees_every_order(user) -> bool:
    return user.role in {role.value for role in COMPANY_ROLES}


def may_assign(role: str, user_id: int | None, technician: Technician) -> bool:
    """Whether the user may give an order to this technician: owners and the office to any,
    a technician only to his own record (someone else's order would vanish from his list)."""
    return role in {r.value for r in COMPANY_ROLES} or technician.user_id == user_id


def own_technician_ids(user):
    """The technician records linked to the user's account: a technician's own orders."""
    return select(Technician.id).where(Technician.user_id == user.id)


def unlinked_technician(user) -> bool:
    """A technician account that no technician record is linked to: it sees no order."""
    if sees_every_order(user):
        return False
    return db.session.scalar(select(own_technician_ids(user).exists())) is False


def visible_orders(user) -> ColumnElement[bool]:
    """The condition on Order that leaves the orders the user may see."""
    if sees_every_order(user):
        return true()
    return Order.technician_id.in_(own_technician_ids(user))


def visible_transmissions(user) -> ColumnElement[bool]:
    """The condition on Transmission that leaves those of the orders the user may see."""
    if sees_every_order(user):
        return true()
    return Transmission.order_id.in_(select(Order.id).where(visible_orders(user)))


def may_see_order(user, order: Order) -> bool:
    """visible_orders for one loaded order."""
    if sees_every_order(user):
        return True
    return order.technician is not None and order.technician.user_id == user.id


def order_or_404(user, order_id, options: list[Load] | None = None) -> Order:
    """The order with this id if the user may see it (another tenant's or another
    technician's is not found); `options` are eager loads for the one query."""
    order = tenancy.get_or_404(Order, order_id, options=options)
    if not may_see_order(user, order):
        abort(404)
    return order


def transmission_or_404(user, transmission_id) -> Transmission:
    """The transmission with this id if the user may see its order. Seeing is enough to
    resend: a technician corrects his own order's data and sends its events again."""
    row = tenancy.get_or_404(Transmission, transmission_id)
    if not may_see_order(user, row.order):
        abort(404)
    return row


def may_batch_send(user) -> bool:
    return user.role in {role.value for role in BATCH_SENDERS}
