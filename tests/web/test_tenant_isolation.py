"""Every route, walked as a user of another tenant with real ids of the first: 404, never data.
Anonymous: a redirect to sign-in (or 404), never data. New routes are covered automatically;
a route with an id parameter this test does not know fails until it is added to ID_PARAMS."""

import io
import re

import pytest

from app import create_app
from app.config import TestingConfig
from app.imports import uploads
from app.parties import catalogue
from tests import factories
from tests.conftest import empty_tables
from tests.web.test_role_matrix import CATALOGUE_ENTRY

# Links whose only secret is the signed token they carry (not a record of any tenant):
# tests/auth covers them (expired, tampered, used twice).
SKIP_ENDPOINTS = {"static", "auth.confirm_email", "auth.reset_password",
                  # the invitation's link; tests/admin/test_invitations.py
                  "auth.accept_invitation",
                  # the reminder's unsubscribe link and a technician's calendar feed (a secret
                  # URL, revocable); tests/inspections
                  "inspections.unsubscribe", "inspections.calendar_feed"}
PUBLIC_ENDPOINTS = {"auth.login", "platform.login", "auth.signup", "auth.reset_request",
                    "main.favicon", "health.healthz", "health.readyz",
                    "auth.resend_confirmation", "auth.terms", "auth.privacy"}
# The platform's producer catalogue belongs to no tenant: every company reads the same entries
# (adding one makes the company's own copy), so its id is not another tenant's record.
SHARED_ENDPOINTS = {"parties.add_from_catalogue"}
# Parameter names used in URLs, and which of tenant A's ids fills them.
ID_PARAMS = {
    "order_id", "device_id", "client_id", "party_id", "producer_id", "location_id",
    "service_id", "technician_id", "authorisation_id", "item_id", "transmission_id",
    "audit_id", "user_id", "book_id", "job_id", "tenant_id", "session_id",
    "entry_id",  # the platform catalogue's (SHARED_ENDPOINTS)
    "token",  # an upload of tenant A waiting for its import (app/imports/uploads.py)
}
# Parameters that name no record: a format or a kind, the same for every tenant.
PLAIN_PARAMS = {"fmt": "csv", "kind": "clients"}


def _rules():
    app = create_app({k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
                     | {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append(pytest.param(rule.rule, rule.endpoint, method, sorted(rule.arguments),
                                      id=f"{method} {rule.rule}"))
    return rules


RULES = _rules()


def _url(rule: str, ids: dict[str, int]) -> str:
    def fill(match):
        name = match.group(1)
        if name in PLAIN_PARAMS:
            return PLAIN_PARAMS[name]
        assert name in ID_PARAMS, f"unknown URL parameter {name}: add it to ID_PARAMS"
        return str(ids[name])

    return re.sub(r"<(?:\w+:)?(\w+)>", fill, rule)


# The walk only reads (every request with another tenant's id must end in a 404), so the two
# companies are built once for the module's ~400 requests instead of once per request (that
# set-up and the emptying after each test were 190 of the PostgreSQL pass's 880 s).
pytestmark = pytest.mark.tables_per_module


@pytest.fixture(scope="module")
def companies(app):
    with app.app_context():
        tenant_a = factories.make_tenant("Serwis Alfa", "1234563218", "owner@alfa.pl")
        tenant_b = factories.make_tenant("Serwis Beta", "5260250274", "owner@beta.pl")
        factories.populate(tenant_a, "Alfa")
        factories.populate(tenant_b, "Beta")
        tenant_a.ids["job_id"] = factories.make_job(tenant_a)
        tenant_a.ids["tenant_id"] = tenant_a.id
        tenant_a.ids["entry_id"] = catalogue.create_entry(
            CATALOGUE_ENTRY, catalogue.Operator(None, "operator@plomba.pl")).id
        tenant_a.ids["token"] = uploads.save(
            tenant_a.id, "klienci.csv", io.BytesIO(b"NIP;Nazwa\n5260250274;Alfa Klient\n"),
            limit=1_000_000).token
    yield tenant_a, tenant_b
    empty_tables(app)


@pytest.fixture
def walk(companies, client, login):
    tenant_a, tenant_b = companies
    return client, tenant_a, tenant_b, login


@pytest.mark.parametrize(("rule", "endpoint", "method", "args"), RULES)
def test_other_tenant_gets_404_never_data(walk, rule, endpoint, method, args):
    client, a, b, login = walk
    login(b.owner_email)
    url = _url(rule, a.ids)
    # As a page and as an htmx partial: views that branch on HX-Request are walked both ways.
    for headers in ({}, {"HX-Request": "true"}):
        response = client.open(url, method=method, data={}, headers=headers)
        body = response.get_data(as_text=True)
        if any(a in ID_PARAMS for a in args) and endpoint not in SHARED_ENDPOINTS:
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
        else:
            # 404 too: the operator console does not exist for tenant users.
            assert response.status_code in {200, 302, 303, 400, 403, 404, 405, 422}, (
                f"{method} {url}: {response.status_code}")
        assert "Alfa" not in body, f"{method} {url} shows the other tenant's data"
        if endpoint == "auth.logout":
            break


@pytest.mark.parametrize(("rule", "endpoint", "method", "args"), RULES)
def test_anonymous_is_sent_to_sign_in(walk, rule, endpoint, method, args):
    client, a, _b, _login = walk
    url = _url(rule, a.ids)
    response = client.open(url, method=method, data={})
    body = response.get_data(as_text=True)
    if endpoint in PUBLIC_ENDPOINTS:
        # a public form's POST may answer with the page again or send the browser on (303)
        assert response.status_code in ({200, 303} if method == "POST" else {200})
    else:
        assert response.status_code in {302, 404}, f"{method} {url}: {response.status_code}"
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    assert "Alfa" not in body


def test_unknown_url_is_404_in_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Nie znaleziono" in response.get_data(as_text=True)
    assert "app.css" in response.get_data(as_text=True)
