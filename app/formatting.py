"""How values look on Polish screens: NIP with dashes, dates as DD.MM.RRRR, money with a comma."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from app.bounds import clamp_day
from app.clock import WARSAW
from app.models import TRANSMISSION_STATUS_LABELS


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


def iso_pl(value: str | None) -> str:
    """An ISO date or date-time in a payload ("2026-11-16", "2026-11-16T09:00:00+00:00") as
    date_pl shows it; anything else as it is."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if len(value) == 10:
        return date_pl(moment.date())
    return date_pl(moment if moment.tzinfo else moment.replace(tzinfo=WARSAW))


# What the audit log's codes mean: the object, then what was done to it.
AUDIT_OBJECTS = {
    "order": "Zlecenie", "client": "Klient", "producer": "Producent", "device": "Urządzenie",
    "service": "Usługa", "technician": "Serwisant", "authorisation": "Uprawnienie",
    "user": "Konto", "tenant": "Firma", "location": "Miejsce instalacji", "party": "Kontrahent",
}
AUDIT_DEEDS = {
    "created": "dodano", "updated": "zmieniono", "deleted": "usunięto", "start": "rozpoczęto",
    "close": "zamknięto", "settle": "rozliczono", "cancel": "anulowano",
    "reopen": "otwarto ponownie", "book_saved": "zapisano książkę serwisową",
    "item_added": "dodano pozycję", "item_removed": "usunięto pozycję",
    "service_book": "wpis do książki serwisowej", "transmissions_voided":
    "unieważniono wysyłki do RZS", "connection_test": "test połączenia z API RZS",
    "profile_updated": "zmieniono dane", "resumed": "wznowiono", "suspended": "zawieszono",
    "smtp_updated": "zmieniono pocztę (SMTP)", "activated": "włączono lub wyłączono konto",
    "password_changed": "zmieniono hasło", "role_changed": "zmieniono rolę",
    "session_ended": "zakończono sesję", "sessions_ended": "zakończono sesje",
    "signed_out": "wylogowano", "signed_in": "zalogowano",
    "catalogue_accepted": "przyjęto zmiany z katalogu",
    "catalogue_linked": "połączono z katalogiem",
}


def audit_object(code: str | None) -> str:
    return AUDIT_OBJECTS.get(code or "", code or "")


def audit_action(code: str) -> str:
    """"order.close" -> "Zlecenie: zamknięto"; a code not known yet stays as it is."""
    subject, _, deed = code.partition(".")
    if subject in AUDIT_OBJECTS and deed in AUDIT_DEEDS:
        return f"{AUDIT_OBJECTS[subject]}: {AUDIT_DEEDS[deed]}"
    return code


def transmission_status(code: str) -> str:
    return TRANSMISSION_STATUS_LABELS.get(code, code)


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def sentence(text: str) -> str:
    """Text ending a sentence: its own full stop is the sentence's ("… Sp. z o.o.", not "o.o..")."""
    return text if text.endswith(".") else f"{text}."


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Polish form for n: plural(2, "zlecenie", "zlecenia", "zleceń") is "zlecenia". The one
    helper for plural forms, in code and in templates (`n|plural("…", "…", "…")`)."""
    if n == 1:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def register(app) -> None:
    app.jinja_env.filters.update(nip=nip, date_pl=date_pl, money=money, plural=plural,
                                 iso_pl=iso_pl, audit_action=audit_action,
                                 audit_object=audit_object,
                                 transmission_status=transmission_status)
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
