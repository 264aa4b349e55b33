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
