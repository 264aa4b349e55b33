"""Rules of the device registry that every entry point shares (screens, inline checks, the API,
orders). Plain functions over an SQLAlchemy session, no Flask: the session's tenant scoping
(app/tenancy.py) keeps every look-up inside the current tenant."""

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.devices import inspection
from app.identifiers import IdentifierError, normalize_factory_no, normalize_unique_no
from app.models import Device, DeviceKind, DeviceStatus, Location, Party

INSPECTION_INTERVALS = (24, 12)
MODEL_MAX = 100
REGISTRATION_NO_MAX = 14


@dataclass(frozen=True)
class Problem:
    """Why a field cannot be saved, in Polish; `duplicate_of` names the device that already
    holds the number, so a screen can link to it."""

    message: str
    duplicate_of: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class DeviceInput:
    """What a user or a program gives for a device; ids are not yet known to be valid."""

    kind: str = DeviceKind.REGISTER.value
    model: str = ""
    producer_id: int | None = None
    factory_no: str = ""
    unique_no: str = ""
    registration_no: str = ""
    client_id: int | None = None
    location_id: int | None = None
    status: str = DeviceStatus.NEW.value
    fiscalized_on: date | None = None
    liquidated_on: date | None = None
    inspection_interval_months: int = 24
    last_inspection_on: date | None = None


def producer_of(session: Session, producer_id: int | None) -> Party | None:
    """The tenant's producer with this id, or None."""
    producer = session.get(Party, producer_id) if producer_id else None
    return producer if producer is not None and producer.is_producer else None


def _holder(session: Session, column, value: str, exclude_id: int | None) -> int | None:
    stmt = select(Device.id).where(column == value)
    if exclude_id is not None:
        stmt = stmt.where(Device.id != exclude_id)
    return session.scalar(stmt.limit(1))


def check_factory_no(session: Session, raw: str, producer: Party | None,
                     exclude_id: int | None = None) -> tuple[str, Problem | None]:
    """The factory number as stored, and what is wrong with it: empty, too long, matching none
    of the producer's masks, or already another device's in this tenant."""
    try:
        value = normalize_factory_no(raw, producer.factory_masks if producer else None)
    except IdentifierError as exc:
        return (raw or "").strip().upper(), Problem(str(exc))
    holder = _holder(session, Device.factory_no, value, exclude_id)
    if holder is not None:
        return value, taken("factory_no", value, holder)
    return value, None


def check_unique_no(session: Session, raw: str, producer: Party | None,
                    exclude_id: int | None = None) -> tuple[str, Problem | None]:
    """The unique number as stored, and what is wrong with it: its form, a prefix the producer
    does not list, or another device of this tenant holding it."""
    if not (raw or "").strip():
        return "", Problem("Podaj nr unikatowy.")
    try:
        value = normalize_unique_no(raw, producer.unique_prefixes if producer else None)
    except IdentifierError as exc:
        return "".join((raw or "").split()).upper(), Problem(str(exc))
    holder = _holder(session, Device.unique_no, value, exclude_id)
    if holder is not None:
        return value, taken("unique_no", value, holder)
    return value, None


def taken(field: str, value: str, holder: int) -> Problem:
    """Another device of the tenant holds this number (`field`: factory_no or unique_no)."""
    what = "fabrycznym" if field == "factory_no" else "unikatowym"
    return Problem(f"Urządzenie o nr {what} {value} już istnieje.", holder)


def check_device(session: Session, data: DeviceInput, device_id: int | None = None,
                 today: date | None = None) -> tuple[DeviceInput, dict[str, Problem]]:
    """Every rule for saving a device (device_id when it exists already): the normalised input
    and the problems per field (named as in the API). Nothing may be saved while any remain."""
    producer = producer_of(session, data.producer_id)
    client = session.get(Party, data.client_id) if data.client_id else None
    location = session.get(Location, data.location_id) if data.location_id is not None else None
    clean, problems = check_values(data, producer, client, location, today)
    for field, column in (("factory_no", Device.factory_no), ("unique_no", Device.unique_no)):
        if field not in problems:
            holder = _holder(session, column, getattr(clean, field), device_id)
            if holder is not None:
                problems[field] = taken(field, getattr(clean, field), holder)
    return clean, problems


