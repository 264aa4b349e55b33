from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Role, Tenant
from tests import factories


def test_owner_edits_the_company_profile_but_not_the_nip(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    response = client.post("/administracja", data={
        "name": "Serwis Alfa Sp. z o.o.", "street": "Prosta 2", "postal_code": "00-002",
        "city": "Warszawa", "email": "biuro@alfa.pl", "phone": "22 123", "nip": "5260250274"})
    assert response.status_code == 303
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        tenant = db.session.scalar(select(Tenant))
        assert (tenant.name, tenant.city, tenant.nip) == ("Serwis Alfa Sp. z o.o.", "Warszawa",
                                                          "1234563218")
    page = client.get("/administracja").get_data(as_text=True)
    assert "Producenci: parametry API RZS" in page
    bad = client.post("/administracja", data={"name": "", "postal_code": "0000"})
    body = bad.get_data(as_text=True)
    assert "Podaj nazwę firmy." in body and "Kod pocztowy to 5 cyfr w formacie 00-000" in body


def test_audit_log_lists_and_filters(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    client.post(f"/zlecenia/{ids['order_id']}/rozpocznij")
    page = client.get("/administracja/dziennik").get_data(as_text=True)
    assert "order.start" in page and "Audyt Alfa" in page and tenant_a.owner_email in page
    started = client.get("/administracja/dziennik?action=order.start").get_data(as_text=True)
    assert "order.start" in started and "Audyt Alfa" not in started
    assert "Brak zdarzeń" in client.get("/administracja/dziennik?to=2000-01-01").get_data(
        as_text=True)


def test_console_roles(app, client, tenant_a, login):
    with app.app_context():
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
    login("biuro@alfa.pl")
    assert client.get("/administracja").status_code == 403
    assert client.get("/administracja/dziennik").status_code == 200
    client.post("/logout")
    login("tech@alfa.pl")
    assert client.get("/administracja/dziennik").status_code == 403
