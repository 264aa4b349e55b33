import re

import pytest
from sqlalchemy import select

from app import clock, tenancy
from app.auth.routes import BAD_CREDENTIALS
from app.config import Config, DevelopmentConfig
from app.extensions import db
from app.models import Role, Tenant, User
from tests import factories


def _post_login(client, email, password, **extra):
    return client.post("/login", data={"email": email, "password": password}, **extra)


def test_login_then_dashboard_then_logout(client, tenant_a, login):
    login(tenant_a.owner_email)
    page = client.get("/")
    assert page.status_code == 200
    assert "Serwis Alfa" in page.get_data(as_text=True)
    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_logout_is_post_only(client, tenant_a, login):
    login(tenant_a.owner_email)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_wrong_password_and_unknown_email_say_the_same(client, tenant_a):
    wrong = _post_login(client, tenant_a.owner_email, "zle-haslo-123")
    unknown = _post_login(client, "nikt@example.com", factories.PASSWORD)
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        errors = re.findall(r'class="error"[^>]*>(.*?)</div>', response.get_data(as_text=True),
                            re.S)
        assert BAD_CREDENTIALS in "".join(errors)
    # The pages differ only in the e-mail typed back into the field (and the CSRF token,
    # which carries the second it was made in).
    def strip(response):
        body = re.sub(r'value="[^"]*@[^"]*"', "", response.get_data(as_text=True))
        return re.sub(r'"X-CSRFToken": "[^"]*"', "", body)
    assert strip(wrong) == strip(unknown)
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(client, tenant_a):
    response = _post_login(client, tenant_a.owner_email.upper(), factories.PASSWORD)
    assert response.status_code == 303


def test_inactive_user_cannot_sign_in(app, client, tenant_a):
    with app.app_context():
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE, active=False)
    response = _post_login(client, "biuro@alfa.pl", factories.PASSWORD)
    assert response.status_code == 200
    assert "nieaktywne" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivated_user_loses_the_session(app, client, tenant_a, login):
    with app.app_context():
        user_id = factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    login("biuro@alfa.pl")
    assert client.get("/").status_code == 200
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.get(User, user_id).is_active_user = False
        db.session.commit()
    assert client.get("/").status_code == 302


