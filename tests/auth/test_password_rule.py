"""One password rule from every entry point that sets a password: the web forms (sign-up,
reset, invitation, the account page) and the CLI (tenant, user, operator). A weak password is
refused with the rule's Polish reason and nothing is saved; a strong one is taken. Also: a
hash of an older cost is renewed at sign-in."""

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app import tenancy
from app.accounts.passwords import verify_password
from app.auth import tokens
from app.extensions import db
from app.models import Operator, Tenant, User
from tests import factories

STRONG = "zielony-rower-nad-wisla"
WEAK = [("haslo1234", "Hasło musi mieć od 10 do 200 znaków."),
        ("12345678", "Hasło musi mieć od 10 do 200 znaków."),
        ("haslo12345", "Hasło jest zbyt łatwe do odgadnięcia")]


def _state(app):
    """Everything a password could have been written into."""
    with app.app_context(), tenancy.all_tenants():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        hashes = sorted([*db.session.scalars(select(User.password_hash)),
                         *db.session.scalars(select(Operator.password_hash))])
        return count(Tenant), count(User), count(Operator), hashes


def _reset_link(app, email):
    with app.app_context(), tenancy.all_tenants():
        user = db.session.scalar(select(User).where(User.email == email))
        return f"/haslo/nowe/{tokens.make('reset', user.id, user.password_hash)}"


def _signup(app, client, tenant, login):
    def attempt(password):
        return client.post("/rejestracja", data={
            "name": "Serwis Gamma", "nip": "5260250274", "email": "szef@gamma.pl",
            "password": password, "repeat": password, "accept_terms": "y"}).get_data(as_text=True)
    return attempt


def _reset(app, client, tenant, login):
    link = _reset_link(app, tenant.owner_email)
    return lambda password: client.post(link, data={"password": password, "repeat": password},
                                        follow_redirects=True).get_data(as_text=True)


def _invitation(app, client, tenant, login):
    login(tenant.owner_email)
    client.post("/administracja/uzytkownicy", data={"email": "nowy@alfa.pl", "role": "office"})
    link = _reset_link(app, "nowy@alfa.pl")
    invitee = app.test_client()
    return lambda password: invitee.post(link, data={"password": password,
                                                     "repeat": password},
                                         follow_redirects=True).get_data(as_text=True)


def _account_page(app, client, tenant, login):
    login(tenant.owner_email)
    return lambda password: client.post("/konto", data={
        "current": factories.PASSWORD, "new": password, "repeat": password},
        follow_redirects=True).get_data(as_text=True)


def _cli(*args):
    def setup(app, client, tenant, login):
        runner = app.test_cli_runner()

        def attempt(password):
            command = [a.format(tenant=tenant.id, password=password) for a in args]
            return runner.invoke(args=command).output
        return attempt
    return setup


ENTRY_POINTS = {
    "sign-up": _signup,
    "password reset": _reset,
    "invitation": _invitation,
    "account page": _account_page,
    "cli create-tenant": _cli("create-tenant", "--name", "Serwis Gamma", "--nip", "5260250274",
                              "--owner-email", "szef@gamma.pl", "--owner-password",
                              "{password}"),
    "cli create-user": _cli("create-user", "--tenant", "{tenant}", "--email", "nowy@alfa.pl",
                            "--role", "office", "--password", "{password}"),
    "cli create-operator": _cli("create-operator", "--email", "operator@plomba.pl",
                                "--password", "{password}"),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_one_password_rule_everywhere(app, client, tenant_a, login, redis_client, entry):
    attempt = ENTRY_POINTS[entry](app, client, tenant_a, login)
    before = _state(app)
    for weak, reason in WEAK:
        assert reason in attempt(weak), (entry, weak)
        assert _state(app) == before, (entry, weak)
    attempt(STRONG)
    after = _state(app)
    assert after != before, entry
    with app.app_context():
        assert sum(verify_password(h, STRONG) for h in after[3]) == 1, entry


def _owner_hash(app, tenant):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.scalar(select(User.password_hash)
                                 .where(User.email == tenant.owner_email))


# A hash of another method and cost than the configured one, as left by an older setting.
OLD_METHOD = "pbkdf2:sha256:1000"


def test_sign_in_renews_a_hash_of_another_cost(app, client, tenant_a):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        owner = db.session.scalar(select(User).where(User.email == tenant_a.owner_email))
        owner.password_hash = generate_password_hash(factories.PASSWORD, method=OLD_METHOD)
        db.session.commit()
    signed_in = client.post("/login", data={"email": tenant_a.owner_email,
                                            "password": factories.PASSWORD})
    assert signed_in.status_code == 303
    renewed = _owner_hash(app, tenant_a)
    assert renewed.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    with app.app_context():
        assert verify_password(renewed, factories.PASSWORD)
    client.post("/logout")
    client.post("/login", data={"email": tenant_a.owner_email, "password": factories.PASSWORD})
    assert _owner_hash(app, tenant_a) == renewed  # the configured cost: left as it is


def test_operator_sign_in_renews_a_hash_of_another_cost(app, client):
    with app.app_context():
        db.session.add(Operator(email="op@plomba.pl",
                                password_hash=generate_password_hash(STRONG, method=OLD_METHOD)))
        db.session.commit()
    signed_in = client.post("/platform/logowanie", data={"email": "op@plomba.pl",
                                                         "password": STRONG})
    assert signed_in.status_code == 303
    with app.app_context():
        stored = db.session.scalar(select(Operator.password_hash))
        assert stored.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
        assert verify_password(stored, STRONG)
