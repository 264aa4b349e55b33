"""Read-only questions about parties that many screens ask."""

from sqlalchemy import select

from app.extensions import db
from app.models import Party


def producers() -> list[Party]:
    """The tenant's producers in name order, for a select or a filter (the covering index
    ix_party_tenant_producer_name serves exactly this order)."""
    return list(db.session.scalars(select(Party).where(Party.is_producer.is_(True))
                                   .order_by(Party.name_key, Party.id)))
