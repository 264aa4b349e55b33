"""The wire protocol's texts and the validation of a /events body (rzs-api.md, "Fields").

`parse_events(raw_body)` returns the events or raises TooManyEvents (413) or Invalid(path)
(422 `Błąd: Nieprawidłowe dane: <path>`). The body is checked as a whole before anything is
stored, in this order: JSON, `events` a non-empty list, at most 500 events (413), then each
event in request order and each field in the order of the fields table; the first problem is
the one named. Two events with one `id`: the later one's `events[i].id`.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

MAX_EVENTS = 500

OK = "OK"
BAD_LOGIN = "Błąd: Nieprawidłowe parametry logowania"
BAD_PRODUCER_NIP = "Błąd: Niezgodny NIP producenta"
TOO_MANY = f"Błąd: Za dużo zdarzeń w jednym żądaniu (maks. {MAX_EVENTS})"
INVALID = "Błąd: Nieprawidłowe dane: {path}"
THROTTLED = "Błąd: Zbyt wiele żądań"
FAILED = "Błąd: Awaria rejestru"
LOST_REPLY = "Błąd: Utracono odpowiedź rejestru"
UNKNOWN_PRODUCER = "Błąd: Nieznany producent"
NOT_FOUND = "Błąd: Nie ma takiego adresu"
BAD_METHOD = "Błąd: Niedozwolona metoda"

# Per-event error tokens (verbatim from the seed document)
UNKNOWN_PREFIX = "Błąd: Nieznany prefix"
PAIRING = "Błąd: Niezgodny nr unikatowy z nr fabrycznym"
OTHER_SERVICE = "Błąd: Brak uprawnień do KASY (INNY SERWIS)"
UNKNOWN_SEAL = "Nieznany serwisant, nr plomby ({seal})"

KINDS = ("PU", "F", "L", "N")
# Summary lines in their order: (label, counter key); "Dodano likwidacji" is in rzs-api.md.
SUMMARY = (
    ("Dodano kontrahentów", "taxpayers"),
    ("Dodano lokalizacji", "locations"),
    ("Dodano przeglądów", "PU"),
    ("Dodano fiskalizacji", "F"),
    ("Dodano likwidacji", "L"),
    ("Dodano napraw", "N"),
)

UNIQUE_NO_RE = re.compile(r"[A-Z]{3}[0-9]{8}(?:[0-9]{2})?")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})"
)
NIP_RE = re.compile(r"[0-9]{10}")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


class TooManyEvents(Exception):
    """More than 500 events in one request (413)."""


class Invalid(Exception):
    """The body is not valid; `path` names the field (422)."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def _text(obj: dict, key: str, path: str, *, required: bool, max_len: int | None = None) -> str:
    """A text field: required ones are non-blank strings; optional ones may be missing or null
    (then ""), else strings. Line breaks and other control characters are refused in fields that
    come back in the reply (`id`) and in identifiers."""
    value = obj.get(key)
    if value is None:
        if required:
            raise Invalid(f"{path}.{key}")
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{path}.{key}")
    if required and not value.strip():
        raise Invalid(f"{path}.{key}")
    if max_len is not None and len(value) > max_len:
        raise Invalid(f"{path}.{key}")
    return value


def _object(obj: dict, key: str, path: str, *, required: bool) -> dict:
    value = obj.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"{path}.{key}")
    return value


def _date(value: str) -> bool:
    if not DATE_RE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _datetime(value: str) -> bool:
    if not DATETIME_RE.fullmatch(value):
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def parse_events(raw: bytes) -> list[dict]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("events") from None
    if not isinstance(body, dict):
        raise Invalid("events")
    events = body.get("events")
    if not isinstance(events, list) or not events:
        raise Invalid("events")
    if len(events) > MAX_EVENTS:
        raise TooManyEvents()
    seen: set[str] = set()
    out = []
    for i, event in enumerate(events):
        out.append(_event(event, f"events[{i}]", seen))
    return out


def _event(event: object, path: str, seen: set[str]) -> dict:
    if not isinstance(event, dict):
        raise Invalid(path)
    event_id = _text(event, "id", path, required=True, max_len=64)
    if CONTROL_RE.search(event_id):
        raise Invalid(f"{path}.id")
    if event_id in seen:
        raise Invalid(f"{path}.id")
    seen.add(event_id)
    kind = event.get("kind")
    if kind not in KINDS:
        raise Invalid(f"{path}.kind")
    factory_no = _text(event, "factory_no", path, required=True, max_len=32)
    if CONTROL_RE.search(factory_no):
        raise Invalid(f"{path}.factory_no")
    unique_no = event.get("unique_no")
    if not isinstance(unique_no, str) or not UNIQUE_NO_RE.fullmatch(unique_no):
        raise Invalid(f"{path}.unique_no")
    performed_on = event.get("performed_on")
    if not isinstance(performed_on, str) or not _date(performed_on):
        raise Invalid(f"{path}.performed_on")

    tech_path = f"{path}.technician"
    technician = _object(event, "technician", path, required=True)
    seal_no = _text(technician, "seal_no", tech_path, required=True, max_len=32)
    if CONTROL_RE.search(seal_no):
        raise Invalid(f"{tech_path}.seal_no")
    tech_name = _text(technician, "name", tech_path, required=False)

    tp_path = f"{path}.taxpayer"
    taxpayer = _object(event, "taxpayer", path, required=True)
    nip = taxpayer.get("nip")
    if not isinstance(nip, str) or not NIP_RE.fullmatch(nip):
        raise Invalid(f"{tp_path}.nip")
    tp = {
        "nip": nip,
        "name": _text(taxpayer, "name", tp_path, required=True),
        "street": _text(taxpayer, "street", tp_path, required=False),
        "postal_code": _text(taxpayer, "postal_code", tp_path, required=False),
        "city": _text(taxpayer, "city", tp_path, required=False),
    }

    loc_path = f"{path}.location"
    location = _object(event, "location", path, required=True)
    loc = {
        "street": _text(location, "street", loc_path, required=True),
        "postal_code": _text(location, "postal_code", loc_path, required=True),
        "city": _text(location, "city", loc_path, required=True),
        "name": _text(location, "name", loc_path, required=False),
    }

    svc_path = f"{path}.service"
    service = _object(event, "service", path, required=False)
    svc_nip = _text(service, "nip", svc_path, required=False)
    if svc_nip and not NIP_RE.fullmatch(svc_nip):
        raise Invalid(f"{svc_path}.nip")
    _text(service, "name", svc_path, required=False)

    long_event = kind == "N"
    times = {}
    for key in ("started_at", "finished_at"):
        value = event.get(key)
        if value is None and not long_event:
            times[key] = ""
            continue
        if not isinstance(value, str) or not _datetime(value):
            raise Invalid(f"{path}.{key}")
        times[key] = value
    book = event.get("book")
    if book is None and not long_event:
        book = None
    else:
        if not isinstance(book, dict):
            raise Invalid(f"{path}.book")
        for key, value in book.items():
            if value is not None and not isinstance(value, str):
                raise Invalid(f"{path}.book.{key}")
    return {
        "id": event_id,
        "kind": kind,
        "factory_no": factory_no,
        "unique_no": unique_no,
        "performed_on": performed_on,
        "seal_no": seal_no,
        "technician_name": tech_name,
        "taxpayer": tp,
        "location": loc,
        "started_at": times["started_at"],
        "finished_at": times["finished_at"],
        "book": book,
    }


def summary_lines(counts: dict[str, int]) -> list[str]:
    return [f"{label}: {counts[key]}" for label, key in SUMMARY if counts.get(key)]
