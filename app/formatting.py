"""How values look on Polish screens: NIP with dashes, dates as DD.MM.RRRR, money with a comma."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from app.bounds import clamp_day
from app.clock import WARSAW


def day_start(day: date) -> datetime:
    """Midnight of a Polish calendar day: dates typed in filters are days in Poland."""
    return datetime.combine(day, time.min, tzinfo=WARSAW)


def day_range(day_from: date | None, day_to: date | None) -> tuple[datetime | None,
                                                                    datetime | None]:
    """[start, end) of the days from..to inclusive; None where a bound is not given. A day
    outside the range users may type is its nearest end: 9999-12-31 has no next day, and
    0001-01-01 in Warsaw is not a datetime in UTC."""
    return (day_start(clamp_day(day_from)) if day_from else None,
            day_start(clamp_day(day_to) + timedelta(days=1)) if day_to else None)


def nip(value: str | None) -> str:
    if not value:
        return ""
    v = str(value)
    return f"{v[0:3]}-{v[3:6]}-{v[6:8]}-{v[8:10]}" if len(v) == 10 and v.isdigit() else v


def date_pl(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def register(app) -> None:
    app.jinja_env.filters.update(nip=nip, date_pl=date_pl, money=money)
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
