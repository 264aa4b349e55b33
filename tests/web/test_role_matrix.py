"""Every route x every role: each view starts with the one access check (roles_required), and
a role it does not name gets 403, a role it names never does."""

import io
import re

import pytest

from app import create_app
from app.config import TestingConfig
from app.imports import uploads
from app.models import Role
from app.parties import catalogue
from tests import factories

PLAIN_PARAMS = {"fmt": "csv", "kind": "clients"}  # name no record

CATALOGUE_ENTRY = catalogue.CatalogueEntry(
    name="Novitus S.A.", nip="7341590839", street="ul. Nawojowska 118", postal_code="33-300",
    city="Nowy Sącz", factory_masks=["@@@########"], unique_prefixes=["BCD"],
    api_url="https://rzs.novitus.pl/api", online=True)

PUBLIC = {"static", "main.favicon", "auth.login", "auth.logout", "platform.login",
          "auth.signup", "auth.reset_request", "auth.confirm_email", "auth.reset_password",
          "health.healthz", "health.readyz",  # the load balancer's probes read no data
          "auth.resend_confirmation", "auth.accept_invitation", "auth.terms", "auth.privacy",
          # a reminder's unsubscribe link and a technician's calendar feed: the secret token
          # in the URL is the access (tests/inspections)
          "inspections.unsubscribe", "inspections.calendar_feed"}


def _app():
    return create_app({k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
                      | {"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def _get_rules():
    app = _app()
    return [(r.rule, r.endpoint) for r in app.url_map.iter_rules()
            if "GET" in r.methods and r.endpoint not in PUBLIC]


def test_every_view_starts_with_the_access_check():
    app = _app()
    missing = [endpoint for endpoint, view in app.view_functions.items()
               if endpoint not in PUBLIC and not hasattr(view, "allowed_roles")]
    assert missing == []


@pytest.fixture
def users(app, tenant_a):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        ids["job_id"] = factories.make_job(tenant_a)
        ids["tenant_id"] = tenant_a.id
        # One entry of the platform's producer catalogue (no tenant) for its routes.
        ids["token"] = uploads.save(
            tenant_a.id, "klienci.csv", io.BytesIO(b"NIP;Nazwa\n5260250274;Alfa Klient\n"),
            limit=1_000_000).token
        ids["entry_id"] = catalogue.create_entry(CATALOGUE_ENTRY, catalogue.Operator(
            None, "operator@plomba.pl")).id
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
    return ids, {"owner": tenant_a.owner_email, "office": "biuro@alfa.pl",
                 "technician": "tech@alfa.pl"}


@pytest.mark.parametrize("role", ["owner", "office", "technician"])
def test_route_role_matrix(app, client, users, login, role):
    ids, emails = users
    login(emails[role])
    problems = []
    for rule, endpoint in _get_rules():
        url = re.sub(r"<(?:\w+:)?(\w+)>",
                     lambda m: str({**PLAIN_PARAMS, **ids}[m.group(1)]), rule)
        allowed = app.view_functions[endpoint].allowed_roles
        response = client.get(url)
        status = response.status_code
        if "unsafe-inline" in response.headers.get("Content-Security-Policy", "unsafe-inline"):
            problems.append(f"{url}: no strict Content-Security-Policy")
        if role in allowed and status in (403, 500):
            problems.append(f"{url}: {status} for {role}, who may")
        # The operator console does not exist for tenant users: 404, not 403.
        refused = 404 if "operator" in allowed else 403
        if role not in allowed and status != refused:
            problems.append(f"{url}: {status} for {role}, who may not")
    assert problems == []
