"""A device's town: its site's city, or its client's seat where it has no site (or a site
without a city). Kept on the device (`device.town`, indexed with the due date) so that the
Przeglądy city filter is a walk on its own index, like the plain list: computed per page, it
had to build the sets of the town's sites and clients first (a large town's 2,246 + 2,247 rows:
the filter's p95 18-26 ms on PostgreSQL, 12.8-17.8 ms as a walk; BENCHMARKS.md session 6).

Kept in step in one place: after every flush the devices whose site or client the flush
touched (a device added or moved to another site or client, a site's or a client's city
changed) are recomputed by one UPDATE in the same transaction. Writes that bypass the session
(the import's multi-row INSERT of devices, the bench's generator) call refresh() themselves,
and so must any later Core UPDATE of a site's or a client's city or of a device's site."""

from sqlalchemy import Connection, event, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from app.models import Device, Location, Party

_CHUNK = 1000


def town_of_device():
    """The rule as a column expression of the device row (correlated to it)."""
    site_city = (select(func.nullif(Location.city, "")).where(Location.id == Device.location_id)
                 .scalar_subquery())
    seat = select(Party.city).where(Party.id == Device.client_id).scalar_subquery()
    return func.coalesce(site_city, seat, "")


def refresh(connection: Connection, condition) -> None:
    """Recompute the town of the devices matching `condition` (a condition on Device). Their
    updated_at stays: the device was not edited, its site or client was."""
    connection.execute(update(Device).where(condition)
                       .values(town=town_of_device(), updated_at=Device.updated_at))


def refresh_ids(connection: Connection, device_ids: list[int]) -> None:
    for start in range(0, len(device_ids), _CHUNK):
        refresh(connection, Device.id.in_(device_ids[start:start + _CHUNK]))


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _keep_towns(session: Session, flush_context) -> None:
    devices, sites, clients = set(), set(), set()
    for obj in session.new:
        if isinstance(obj, Device):
            devices.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Device) and _changed(obj, "location_id", "client_id"):
            devices.add(obj.id)
        elif isinstance(obj, Location) and _changed(obj, "city"):
            sites.add(obj.id)
        elif isinstance(obj, Party) and _changed(obj, "city"):
            clients.add(obj.id)
    if not (devices or sites or clients):
        return
    conditions = []
    if devices:
        conditions.append(Device.id.in_(sorted(devices)))
    if sites:
        conditions.append(Device.location_id.in_(sorted(sites)))
    if clients:
        conditions.append(Device.client_id.in_(sorted(clients)))
    refresh(session.connection(), or_(*conditions))
