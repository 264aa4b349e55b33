"""Devices due at known distances from today, in tenant A (and one in tenant B)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import Device, DeviceStatus, Location, Party, Tenant
from tests import factories
from tests.mail.conftest import mail_server, resolver  # noqa: F401 - the SMTP sink fixtures


def add_device(tenant_id: int, producer_id: int, client_id: int, n: int, due_in: int | None,
               location_id: int | None = None, status: str = "fiscalized") -> int:
    with tenancy.use_tenant(tenant_id):
        today = clock.today()
        device = Device(producer_id=producer_id, client_id=client_id, location_id=location_id,
                        factory_no=f"PO{n:09d}", unique_no=f"ZBF{n:010d}", model="Ergo",
                        status=status, fiscalized_on=today - timedelta(days=700),
                        next_inspection_due=None if due_in is None
                        else today + timedelta(days=due_in))
        db.session.add(device)
        db.session.commit()
        return device.id


def add_client(tenant_id: int, name: str, email: str = "", consent: bool = True,
               city: str = "Kraków") -> tuple[int, int]:
    with tenancy.use_tenant(tenant_id):
        client = Party(name=name, email=email, reminder_consent=consent, city=city)
        db.session.add(client)
        db.session.flush()
        location = Location(client_id=client.id, name=f"Sklep {name}", street="Długa 2",
                            postal_code="30-001", city=city)
        db.session.add(location)
        db.session.commit()
        return client.id, location.id


@pytest.fixture
def due(app, tenant_a, tenant_b):
    """Tenant A: devices overdue, due in 3, 20, 40 and 75 days, a liquidated overdue one and
    one without a due date; tenant B one overdue device (never shown to A)."""
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        b = factories.populate(tenant_b, "Beta")
        p = ids["producer_id"]
        anna, anna_site = add_client(tenant_a.id, "Anna Kowalska", "anna@klient.pl")
        bolek, bolek_site = add_client(tenant_a.id, "Bolek Sp. z o.o.", "bolek@klient.pl",
                                       city="Gdańsk")
        cezary, cezary_site = add_client(tenant_a.id, "Cezary bez zgody", "cez@klient.pl",
                                         consent=False)
        dorota, dorota_site = add_client(tenant_a.id, "Dorota bez adresu", "")
        devices = {
            "overdue": add_device(tenant_a.id, p, anna, 1, -5, anna_site),
            "overdue2": add_device(tenant_a.id, p, anna, 2, -40, anna_site),
            "in3": add_device(tenant_a.id, p, bolek, 3, 3, bolek_site),
            "in20": add_device(tenant_a.id, p, anna, 4, 20, anna_site),
            "in40": add_device(tenant_a.id, p, bolek, 5, 40, bolek_site),
            "in75": add_device(tenant_a.id, p, anna, 6, 75, anna_site),
            "no_consent": add_device(tenant_a.id, p, cezary, 7, 10, cezary_site),
            "no_email": add_device(tenant_a.id, p, dorota, 8, 10, dorota_site),
            "liquidated": add_device(tenant_a.id, p, anna, 9, -3, anna_site,
                                     status=DeviceStatus.LIQUIDATED.value),
            "undated": add_device(tenant_a.id, p, anna, 10, None, anna_site),
        }
        devices["beta"] = add_device(tenant_b.id, b["producer_id"], b["client_id"], 11, -5,
                                     b["location_id"])
        return dict(ids=ids, beta=b, devices=devices, clients=dict(
            anna=anna, bolek=bolek, cezary=cezary, dorota=dorota))


def configure_reminders(tenant_id: int, server, first: int | None = 30,
                        second: int | None = 7) -> None:
    with tenancy.use_tenant(tenant_id):
        tenant = db.session.scalar(select(Tenant))
        tenant.smtp_host, tenant.smtp_port, tenant.smtp_security = server.host, server.port, "none"
        tenant.smtp_sender, tenant.phone = "serwis@alfa.pl", "12 345 67 89"
        tenant.reminder_days_first, tenant.reminder_days_second = first, second
        tenant.reminder_subject = "Przegląd {nr_unikatowy} do {termin}"
        tenant.reminder_body = "Urządzenie {urzadzenie} w {miejsce}. Tel. {telefon_firmy}"
        db.session.commit()
