"""Report data for tenant A ("Serwis Alfa"): two producers, devices with and without a site,
orders of every status, flagged and not, items on the range's edges; tenant B has its own."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from app import tenancy
from app.extensions import db
from app.models import Device, Location, Order, OrderItem, Party, Service

FROM, TO = date(2026, 3, 1), date(2026, 3, 31)


@dataclass
class ReportData:
    posnet: int
    elzab: int
    other_tenant_producer: int


def _producer(name: str, nip: str) -> Party:
    return Party(name=name, nip=nip, is_producer=True, is_client=False)


class Builder:
    def __init__(self):
        self.seq = 0
        self.service = Service(name="Przegląd techniczny", price=Decimal("100.00"),
                               special_kind="P", service_book=True)
        db.session.add(self.service)

    def device(self, producer: Party, client: Party, factory_no: str, unique_no: str,
               location: Location | None = None) -> Device:
        device = Device(producer=producer, client=client, factory_no=factory_no,
                        unique_no=unique_no, location=location)
        db.session.add(device)
        return device

    def order(self, device: Device, performed: list[tuple[date, str]], *, status="closed",
              flagged=True) -> Order:
        self.seq += 1
        order = Order(number=f"ZL/2026/{self.seq:06d}", year=2026, seq=self.seq,
                      client=device.client, device=device, status=status, service_book=flagged)
        db.session.add(order)
        db.session.flush()
        for day, name, *book in performed:
            # An item goes into the service book unless told (a trip, a training do not).
            db.session.add(OrderItem(order_id=order.id, service_id=self.service.id, name=name,
                                     performed_on=day, service_book=book[0] if book else True))
        return order


def build_tenant_a(tenant_id: int) -> ReportData:
    with tenancy.use_tenant(tenant_id):
        b = Builder()
        posnet = _producer("Posnet Polska", "5272457354")
        elzab = _producer("Elzab", "6480001995")
        client = Party(name="Żabka Łódź Spółka", nip="7010002139", street="Piotrkowska 1",
                       postal_code="90-001", city="Łódź")
        other = Party(name="Kwiaciarnia Róża", nip="5260250274", street="Polna 5",
                      postal_code="00-950", city="Warszawa")
        db.session.add_all([posnet, elzab, client, other])
        db.session.flush()
        site = Location(client_id=client.id, name="Sklep", street="Świętokrzyska 12",
                        postal_code="00-916", city="Gdańsk")
        db.session.add(site)
        d1 = b.device(posnet, client, "PO0000000002", "ZBF0000000002", site)
        d2 = b.device(posnet, other, "PO0000000001", "ZBF0000000001")
        d3 = b.device(elzab, client, "EL0000000001", "ELZ0000000001")
        d4 = b.device(elzab, other, "EL0000000009", "ELZ0000000009")  # cancelled only
        d5 = b.device(posnet, other, "PO0000000005", "ZBF0000000005")  # outside the range
        db.session.flush()
        b.order(d1, [(FROM, "Przegląd okresowy – wpis"), (TO, "Wymiana plomby"),
                     (TO, "Dojazd do klienta", False)])
        b.order(d2, [(date(2026, 3, 15), "Naprawa głowicy")], status="settled")
        b.order(d3, [(date(2026, 3, 10), "Fiskalizacja")])
        b.order(d3, [(date(2026, 3, 11), "Usługa bez wpisu")], flagged=False)
        b.order(d2, [(date(2026, 3, 12), "Otwarte zlecenie")], status="started")
        b.order(d4, [(date(2026, 3, 13), "Anulowana usługa")], status="cancelled")
        b.order(d5, [(date(2026, 2, 28), "Dzień przed"), (date(2026, 4, 1), "Dzień po")])
        db.session.commit()
        return ReportData(posnet.id, elzab.id, 0)


def build_tenant_b(tenant_id: int) -> int:
    with tenancy.use_tenant(tenant_id):
        b = Builder()
        producer = _producer("Novitus Beta", "5272457354")
        client = Party(name="Klient Beta", nip="7010002139", city="Kraków")
        db.session.add_all([producer, client])
        db.session.flush()
        device = b.device(producer, client, "NOV-BETA-1", "BBB0000000001")
        db.session.flush()
        b.order(device, [(date(2026, 3, 15), "Usługa Beta")])
        db.session.commit()
        return producer.id


@pytest.fixture
def report_data(app, tenant_a, tenant_b) -> ReportData:
    with app.app_context():
        data = build_tenant_a(tenant_a.id)
        data.other_tenant_producer = build_tenant_b(tenant_b.id)
        db.session.remove()
    return data


@pytest.fixture
def in_tenant_a(app, tenant_a):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        yield
        db.session.remove()
