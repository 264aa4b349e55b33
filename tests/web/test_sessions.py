"""The list of signed-in browsers on "Moje konto": each sign-in is a record, ending one signs
that browser out, logging out kills the cookie for good, idle sessions expire."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import clock, create_app, tenancy
from app.auth.sessions import describe
from app.extensions import db
from app.models import AuditEntry, Role, User, UserSession
from tests import factories

FIREFOX_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 "
                   "Firefox/140.0")
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36")


def _sign_in(app, email, user_agent, remember=False):
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = user_agent
    data = {"email": email, "password": factories.PASSWORD}
    if remember:
        data["remember"] = "y"
    assert browser.post("/login", data=data).status_code == 303
    return browser


def _rows(app, tenant):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        rows = db.session.scalars(select(UserSession).order_by(UserSession.id)).all()
        db.session.expunge_all()
        return rows


def _set(app, tenant, **values):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        db.session.execute(update(UserSession).values(**values))
        db.session.commit()


def test_each_sign_in_is_listed_with_its_browser(app, tenant_a):
    office = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    phone = _sign_in(app, tenant_a.owner_email, CHROME_ANDROID)
    page = office.get("/konto").get_data(as_text=True)
    table = page[page.index('id="sessions"'):]
    assert "Firefox 140 · Windows" in table and "Chrome 131 · Android" in table
    assert table.count("ta sesja") == 1
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "<td" in r]
    assert [("Firefox" in r, "ta sesja" in r) for r in rows] == [
        (False, False), (True, True)]  # the most recently active first; this one is Firefox
    assert "127.0.0.1" in table
    assert phone.get("/").status_code == 200


def test_ending_one_session_signs_out_only_that_browser(app, tenant_a):
    office = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    phone = _sign_in(app, tenant_a.owner_email, CHROME_ANDROID)
    laptop = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    phone_row = _rows(app, tenant_a)[1]
    done = office.post(f"/konto/sesje/{phone_row.id}/wyloguj", follow_redirects=True)
    assert "Wylogowano sesję: Chrome 131 · Android." in done.get_data(as_text=True)
    assert phone.get("/").status_code == 302
    assert office.get("/").status_code == 200 and laptop.get("/").status_code == 200
    assert "Chrome 131" not in office.get("/konto").get_data(as_text=True)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "user.session_ended"))
        assert "Chrome 131 · Android" in entry.detail
    # Ending it again changes nothing and says so.
    again = office.post(f"/konto/sesje/{phone_row.id}/wyloguj", follow_redirects=True)
    assert "Ta sesja była już zakończona." in again.get_data(as_text=True)


def test_this_session_is_not_ended_from_the_list(app, tenant_a):
    office = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    own = _rows(app, tenant_a)[0]
    done = office.post(f"/konto/sesje/{own.id}/wyloguj", follow_redirects=True)
    assert "To jest ta sesja" in done.get_data(as_text=True)
    assert office.get("/").status_code == 200


def test_another_users_session_is_not_found(app, tenant_a):
    with app.app_context():
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    colleague = _sign_in(app, "biuro@alfa.pl", CHROME_ANDROID)
    owner = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    colleague_row = _rows(app, tenant_a)[0]
    assert owner.post(f"/konto/sesje/{colleague_row.id}/wyloguj").status_code == 404
    assert colleague.get("/").status_code == 200
    assert "Chrome 131" not in owner.get("/konto").get_data(as_text=True)


def test_a_cookie_kept_after_logout_is_dead(app, tenant_a):
    browser = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    cookie = browser.get_cookie("session")
    browser.post("/logout")
    assert _rows(app, tenant_a)[0].ended_at is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/").status_code == 302


def test_remember_cookie_brings_back_the_same_session(app, tenant_a):
    browser = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS, remember=True)
    remember = browser.get_cookie("remember_token")
    assert remember is not None
    reopened = app.test_client()  # the browser was closed: only the remember cookie is left
    reopened.set_cookie("remember_token", remember.value)
    assert reopened.get("/").status_code == 200
    assert len(_rows(app, tenant_a)) == 1
    # Ended from another browser, the remember cookie stops working too.
    other = _sign_in(app, tenant_a.owner_email, CHROME_ANDROID)
    other.post(f"/konto/sesje/{_rows(app, tenant_a)[0].id}/wyloguj")
    again = app.test_client()
    again.set_cookie("remember_token", remember.value)
    assert again.get("/").status_code == 302


@pytest.mark.parametrize(("remember", "idle", "alive"), [
    (False, timedelta(hours=11), True),
    (False, timedelta(hours=13), False),
    (True, timedelta(days=29), True),
    (True, timedelta(days=31), False),
])
def test_an_idle_session_expires(app, tenant_a, remember, idle, alive):
    browser = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS, remember=remember)
    _set(app, tenant_a, last_seen_at=clock.now() - idle)
    assert browser.get("/").status_code == (200 if alive else 302)


def test_last_activity_is_written_at_most_once_a_minute(app, tenant_a):
    browser = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    recent = clock.now() - timedelta(seconds=20)
    _set(app, tenant_a, last_seen_at=recent)
    browser.get("/")
    assert _rows(app, tenant_a)[0].last_seen_at == recent
    _set(app, tenant_a, last_seen_at=clock.now() - timedelta(minutes=5))
    browser.get("/")
    assert clock.now() - _rows(app, tenant_a)[0].last_seen_at < timedelta(seconds=30)


def test_log_out_everywhere_ends_the_other_records(app, tenant_a):
    office = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    _sign_in(app, tenant_a.owner_email, CHROME_ANDROID)
    office.post("/konto/wyloguj-wszedzie")
    rows = _rows(app, tenant_a)
    assert [r.ended_at is None for r in rows] == [True, False]
    assert office.get("/").status_code == 200
    page = office.get("/konto").get_data(as_text=True)
    assert "Nie jesteś zalogowany nigdzie poza tą przeglądarką." in page


def test_deactivating_a_user_ends_the_records(app, tenant_a):
    with app.app_context():
        tech_id = factories.make_user(tenant_a, "serwis@alfa.pl", Role.TECHNICIAN)
    tech = _sign_in(app, "serwis@alfa.pl", CHROME_ANDROID)
    owner = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    owner.post(f"/administracja/uzytkownicy/{tech_id}/aktywne", data={})
    assert tech.get("/").status_code == 302
    assert _rows(app, tenant_a)[0].ended_at is not None


def test_a_cookie_without_a_session_key_is_refused(app, client, tenant_a):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        user = db.session.scalar(select(User))
        old_style = f"{user.id}:{user.session_token}"
    with client.session_transaction() as session:
        session["_user_id"] = old_style
        session["_fresh"] = True
    assert client.get("/").status_code == 302


def test_the_previous_sign_in_is_shown_and_old_records_are_dropped(app, tenant_a):
    first = _sign_in(app, tenant_a.owner_email, FIREFOX_WINDOWS)
    first.post("/logout")
    second = _sign_in(app, tenant_a.owner_email, CHROME_ANDROID)
    page = second.get("/konto").get_data(as_text=True)
    previous = page[page.index("Poprzednie logowanie"):page.index('id="sessions"')]
    assert "Firefox 140 · Windows, 127.0.0.1" in previous
    assert "Firefox" not in page[page.index('id="sessions"'):]  # ended: not in the list
    # Records unused for longer than any session lives go at the next sign-in.
    _set(app, tenant_a, last_seen_at=clock.now() - timedelta(days=31))
    _sign_in(app, tenant_a.owner_email, CHROME_ANDROID)
    assert len(_rows(app, tenant_a)) == 1


def test_behind_a_trusted_proxy_the_clients_address_is_kept(app, tenant_a):
    proxied = create_app(dict(app.config) | {"TRUSTED_PROXIES": 1})
    browser = proxied.test_client()
    response = browser.post("/login", data={"email": tenant_a.owner_email,
                                            "password": factories.PASSWORD},
                            headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 303
    assert _rows(app, tenant_a)[0].ip == "203.0.113.7"


@pytest.mark.parametrize(("agent", "expected"), [
    (FIREFOX_WINDOWS, "Firefox 140 · Windows"),
    (CHROME_ANDROID, "Chrome 131 · Android"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/18.1 Safari/605.1.15", "Safari 18 · macOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari 18 · iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70", "Edge 131 · Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera 115 · Linux"),
    ("curl/8.5.0", "Nieznana przeglądarka"),
    ("", "Nieznana przeglądarka"),
])
def test_describe_names_browser_and_system(agent, expected):
    assert describe(agent) == expected


def test_the_list_shows_no_raw_user_agent_markup(app, tenant_a):
    browser = _sign_in(app, tenant_a.owner_email, '<script>alert(1)</script> Firefox/99.0')
    page = browser.get("/konto").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert re.search(r"Firefox 99", page)
