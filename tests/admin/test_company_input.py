"""Administracja -> Firma through accounts.update_company (issue 15): the postal code typed any
way is stored as 00-000, a wrong one or an over-long name is refused at its field, nothing
saved. The audit log's day filter reads days by app/days.py."""

import re

from sqlalchemy import select

from app import accounts, tenancy
from app.extensions import db
from app.models import Tenant
from tests.factories import PASSWORD

COMPANY = {"name": "Serwis Alfa", "street": "Prosta 2", "postal_code": "99 100",
           "city": "Łęczyca", "email": "", "phone": ""}


def _tenant(app, tenant_a) -> tuple[str, str]:
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        tenant = db.session.scalar(select(Tenant))
        return tenant.name, tenant.postal_code


def test_the_company_postal_code_is_stored_as_00_000(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    assert client.post("/administracja", data=COMPANY).status_code == 303
    assert _tenant(app, tenant_a) == ("Serwis Alfa", "99-100")


def test_bad_company_data_is_refused_at_the_field(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    before = _tenant(app, tenant_a)
    for change, field, message in (
            ({"postal_code": "99-10"}, "postal_code", "Kod pocztowy to 5 cyfr"),
            ({"name": "S" * 500}, "name", "Najwyżej 200 znaków, wpisano 500.")):
        response = client.post("/administracja", data={**COMPANY, **change})
        error = re.search(rf'<div class="error" id="{field}-error">(.*?)</div>',
                          response.get_data(as_text=True), re.S)
        assert response.status_code == 200 and error and message in error.group(1)
        assert _tenant(app, tenant_a) == before


def test_the_service_refuses_what_the_form_would(app, tenant_a):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        tenant = db.session.scalar(select(Tenant))
        try:
            accounts.update_company(tenant, name="X", postal_code="ABCDE")
        except accounts.AccountError as refusal:
            assert set(refusal.problems) == {"postal_code"}
        else:
            raise AssertionError("a postal code of letters was accepted")


def test_the_audit_log_reads_polish_days_and_ignores_impossible_ones(client, tenant_a, login):
    login(tenant_a.owner_email)
    client.post("/administracja", data=COMPANY)
    assert "Brak zdarzeń" in client.get("/administracja/dziennik?to=01.01.2000").get_data(
        as_text=True)
    # 31.02 is no day: the filter stays open rather than failing.
    page = client.get("/administracja/dziennik?to=31.02.2000")
    assert page.status_code == 200 and "Brak zdarzeń" not in page.get_data(as_text=True)


def test_sign_up_stores_the_postal_code_as_00_000(app):
    with app.app_context():
        try:
            accounts.create_tenant("Serwis Gamma", "7010002139", "gamma@example.pl", PASSWORD,
                                   postal_code="99100 Łęczyca")
        except accounts.AccountError as refusal:
            assert set(refusal.problems) == {"postal_code"}
        else:
            raise AssertionError("a postal code with a town in it was accepted")
        tenant_id = accounts.create_tenant("Serwis Gamma", "7010002139", "gamma@example.pl",
                                           PASSWORD, postal_code="99 100")
        with tenancy.use_tenant(tenant_id):
            assert db.session.get(Tenant, tenant_id).postal_code == "99-100"
