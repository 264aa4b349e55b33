from sqlalchemy import select

from app import tenancy
from app.accounts.passwords import verify_password
from app.extensions import db
from app.models import User
from tests import factories


def _hash(app, tenant):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.scalar(select(User.password_hash))


def test_password_change_ends_other_sessions(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    other = app.test_client()
    other.post("/login", data={"email": tenant_a.owner_email, "password": factories.PASSWORD})
    assert other.get("/").status_code == 200
    response = client.post("/konto", data={"current": factories.PASSWORD,
                                           "new": "nowe-haslo-123", "repeat": "nowe-haslo-123"})
    assert response.status_code == 303
    with app.app_context():
        assert verify_password(_hash(app, tenant_a), "nowe-haslo-123")
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one is over


def test_password_change_bad_input_changes_nothing(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    before = _hash(app, tenant_a)
    for data, message in [
        ({"current": "zle", "new": "nowe-haslo-123", "repeat": "nowe-haslo-123"},
         "Obecne hasło jest nieprawidłowe."),
        ({"current": factories.PASSWORD, "new": "krotkie", "repeat": "krotkie"},
         "Hasło musi mieć od 10 do 200 znaków."),
        ({"current": factories.PASSWORD, "new": "nowe-haslo-123", "repeat": "inne-haslo-123"},
         "Hasła nie są takie same."),
        ({"current": factories.PASSWORD, "new": "1q2w3e4r5t", "repeat": "1q2w3e4r5t"},
         "Hasło jest zbyt łatwe do odgadnięcia"),
        ({"current": factories.PASSWORD, "new": factories.PASSWORD,
          "repeat": factories.PASSWORD}, "Nowe hasło musi być inne niż obecne."),
    ]:
        body = client.post("/konto", data=data).get_data(as_text=True)
        assert message in body, data
    assert _hash(app, tenant_a) == before


def test_log_out_everywhere(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    other = app.test_client()
    other.post("/login", data={"email": tenant_a.owner_email, "password": factories.PASSWORD})
    done = client.post("/konto/wyloguj-wszedzie", follow_redirects=True)
    assert "Wylogowano ze wszystkich innych urządzeń" in done.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_wrong_current_passwords_are_limited(app, client, tenant_a, login, monkeypatch,
                                             redis_client):
    # Issue 11, item 14: a found signed-in browser could guess its user's password here.
    monkeypatch.setitem(app.config, "PASSWORD_CHECK_RATE_LIMIT", "3 per hour")
    login(tenant_a.owner_email)
    before = _hash(app, tenant_a)
    change = {"new": "nowe-haslo-123", "repeat": "nowe-haslo-123"}
    for i in range(3):
        body = client.post("/konto", data={"current": f"zle-{i}", **change}).get_data(
            as_text=True)
        assert "Obecne hasło jest nieprawidłowe." in body
    # Not even the right one is checked now.
    body = client.post("/konto", data={"current": factories.PASSWORD, **change}).get_data(
        as_text=True)
    assert "Zbyt wiele błędnych prób podania obecnego hasła" in body
    assert _hash(app, tenant_a) == before
    # Right passwords do not count: another user of the company is not affected.
    with app.app_context():
        from app.models import Role

        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    other = app.test_client()
    other.post("/login", data={"email": "biuro@alfa.pl", "password": factories.PASSWORD})
    assert other.post("/konto", data={"current": factories.PASSWORD, **change}).status_code \
        == 303
