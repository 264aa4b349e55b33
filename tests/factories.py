"""Plain functions that build records for tests; each returns ids, never live ORM objects."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from app import accounts, clock, tenancy
from app.extensions import db
from app.models import (
    AuditEntry,
    Authorisation,
    Device,
    Location,
    Order,
    OrderBook,
    OrderCounter,
    OrderItem,
    Party,
    Role,
    Service,
    Technician,
    Transmission,
    User,
    UserSession,
)

PASSWORD = "haslo-testowe-1"


@dataclass
class TenantRef:
    id: int
    name: str
    nip: str
    owner_email: str
    ids: dict[str, int] = field(default_factory=dict)


def make_tenant(name: str, nip: str, owner_email: str) -> TenantRef:
    # Tests build the catalogue they need; tests/auth cover the starter catalogue.
    tenant_id = accounts.create_tenant(name, nip, owner_email, PASSWORD, starter_catalogue=False)
    return TenantRef(tenant_id, name, nip, owner_email)


def make_user(tenant: TenantRef, email: str, role: Role = Role.OFFICE, active: bool = True) -> int:
    user_id = accounts.create_user(tenant.id, email, role.value, PASSWORD)
    if not active:
        with tenancy.use_tenant(tenant.id):
            accounts.set_active(db.session.get(User, user_id), False)
    return user_id


def populate(tenant: TenantRef, marker: str) -> dict[str, int]:
    """One record of every kind for the tenant; `marker` is in every name, so a test can look
    for it in a page that must not show this tenant's data."""
    with tenancy.use_tenant(tenant.id):
        producer = Party(name=f"Producent {marker}", name_key=f"producent {marker}".lower(),
                         nip="5272457354", is_producer=True, is_client=False,
                         unique_prefixes=["ZBF"], factory_masks=["PO#########"],
                         api_url="http://127.0.0.1:5050/posnet", api_login="x")
        client = Party(name=f"Klient {marker}", name_key=f"klient {marker}".lower(),
                       nip="7010002139", city=f"Miasto {marker}")
        db.session.add_all([producer, client])
        db.session.flush()
        location = Location(client_id=client.id, name=f"Sklep {marker}", street="Prosta 1",
                            postal_code="00-001", city="Warszawa")
        service = Service(name=f"Przegląd {marker}", price=Decimal("150.00"), special_kind="P",
                          service_book=True)
        technician = Technician(name=f"Jan {marker}", identifier=f"T-{marker}"[:20],
                                seal_no=f"P-{marker}"[:32])
        db.session.add_all([location, service, technician])
        db.session.flush()
        technician.authorisations.append(
            Authorisation(producer_id=producer.id, expires_on=clock.today() + timedelta(days=365))
        )
        device = Device(producer_id=producer.id, factory_no="PO808131055",
                        unique_no="ZBF1801007587", client_id=client.id, location_id=location.id,
                        model=f"Ergo {marker}")
        db.session.add(device)
        db.session.flush()
        year = clock.today().year  # numbering uses the clock's year, so must the seed
        db.session.add(OrderCounter(year=year, last_seq=1))
        order = Order(number=f"ZL/{year}/000001", year=year, seq=1,
                      client_id=client.id, location_id=location.id, device_id=device.id,
                      technician_id=technician.id, seal_no=technician.seal_no,
                      description=f"Zlecenie {marker}", service_book=True)
        db.session.add(order)
        db.session.flush()
        item = OrderItem(order_id=order.id, service_id=service.id, name=service.name,
                         special_kind="P", service_book=True, price=service.price,
                         performed_on=clock.today())
        book = OrderBook(order_id=order.id, fault=f"Usterka {marker}")
        db.session.add_all([item, book])
        db.session.flush()
        transmission = Transmission(order_id=order.id, producer_id=producer.id,
                                    event_id=f"T{tenant.id}-O{order.id}-P{item.id}", kind="PU")
        audit = AuditEntry(action="order.created", object_type="order", object_id=order.id,
                           detail=f"Audyt {marker}", at=clock.now())
        db.session.add_all([transmission, audit])
        db.session.commit()
        ids = {
            "producer_id": producer.id, "client_id": client.id, "party_id": client.id,
            "location_id": location.id, "service_id": service.id,
            "technician_id": technician.id, "authorisation_id": technician.authorisations[0].id,
            "device_id": device.id, "order_id": order.id, "item_id": item.id,
            "book_id": book.id, "transmission_id": transmission.id, "audit_id": audit.id,
        }
        ids["user_id"] = db.session.scalar(
            db.select(User.id).where(User.email == tenant.owner_email)
        )
        # A signed-in browser of the owner, named after the marker like everything else.
        browser = UserSession(user_id=ids["user_id"],
                              key_hash=f"{marker}-{tenant.id}".ljust(64, "0"), ip="192.0.2.1",
                              user_agent=f"Mozilla/5.0 ({marker}) Firefox/140.0")
        db.session.add(browser)
        db.session.commit()
        ids["session_id"] = browser.id
    tenant.ids = ids
    return ids


def make_job(tenant: TenantRef, kind: str = "rzs_batch", **params) -> int:
    """A queued background job of the tenant (its row; never run: nothing is enqueued)."""
    from app import jobs
    from app.models import JobKind

    params = params or {"producer_id": 0, "from": "2026-01-01", "to": "2026-01-31"}
    with tenancy.use_tenant(tenant.id):
        job = jobs.new(JobKind(kind), None, **params)
        db.session.commit()
        return job.id


def link_technician(tenant: TenantRef, technician_id: int, user_id: int) -> None:
    """The technician record belongs to the user account (a technician's own orders)."""
    with tenancy.use_tenant(tenant.id):
        db.session.get(Technician, technician_id).user_id = user_id
        db.session.commit()
