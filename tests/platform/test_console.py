"""The operator console: tenants and their counts, suspend and resume; nothing for others."""

from sqlalchemy import select

from app import tenancy
from app.accounts.passwords import hash_password
from app.extensions import db
from app.models import Operator, Tenant
from tests import factories

OP_EMAIL, OP_PASSWORD = "operator@plomba.pl", "haslo-operatora-1"


def _operator(app):
    with app.app_context():
        db.session.add(Operator(email=OP_EMAIL, password_hash=hash_password(OP_PASSWORD)))
        db.session.commit()


def test_operator_sees_tenants_with_counts_and_suspends_one(app, client, tenant_a, tenant_b):
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
    _operator(app)
    bad = client.post("/platform/logowanie", data={"email": OP_EMAIL, "password": "zle"})
    assert "Nieprawidłowy e-mail lub hasło." in bad.get_data(as_text=True)
    assert client.post("/platform/logowanie", data={"email": OP_EMAIL,
                                                    "password": OP_PASSWORD}).status_code == 303
    page = client.get("/platform").get_data(as_text=True)
    assert "Serwis Alfa" in page and "Serwis Beta" in page
    assert "pending: 1" in page  # the transmissions of tenant A by status
    assert client.get("/").status_code == 404  # an operator has no tenant screens
    client.post(f"/platform/firmy/{tenant_a.id}/zawies")
    with app.app_context(), tenancy.all_tenants():
        assert db.session.get(Tenant, tenant_a.id).suspended_at is not None
    other = app.test_client()
    refused = other.post("/login", data={"email": tenant_a.owner_email,
                                         "password": factories.PASSWORD})
    assert "zawieszone" in refused.get_data(as_text=True)
    client.post(f"/platform/firmy/{tenant_a.id}/zawies", data={"resume": "1"})
    assert other.post("/login", data={"email": tenant_a.owner_email,
                                      "password": factories.PASSWORD}).status_code == 303
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        from app.models import AuditEntry

        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert "tenant.suspended" in actions and "tenant.resumed" in actions


def test_tenant_users_and_anonymous_do_not_find_the_console(app, client, tenant_a, login):
    assert client.get("/platform").status_code == 404
    login(tenant_a.owner_email)
    assert client.get("/platform").status_code == 404
    assert client.post(f"/platform/firmy/{tenant_a.id}/zawies").status_code == 404
    # A tenant user's password does not open the operator console.
    tried = client.post("/platform/logowanie", data={
        "email": tenant_a.owner_email, "password": factories.PASSWORD})
    assert "Nieprawidłowy e-mail lub hasło." in tried.get_data(as_text=True)


def _operator_cookie(client) -> str:
    return client.get_cookie("session").value


def test_an_operators_cookie_copied_before_logout_is_refused_after(app, client):
    _operator(app)
    assert client.post("/platform/logowanie", data={"email": OP_EMAIL,
                                                    "password": OP_PASSWORD}).status_code == 303
    copied = app.test_client()
    copied.set_cookie("session", _operator_cookie(client))
    assert copied.get("/platform").status_code == 200  # the copy works while signed in
    assert client.post("/logout").status_code == 303
    assert copied.get("/platform").status_code == 404
    with app.app_context():
        from app.models import OperatorSession

        [row] = db.session.scalars(select(OperatorSession)).all()
        assert row.ended_at is not None


def test_an_idle_operator_session_expires(app, client):
    from datetime import timedelta

    from sqlalchemy import update

    from app import clock
    from app.models import OperatorSession

    _operator(app)
    client.post("/platform/logowanie", data={"email": OP_EMAIL, "password": OP_PASSWORD})
    assert client.get("/platform").status_code == 200
    with app.app_context():
        db.session.execute(update(OperatorSession).values(
            last_seen_at=clock.now() - app.config["SESSION_IDLE_LIMIT"] - timedelta(minutes=1)))
        db.session.commit()
    assert client.get("/platform").status_code == 404
