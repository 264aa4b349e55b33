"""The catalogue of services ("Kartoteki -> Usługi"): create, update, delete. Plain values in,
records out; the screens, the CLI, jobs and the API call these."""

from dataclasses import dataclass
from decimal import Decimal

from app.models import Service
from app.records import delete, save


@dataclass
class ServiceData:
    name: str
    price: Decimal = Decimal("0")
    vat_rate: str = "23"
    special_kind: str | None = None
    service_book: bool = False
    active: bool = True


def create_service(data: ServiceData) -> Service:
    return _save(Service(), data, "service.created")


def update_service(service: Service, data: ServiceData) -> Service:
    return _save(service, data, "service.updated")


def delete_service(service: Service, role: str) -> None:
    """Refused while order items use it: marking it inactive keeps it out of new orders."""
    delete(service, "usługa", "service.deleted", service.name, role,
           hint="Możesz oznaczyć ją jako nieaktywną.")


def _save(service: Service, data: ServiceData, action: str) -> Service:
    service.name = data.name
    service.price = data.price or 0
    service.vat_rate = data.vat_rate
    service.special_kind = data.special_kind or None
    service.service_book = data.service_book
    service.active = data.active
    return save(service, action, lambda: service.name)


@dataclass(frozen=True)
class StarterService:
    """One entry of the catalogue every new company starts with (sign-up, the CLI, the demo):
    the four special services with their book flag (they become the registry's P, F, L and W
    events) and the work most service companies bill. Each is an ordinary catalogue entry
    afterwards: the company renames, reprices or switches it off."""

    key: str
    name: str
    price: Decimal
    special_kind: str | None
    service_book: bool
    vat_rate: str = "23"


STARTER_SERVICES: tuple[StarterService, ...] = (
    StarterService("P", "Przegląd ustawowy kasy/drukarki fiskalnej", Decimal("150.00"), "P",
                   True),
    StarterService("F", "Fiskalizacja", Decimal("250.00"), "F", True),
    StarterService("L", "Likwidacja kasy/drukarki fiskalnej", Decimal("200.00"), "L", True),
    StarterService("W", "Wymiana pamięci fiskalnej", Decimal("450.00"), "W", True),
    StarterService("repair", "Naprawa kasy", Decimal("120.00"), None, True),
    StarterService("battery", "Wymiana akumulatora", Decimal("95.00"), None, False),
    StarterService("header", "Programowanie nagłówka", Decimal("60.00"), None, False),
    StarterService("travel", "Dojazd do klienta", Decimal("50.00"), None, False),
)


def starter_services() -> list[Service]:
    """The starter catalogue as new rows, for the caller's transaction (the tenant's creation
    adds them with the company, so a company never exists without them)."""
    return [Service(name=s.name, price=s.price, vat_rate=s.vat_rate,
                    special_kind=s.special_kind, service_book=s.service_book)
            for s in STARTER_SERVICES]
