"""What refers to a record, so that deleting it can be refused with the reason; and who may
delete registry records at all."""

from sqlalchemy import func, or_, select

from app.extensions import db
from app.formatting import plural
from app.models import (
    Authorisation,
    Device,
    Location,
    Order,
    OrderItem,
    Party,
    Role,
    Service,
    Technician,
)

# Deleting a registry record (client, site, device, producer, service, technician) is for the
# owner and the office: the views' decorator and the services both read this one set.
DELETE_ROLES = (Role.OWNER, Role.OFFICE)


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def references(obj) -> list[str]:
    """What refers to obj, in Polish ("3 zleceniach"); empty when nothing does."""
    checks: list[tuple[int, str, str, str]] = []
    if isinstance(obj, Service):
        checks.append((_count(OrderItem, OrderItem.service_id == obj.id),
                       "pozycji zlecenia", "pozycjach zleceń", "pozycjach zleceń"))
    elif isinstance(obj, Party):
        checks.append((_count(Order, Order.client_id == obj.id),
                       "zleceniu", "zleceniach", "zleceniach"))
        checks.append((_count(Device, or_(Device.client_id == obj.id,
                                          Device.producer_id == obj.id)),
                       "urządzeniu", "urządzeniach", "urządzeniach"))
        checks.append((_count(Authorisation, Authorisation.producer_id == obj.id),
                       "uprawnieniu serwisanta", "uprawnieniach serwisantów",
                       "uprawnieniach serwisantów"))
    elif isinstance(obj, Location):
        checks.append((_count(Device, Device.location_id == obj.id),
                       "urządzeniu", "urządzeniach", "urządzeniach"))
        checks.append((_count(Order, Order.location_id == obj.id),
                       "zleceniu", "zleceniach", "zleceniach"))
    elif isinstance(obj, Device):
        checks.append((_count(Order, Order.device_id == obj.id),
                       "zleceniu", "zleceniach", "zleceniach"))
    elif isinstance(obj, Technician):
        checks.append((_count(Order, Order.technician_id == obj.id),
                       "zleceniu", "zleceniach", "zleceniach"))
    return [f"{n} {plural(n, one, few, many)}" for n, one, few, many in checks if n]


def refusal(obj, what: str) -> str | None:
    """The message that refuses deleting obj, or None when it may be deleted."""
    reasons = references(obj)
    if not reasons:
        return None
    return f"Nie można usunąć: {what} występuje w {' i '.join(reasons)}."


def may_delete(role: str | None) -> bool:
    return role in {r.value for r in DELETE_ROLES}
