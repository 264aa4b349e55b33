"""Pre-flight: an event checked against the protocol's field rules (rzs-api.md) before it is
sent. The registry checks a request as a whole and answers 422 for all of it when one event is
malformed, so a failing event is held back ("do poprawy") with the reason, and the others go.

Pure functions: the event as payload.build_events makes it in, problems out. The same rules as
the registry's own (required, formats, lengths), in the user's words.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

KINDS = ("PU", "F", "L", "N")
UNIQUE_NO_RE = re.compile(r"^[A-Z]{3}[0-9]{8}([0-9]{2})?$")
NIP_RE = re.compile(r"^[0-9]{10}$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DATETIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
                         r"(Z|[+-][0-9]{2}:[0-9]{2})$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

# The event's fields in the user's words (also used for the registry's 422 path).
FIELD_LABELS = {
    "id": "identyfikator zdarzenia",
    "kind": "rodzaj zdarzenia",
    "factory_no": "nr fabryczny urządzenia",
    "unique_no": "nr unikatowy urządzenia",
    "performed_on": "data wykonania",
    "technician": "serwisant",
    "technician.seal_no": "nr plomby serwisanta",
    "technician.name": "nazwisko serwisanta",
    "taxpayer": "podatnik",
    "taxpayer.nip": "NIP podatnika",
    "taxpayer.name": "nazwa podatnika",
    "taxpayer.street": "ulica podatnika",
    "taxpayer.postal_code": "kod pocztowy podatnika",
    "taxpayer.city": "miejscowość podatnika",
    "location": "miejsce instalacji",
    "location.street": "ulica miejsca instalacji",
    "location.postal_code": "kod pocztowy miejsca instalacji",
    "location.city": "miejscowość miejsca instalacji",
    "location.name": "nazwa miejsca instalacji",
    "service": "firma serwisowa",
    "service.nip": "NIP firmy serwisowej",
    "started_at": "data i godzina rozpoczęcia zlecenia",
    "finished_at": "data i godzina zakończenia zlecenia",
    "book": "książka serwisowa zlecenia",
}


@dataclass(frozen=True)
class Problem:
    path: str  # the field's path inside the event, as the registry names it: "taxpayer.nip"
    message: str  # for the user (Polish)


def label(path: str) -> str:
    return FIELD_LABELS.get(path) or FIELD_LABELS.get(path.split(".")[0], path)


def _text(event: dict, path: str, *, required: bool, max_len: int | None = None,
          one_line: bool = False) -> Problem | None:
    value = _get(event, path)
    if value is None or value == "":
        return Problem(path, f"Brak: {label(path)}.") if required else None
    if not isinstance(value, str) or (required and not value.strip()):
        return Problem(path, f"Brak: {label(path)}.")
    if max_len is not None and len(value) > max_len:
        return Problem(path, f"Za długie: {label(path)} (najwyżej {max_len} znaków).")
    if one_line and CONTROL_RE.search(value):
        return Problem(path, f"Niedozwolone znaki sterujące: {label(path)}.")
    return None


def _get(event: dict, path: str):
    value = event
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _is_date(value) -> bool:
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_datetime(value) -> bool:
    if not isinstance(value, str) or not DATETIME_RE.fullmatch(value):
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def problems(event: dict) -> list[Problem]:
    """Every field rule the event breaks, in the order of rzs-api.md; empty when it may go."""
    found: list[Problem | None] = [
        _text(event, "id", required=True, max_len=64, one_line=True),
    ]
    if event.get("kind") not in KINDS:
        found.append(Problem("kind", "Nieznany rodzaj zdarzenia (PU, F, L albo N)."))
    found.append(_text(event, "factory_no", required=True, max_len=32, one_line=True))
    unique_no = event.get("unique_no")
    if not unique_no:
        found.append(Problem("unique_no", "Brak: nr unikatowy urządzenia."))
    elif not isinstance(unique_no, str) or not UNIQUE_NO_RE.fullmatch(unique_no):
        found.append(Problem("unique_no", f"Nr unikatowy „{unique_no}” nie ma postaci "
                                          "3 litery i 8 albo 10 cyfr."))
    if not event.get("performed_on"):
        found.append(Problem("performed_on", "Brak: data wykonania."))
    elif not _is_date(event.get("performed_on")):
        found.append(Problem("performed_on", "Nieprawidłowa data wykonania."))
    found.append(_text(event, "technician.seal_no", required=True, max_len=32, one_line=True))
    nip = _get(event, "taxpayer.nip")
    if not nip:
        found.append(Problem("taxpayer.nip", "Brak: NIP podatnika."))
    elif not isinstance(nip, str) or not NIP_RE.fullmatch(nip):
        found.append(Problem("taxpayer.nip", "NIP podatnika musi mieć 10 cyfr."))
    found.append(_text(event, "taxpayer.name", required=True))
    for part in ("street", "postal_code", "city"):
        found.append(_text(event, f"location.{part}", required=True))
    service_nip = _get(event, "service.nip")
    if service_nip and (not isinstance(service_nip, str) or not NIP_RE.fullmatch(service_nip)):
        found.append(Problem("service.nip", "NIP firmy serwisowej musi mieć 10 cyfr."))
    if event.get("kind") == "N":
        for key in ("started_at", "finished_at"):
            if not event.get(key):
                found.append(Problem(key, f"Brak: {label(key)}."))
            elif not _is_datetime(event.get(key)):
                found.append(Problem(key, f"Nieprawidłowa {label(key)}."))
        book = event.get("book")
        if not isinstance(book, dict) or any(v is not None and not isinstance(v, str)
                                             for v in book.values()):
            found.append(Problem("book", "Książka serwisowa zlecenia jest niekompletna."))
    return [p for p in found if p is not None]


def reason(found: list[Problem]) -> str:
    """The held event's reason, for the user."""
    return " ".join(p.message for p in found)


def paths(found: list[Problem]) -> str:
    """The failing fields, kept on the row so the screen can link to the first one to fix."""
    return " ".join(p.path for p in found)