def test_suspended_tenant_cannot_sign_in(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.get(Tenant, tenant_a.id).suspended_at = clock.now()
        db.session.commit()
    assert client.get("/").status_code == 302  # the running session ends too
    response = _post_login(client, tenant_a.owner_email, factories.PASSWORD)
    assert response.status_code == 200
    assert "zawieszone" in response.get_data(as_text=True)


def test_rotating_session_token_signs_out_everywhere(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    other = app.test_client()
    assert _post_login(other, tenant_a.owner_email, factories.PASSWORD).status_code == 303
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        user = db.session.scalar(select(User).where(User.email == tenant_a.owner_email))
        user.session_token = "rotated"
        db.session.commit()
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 302


def test_next_parameter_only_redirects_within_the_site(client, tenant_a):
    response = client.post("/login?next=https://evil.example/", data={
        "email": tenant_a.owner_email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/o-programie", data={
        "email": tenant_a.owner_email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/o-programie"


def test_login_rate_limit(app, client, tenant_a, monkeypatch, redis_client):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    env = {"REMOTE_ADDR": "10.1.2.3"}
    codes = [_post_login(client, tenant_a.owner_email, "zle", environ_base=env).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Even the right password is refused until the window passes.
    blocked = _post_login(client, tenant_a.owner_email, factories.PASSWORD, environ_base=env)
    assert blocked.status_code == 429
    assert "Zbyt wiele prób" in blocked.get_data(as_text=True)
    # Another address is not affected; the limit lives in Redis, shared by all web processes.
    ok = _post_login(client, tenant_a.owner_email, factories.PASSWORD,
                     environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert ok.status_code == 303
    assert any(b"LIMITS" in key or b"10.1.2.3" in key for key in redis_client.keys("*"))


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_post_without_csrf_token_is_403(csrf_on, client, tenant_a):
    response = _post_login(client, tenant_a.owner_email, factories.PASSWORD)
    assert response.status_code == 403
    assert "Formularz wygasł" in response.get_data(as_text=True)


def test_post_with_csrf_token_from_form_and_htmx_header(csrf_on, client, tenant_a):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": tenant_a.owner_email,
                                           "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    dashboard = client.get("/").get_data(as_text=True)
    header_token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', dashboard).group(1)
    assert client.post("/logout").status_code == 403  # no token at all
    assert client.post("/logout", headers={"X-CSRFToken": header_token}).status_code == 303


def test_cookie_flags_outside_development():
    assert Config.SESSION_COOKIE_SECURE and Config.REMEMBER_COOKIE_SECURE
    assert Config.SESSION_COOKIE_HTTPONLY and Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert not DevelopmentConfig.SESSION_COOKIE_SECURE


def test_session_cookie_is_httponly_and_lax(client, tenant_a):
    response = _post_login(client, tenant_a.owner_email, factories.PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_is_stored_as_scrypt(app, tenant_a):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        user = db.session.scalar(select(User))
        assert user.password_hash.startswith("scrypt:")
        assert factories.PASSWORD not in user.password_hash
    assert Config.PASSWORD_HASH_METHOD == "scrypt:131072:8:1"


def test_login_rate_limit_per_account_across_addresses(app, client, tenant_a, monkeypatch,
                                                       redis_client):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_CEILING", "3 per minute")
    codes = [_post_login(client, tenant_a.owner_email, "zle",
                         environ_base={"REMOTE_ADDR": f"10.2.0.{i}"}).status_code
             for i in range(4)]
    assert codes == [200, 200, 200, 429]
    other = _post_login(client, "ktos@example.com", "zle",
                        environ_base={"REMOTE_ADDR": "10.2.0.9"})
    assert other.status_code == 200  # another account is not affected


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(app, client, tenant_a,
                                                                    monkeypatch, redis_client):
    # Issue 11, item 8: 20 wrong passwords an hour locked the account from everywhere.
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "20 per hour")
    attacker = {"REMOTE_ADDR": "10.3.0.66"}
    codes = [_post_login(client, tenant_a.owner_email, f"zle-{i}", environ_base=attacker)
             .status_code for i in range(21)]
    assert codes == [200] * 20 + [429]
    owner = app.test_client()
    assert _post_login(owner, tenant_a.owner_email, factories.PASSWORD,
                       environ_base={"REMOTE_ADDR": "10.3.0.7"}).status_code == 303
    # The attacking address stays stopped, even with the right password.
    assert _post_login(client, tenant_a.owner_email, factories.PASSWORD,
                       environ_base=attacker).status_code == 429


def test_a_successful_sign_in_is_not_counted_against_the_account(app, tenant_a, monkeypatch,
                                                                 redis_client):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "2 per hour")
    for _ in range(4):
        browser = app.test_client()
        assert _post_login(browser, tenant_a.owner_email, factories.PASSWORD,
                           environ_base={"REMOTE_ADDR": "10.4.0.1"}).status_code == 303


def test_a_distributed_guess_does_not_lock_the_owners_usual_address(app, tenant_a, monkeypatch,
                                                                    redis_client):
    usual = {"REMOTE_ADDR": "10.5.0.1"}
    assert _post_login(app.test_client(), tenant_a.owner_email, factories.PASSWORD,
                       environ_base=usual).status_code == 303
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_CEILING", "5 per hour")
    codes = [_post_login(app.test_client(), tenant_a.owner_email, "zle",
                         environ_base={"REMOTE_ADDR": f"10.5.1.{i}"}).status_code
             for i in range(7)]
    assert codes[-1] == 429 and 429 not in codes[:5]
    # A new address waits; the address the owner signed in from before does not.
    assert _post_login(app.test_client(), tenant_a.owner_email, factories.PASSWORD,
                       environ_base={"REMOTE_ADDR": "10.5.2.1"}).status_code == 429
    assert _post_login(app.test_client(), tenant_a.owner_email, factories.PASSWORD,
                       environ_base=usual).status_code == 303
