"""Data repair for tenants coming from the old program ("Administracja -> Naprawa danych")."""

from datetime import date

from sqlalchemy import select, update

from app import audit, clock
from app.extensions import db
from app.formatting import day_start
from app.models import DONE_STATUSES, OPEN_STATUSES, Order, OrderItem, Service

# "zakończone" (closed, settled) and "bieżące" (new, started); cancelled ones stay as they are.
FINISHED_AND_CURRENT = OPEN_STATUSES + DONE_STATUSES


def copy_service_book_flag(since: date, user_id: int | None = None) -> int:
    """Przepisz „wpis do książki serwisowej” z usług do zleceń: flag every finished and current
    order of the current tenant created on or after `since` that has an item whose service
    carries the flag now. Returns how many orders changed; already flagged ones do not count.
    The caller commits."""
    # The seed says "w zleceniach od dnia (…)": the date qualifies the order, not its items.
    # Current orders often have items with no execution date yet, so filtering on
    # OrderItem.performed_on would miss exactly the current orders the seed names.
    start = day_start(since)
    with_flagged_service = (
        select(OrderItem.order_id)
        .join(Service, Service.id == OrderItem.service_id)
        .where(Service.service_book.is_(True))
    )
    changed = db.session.scalars(
        update(Order)
        .where(
            Order.status.in_(FINISHED_AND_CURRENT),
            Order.service_book.is_(False),
            Order.created_at >= start,
            Order.id.in_(with_flagged_service),
        )
        # Bumping the version makes a form opened before the repair fail to save over the flag.
        .values(service_book=True, version=Order.version + 1, updated_at=clock.now())
        .returning(Order.id)
        .execution_options(synchronize_session="fetch")
    ).all()
    audit.record_many("order.service_book_set", Order, changed,
                      f"Naprawa danych: wpis do książki serwisowej z usług, od {since:%d.%m.%Y}",
                      user_id=user_id)
    return len(changed)