def check_values(data: DeviceInput, producer: Party | None, client: Party | None,
                 location: Location | None, today: date | None = None
                 ) -> tuple[DeviceInput, dict[str, Problem]]:
    """The rules of check_device that need no query: the records the ids name are given (None
    when not found), so a caller holding them already (the file import, thousands of rows)
    checks each row the same way without a query per row. Numbers held by another device are
    the caller's to check (check_device: one query each)."""
    today = today or clock.today()
    problems: dict[str, Problem] = {}

    if data.kind not in {k.value for k in DeviceKind}:
        problems["kind"] = Problem("Wybierz rodzaj urządzenia.")
    model = (data.model or "").strip()
    if len(model) > MODEL_MAX:
        problems["model"] = Problem(f"Model może mieć najwyżej {MODEL_MAX} znaków.")

    if producer is not None and not producer.is_producer:
        producer = None
    if data.producer_id is None:
        problems["producer_id"] = Problem("Wybierz producenta.")
    elif producer is None:
        problems["producer_id"] = Problem("Wybierz producenta z listy.")

    try:
        factory_no = normalize_factory_no(data.factory_no,
                                          producer.factory_masks if producer else None)
    except IdentifierError as exc:
        factory_no = (data.factory_no or "").strip().upper()
        problems["factory_no"] = Problem(str(exc))
    if not (data.unique_no or "").strip():
        unique_no = ""
        problems["unique_no"] = Problem("Podaj nr unikatowy.")
    else:
        try:
            unique_no = normalize_unique_no(data.unique_no,
                                            producer.unique_prefixes if producer else None)
        except IdentifierError as exc:
            unique_no = "".join((data.unique_no or "").split()).upper()
            problems["unique_no"] = Problem(str(exc))

    registration_no = (data.registration_no or "").strip()
    if len(registration_no) > REGISTRATION_NO_MAX:
        problems["registration_no"] = Problem(
            f"Nr ewidencyjny może mieć najwyżej {REGISTRATION_NO_MAX} znaków.")

    if data.client_id is None:
        problems["client_id"] = Problem("Wybierz podatnika.")
    elif client is None or not client.is_client:
        problems["client_id"] = Problem("Wybierz podatnika z listy.")
    if data.location_id is not None:
        if location is None:
            problems["location_id"] = Problem("Wybierz miejsce instalacji z listy.")
        elif client is not None and location.client_id != client.id:
            problems["location_id"] = Problem(
                "To miejsce instalacji należy do innego klienta niż wybrany podatnik.")

    problems.update(_status_problems(data, today))
    if data.inspection_interval_months not in INSPECTION_INTERVALS:
        problems["inspection_interval_months"] = Problem(
            "Przegląd co 24 albo co 12 miesięcy.")

    clean = replace(data, model=model, factory_no=factory_no, unique_no=unique_no,
                    registration_no=registration_no)
    return clean, problems


def _status_problems(data: DeviceInput, today: date) -> dict[str, Problem]:
    problems: dict[str, Problem] = {}
    if data.status not in {s.value for s in DeviceStatus}:
        problems["status"] = Problem("Wybierz status urządzenia.")
    if data.status == DeviceStatus.FISCALIZED.value and data.fiscalized_on is None:
        problems["fiscalized_on"] = Problem("Podaj datę fiskalizacji.")
    if data.status == DeviceStatus.LIQUIDATED.value and data.liquidated_on is None:
        problems["liquidated_on"] = Problem("Podaj datę likwidacji.")
    future = "Data nie może być późniejsza niż dzisiejsza."
    for name in ("fiscalized_on", "liquidated_on", "last_inspection_on"):
        day = getattr(data, name)
        if day is not None and day > today and name not in problems:
            problems[name] = Problem(future)
    if (data.fiscalized_on and data.liquidated_on and data.liquidated_on < data.fiscalized_on
            and "liquidated_on" not in problems):
        problems["liquidated_on"] = Problem(
            "Data likwidacji nie może być wcześniejsza niż data fiskalizacji.")
    return problems


def apply(device: Device, data: DeviceInput) -> None:
    """Write checked input onto the device, with the next inspection date derived from it."""
    device.kind = data.kind
    device.model = data.model
    device.producer_id = data.producer_id
    device.factory_no = data.factory_no
    device.unique_no = data.unique_no
    device.registration_no = data.registration_no
    device.client_id = data.client_id
    device.location_id = data.location_id
    device.status = data.status
    device.fiscalized_on = data.fiscalized_on
    device.liquidated_on = data.liquidated_on
    device.inspection_interval_months = data.inspection_interval_months
    device.last_inspection_on = data.last_inspection_on
    inspection.refresh(device)
