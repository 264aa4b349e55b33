"""How values look on Polish screens: NIP with dashes, dates as DD.MM.RRRR, money with a comma."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from app.clock import WARSAW


def day_start(day: date) -> datetime:
    """Midnight of a Polish calendar day: dates typed in filters are days in Poland."""
    return datetime.combine(day, time.min, tzinfo=WARSAW)


def day_range(day_from: date | None, day_to: date | None) -> tuple[datetime | None,
                                                                    datetime | None]:
    """[start, end) of the days from..to inclusive; None where a bound is not given."""
    return (day_start(day_from) if day_from else None,
            day_start(day_to + timedelta(days=1)) if day_to else None)


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


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Polish form for n: plural(2, "zlecenie", "zlecenia", "zleceń") is "zlecenia". The one
    helper for plural forms, in code and in templates (`n|plural("…", "…", "…")`)."""
    if n == 1:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def register(app) -> None:
    app.jinja_env.filters.update(nip=nip, date_pl=date_pl, money=money, plural=plural)
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
