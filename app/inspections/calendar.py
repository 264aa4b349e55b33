"""A technician's iCalendar feed (RFC 5545): his open orders on their planned days, so the
phone's calendar shows his day. The feed's URL carries a secret token of the technician;
issuing a new one (or revoking it) makes the old URL answer 404."""

import re
import secrets
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import audit, clock, tenancy
from app.extensions import db
from app.models import OPEN_STATUSES, Order, Technician

# Orders planned this long ago still show (a visit put off stays in sight for a month).
PAST_DAYS = 31


def issue_token(technician: Technician, user_id: int | None) -> str:
    technician.calendar_token = secrets.token_urlsafe(32)
    audit.record("technician.calendar_token", technician, "nowy adres kalendarza", user_id)
    db.session.commit()
    return technician.calendar_token


def revoke_token(technician: Technician, user_id: int | None) -> None:
    technician.calendar_token = None
    audit.record("technician.calendar_token", technician, "adres kalendarza unieważniony",
                 user_id)
    db.session.commit()


TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def technician_by_token(token: str) -> Technician | None:
    """Looked up across companies: the token alone says whose feed it is."""
    if not TOKEN_RE.fullmatch(token or ""):  # what token_urlsafe makes; never NUL & co. to SQL
        return None
    with tenancy.all_tenants():
        return db.session.scalar(select(Technician).where(Technician.calendar_token == token,
                                                          Technician.active.is_(True)))


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (RFC 5545 3.1), never inside a UTF-8 letter."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _day(value: date) -> str:
    return f"{value:%Y%m%d}"


def orders_of(technician: Technician, today: date) -> list[Order]:
    return list(db.session.scalars(
        select(Order).options(joinedload(Order.client), joinedload(Order.device),
                              joinedload(Order.location))
        .where(Order.technician_id == technician.id, Order.status.in_(OPEN_STATUSES),
               Order.planned_on.is_not(None),
               Order.planned_on >= today - timedelta(days=PAST_DAYS))
        .order_by(Order.planned_on, Order.id)))


def feed(technician: Technician, host: str) -> str:
    """The VCALENDAR text: an all-day event per open order with a planned day."""
    today = clock.today()
    stamp = f"{clock.now():%Y%m%dT%H%M%SZ}"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Plomba//Zlecenia serwisanta//PL",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_escape('Zlecenia – ' + technician.name)}"]
    for order in orders_of(technician, today):
        place = order.location.address if order.location else order.client.city
        summary = f"{order.number}: {order.client.name}"
        description = (f"Urządzenie {order.device.unique_no} ({order.device.model})\n"
                       f"{order.description}")
        lines += ["BEGIN:VEVENT", f"UID:order-{order.tenant_id}-{order.id}@{host}",
                  f"DTSTAMP:{stamp}", f"DTSTART;VALUE=DATE:{_day(order.planned_on)}",
                  f"DTEND;VALUE=DATE:{_day(order.planned_on + timedelta(days=1))}",
                  f"SUMMARY:{_escape(summary)}", f"LOCATION:{_escape(place or '')}",
                  f"DESCRIPTION:{_escape(description)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
