"""How values look on Polish screens: NIP with dashes, dates as DD.MM.RRRR, money with a comma."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


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
    from app.nav import nav_sections

    app.jinja_env.filters.update(nip=nip, date_pl=date_pl, money=money)
    app.jinja_env.globals["nav_sections"] = nav_sections
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
