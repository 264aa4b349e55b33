"""Where to correct an event that was held or refused: the device, the taxpayer, the site,
the technician's seal, the order, or the producer's API parameters.

A resend of unchanged data is refused again, so "Popraw dane i wyślij ponownie" first leads to
the record to correct, to the very field (the form's field id as the anchor). Derived from what
the row keeps: the held paths (pre-flight), the registry's 422 path, its rejection token, or the
refusal of the whole request (login, producer NIP, URL, key).
"""

from dataclasses import dataclass, field

from app.models import Order, Transmission, TransmissionStatus
from app.rzs import responses

SEAL_TOKEN = "seal"


@dataclass(frozen=True)
class Fix:
    label: str  # the link's text (Polish)
    endpoint: str  # a view's endpoint name; the page builds the URL
    values: dict = field(default_factory=dict)
    anchor: str = ""
    # True when the data must change before a resend can succeed; False when the cause may lie
    # with the producer (another service holds the device, a seal not reported yet).
    needs_change: bool = True


def _device(order: Order, anchor: str) -> Fix:
    return Fix("Popraw dane urządzenia", "devices.edit_device",
               {"device_id": order.device_id}, anchor)


def for_path(order: Order, path: str) -> Fix | None:
    """The record and field behind an event field (`taxpayer.nip`, `technician.seal_no` ...)."""
    head, _dot, tail = path.partition(".")
    device = order.device
    if head in ("factory_no", "unique_no"):
        return _device(order, head)
    if head == "taxpayer":
        return Fix("Popraw dane podatnika", "parties.edit_client",
                   {"client_id": device.client_id}, tail or "name")
    if head == "location":
        location_id = device.location_id or order.location_id
        if location_id is None:
            return _device(order, "location_id")
        return Fix("Popraw miejsce instalacji", "parties.edit_location",
                   {"location_id": location_id}, tail or "street")
    if head == "technician":
        if order.technician_id is None:
            return Fix("Wybierz serwisanta zlecenia", "orders.order", {"order_id": order.id},
                       "technician_id")
        return Fix("Popraw nr plomby serwisanta", "technicians.edit",
                   {"technician_id": order.technician_id}, "seal_no")
    if head == "performed_on":
        return Fix("Popraw datę wykonania w pozycjach zlecenia", "orders.items",
                   {"order_id": order.id})
    if head in ("started_at", "finished_at"):
        return Fix("Popraw daty zlecenia", "orders.order", {"order_id": order.id}, head)
    if head == "book":
        return Fix("Uzupełnij książkę serwisową zlecenia", "orders.book", {"order_id": order.id})
    return None


def _producer(order: Order, label: str, endpoint: str, anchor: str) -> Fix:
    return Fix(label, endpoint, {"producer_id": order.device.producer_id}, anchor)


def for_row(row: Transmission) -> Fix | None:
    """What to correct before this held or refused event is sent again; None otherwise."""
    order = row.order
    if row.status == TransmissionStatus.HELD:
        paths = (row.last_error or "").split()
        return for_path(order, paths[0]) if paths else None
    if row.status != TransmissionStatus.REJECTED:
        return None
    token = (row.reply_tokens or "").strip()
    if token == "Błąd: Nieznany prefix":
        return _device(order, "unique_no")
    if token == "Błąd: Niezgodny nr unikatowy z nr fabrycznym":
        return _device(order, "factory_no")
    if token == "Błąd: Brak uprawnień do KASY (INNY SERWIS)":
        return Fix("Sprawdź numery urządzenia (albo wyjaśnij z producentem)",
                   "devices.edit_device", {"device_id": order.device_id}, "unique_no",
                   needs_change=False)
    if responses.SEAL_RE.match(token):
        fix = for_path(order, "technician.seal_no")
        return Fix(fix.label, fix.endpoint, fix.values, fix.anchor, needs_change=False)
    first = (row.reply_text or row.meaning or "").split("\n", 1)[0].strip()
    path = responses.invalid_field(first)
    if path:
        return for_path(order, path)
    if first.startswith("Błąd: Nieprawidłowe parametry logowania"):
        return _producer(order, "Popraw parametry API producenta", "parties.factory_check",
                         "api_login")
    if first.startswith("Błąd: Niezgodny NIP producenta"):
        return _producer(order, "Popraw NIP producenta", "parties.edit_producer", "nip")
    if "Adres API" in first or "adres API" in first or "Błąd TLS" in first:
        return _producer(order, "Popraw adres API producenta", "parties.factory_check",
                         "api_url")
    if "klucz" in first.lower() or "PLOMBA_SECRETS_KEY" in first:
        return _producer(order, "Wpisz ponownie klucz API producenta", "parties.factory_check",
                         "api_key")
    return None
