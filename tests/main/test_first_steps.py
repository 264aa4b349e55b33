"""First steps on a new company's dashboard (issue 14, item 4): each step links to its screen,
ticks itself off by what the company made, and the list goes once all are done; one query."""

import re

from sqlalchemy import event, select

from app import tenancy
from app.extensions import db
from app.main.dashboard import first_steps
from app.models import Party, Role, Tenant, Transmission, TransmissionStatus
from tests import factories


def _steps(page: str) -> dict[str, bool]:
    """data-step -> done, as the dashboard shows them."""
    if 'id="first-steps"' not in page:
        return {}
    section = page.split('id="first-steps"', 1)[1].split("</section>", 1)[0]
    return {key: state == "step-done"
            for state, key in re.findall(r'<li class="(step-\w+)" data-step="(\w+)"', section)}


def test_steps_tick_themselves_off_and_the_list_goes(app, client, tenant_a, tenant_b, login):
    with app.app_context():
        factories.populate(tenant_b, "Beta")  # another company's data ticks nothing here
    login(tenant_a.owner_email)
    page = client.get("/").get_data(as_text=True)
    assert _steps(page) == dict.fromkeys(
        ("company", "producer", "technician", "client", "device", "order"), False)
    for href in ("/administracja", "/producenci", "/serwisanci/nowy", "/klienci/nowy",
                 "/urzadzenia/nowe", "/zlecenia/nowe"):
        assert f'href="{href}"' in page, href
    with app.app_context():
        factories.populate(tenant_a, "Alfa")  # a client, device, technician, order
    steps = _steps(client.get("/").get_data(as_text=True))
    assert [k for k, done in steps.items() if done] == ["technician", "client", "device",
                                                         "order"]
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        tenant = db.session.get(Tenant, tenant_a.id)
        tenant.street, tenant.postal_code, tenant.city = "Polna 1", "00-001", "Warszawa"
        tenant.phone = "22 100 20 30"
        producer = db.session.scalar(select(Party).where(Party.is_producer.is_(True)))
        producer.last_test_ok = False  # a failed "Test połączenia" does not count
        db.session.commit()
    steps = _steps(client.get("/").get_data(as_text=True))
    assert [k for k, done in steps.items() if not done] == ["producer"]
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.scalar(select(Party).where(Party.is_producer.is_(True))).last_test_ok = True
        db.session.commit()
    assert 'id="first-steps"' not in client.get("/").get_data(as_text=True)
    # An event the registry accepted proves the connection as well as a test does.
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.scalar(select(Party).where(Party.is_producer.is_(True))).last_test_ok = None
        db.session.commit()
    assert not _steps(client.get("/").get_data(as_text=True))["producer"]
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.scalar(select(Transmission)).status = TransmissionStatus.DELIVERED.value
        db.session.commit()
    assert 'id="first-steps"' not in client.get("/").get_data(as_text=True)


def test_first_steps_are_one_query(app, tenant_a):
    statements = []
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            steps = first_steps()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert len(steps) == 6 and not any(s.done for s in steps)
    # (PostgreSQL: the transaction's row-level-security settings come first, once)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")
               and "set_config('plomba." not in s]
    assert len(selects) == 1, statements


def test_technicians_do_not_get_the_setup_list(app, client, tenant_a, login):
    with app.app_context():
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    login("tech@alfa.pl")
    assert 'id="first-steps"' not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login("biuro@alfa.pl")
    page = client.get("/").get_data(as_text=True)
    # The office sees the list; the company's data is the owner's screen.
    assert 'id="first-steps"' in page and "poproś właściciela konta" in page
    assert 'href="/administracja"' not in page.split('id="first-steps"', 1)[1].split(
        "</section>", 1)[0]
