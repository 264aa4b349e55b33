"""Sign-up with e-mail confirmation and password reset by e-mail: signed, expiring,
single-use links, the mail sent through the mail queue to a real SMTP sink."""

import re

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Tenant, User
from tests import factories
from workers import queue, redis_connection

SIGNUP = {"name": "Serwis Gamma", "nip": "526-025-02-74", "street": "Polna 1",
          "postal_code": "00-001", "city": "Warszawa", "email": "Szef@Gamma.pl",
          "password": "dobre-haslo-123", "repeat": "dobre-haslo-123", "accept_terms": "y"}


@pytest.fixture
def mailbox(app, smtp_sink, redis_client, monkeypatch):
    """Platform mail to the sink; deliver() runs the mail queue and returns the messages."""
    redis_client.flushdb()
    state = app.extensions["mail"]
    monkeypatch.setattr(state, "server", smtp_sink.host)
    monkeypatch.setattr(state, "port", smtp_sink.port)

    def deliver():
        with app.app_context():
            connection = redis_connection()
            SimpleWorker([queue("mail", connection)], connection=connection).work(burst=True)
        return smtp_sink.messages

    return deliver


def _link(message) -> str:
    return re.search(r"http://plomba.test(/\S+)", message.get_content()).group(1)


def _counts(app):
    with app.app_context(), tenancy.all_tenants():
        return (db.session.scalar(select(func.count()).select_from(Tenant)),
                db.session.scalar(select(func.count()).select_from(User)))


def test_signup_confirm_then_sign_in(app, client, mailbox):
    page = client.post("/rejestracja", data=SIGNUP).get_data(as_text=True)
    assert "Wysłaliśmy link potwierdzający na <strong>szef@gamma.pl</strong>" in page
    early = client.post("/login", data={"email": "szef@gamma.pl",
                                        "password": "dobre-haslo-123"})
    assert "Potwierdź adres e-mail" in early.get_data(as_text=True)
    [message] = mailbox()
    assert message["To"] == "szef@gamma.pl"
    link = _link(message)
    confirmed = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Potwierdzono adres e-mail." in confirmed
    again = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Ten link został już użyty" in again  # single use
    signed_in = client.post("/login", data={"email": "szef@gamma.pl",
                                            "password": "dobre-haslo-123"})
    assert signed_in.status_code == 303
    assert "Serwis Gamma" in client.get("/").get_data(as_text=True)


def test_signup_bad_input_changes_nothing(app, client, tenant_a):
    before = _counts(app)
    cases = [
        ({"nip": "5260250275"}, "Nieprawidłowy NIP: błędna suma kontrolna."),
        ({"password": "krotkie", "repeat": "krotkie"}, "Hasło musi mieć od 10 do 200 znaków."),
        ({"password": "szef@gamma.pl", "repeat": "szef@gamma.pl"},
         "Hasło nie może być adresem e-mail."),
        ({"repeat": "inne-haslo-123"}, "Hasła nie są takie same."),
        # Long enough and still guessed in no time: sequences, keyboard rows, a Polish word
        # with digits, the company's own name.
        *[({"password": weak, "repeat": weak}, "Hasło jest zbyt łatwe do odgadnięcia")
          for weak in ("1234567890", "qwertyuiop", "haslo12345", "polska2026!",
                       "SerwisGamma1")],
    ]
    for change, message in cases:
        body = client.post("/rejestracja", data={**SIGNUP, **change}).get_data(as_text=True)
        assert message in body, change
        assert 'value="Serwis Gamma"' in body  # kept as typed
    assert _counts(app) == before


def test_password_reset_once_and_old_sessions_end(app, client, tenant_a, mailbox):
    other = app.test_client()
    other.post("/login", data={"email": tenant_a.owner_email, "password": factories.PASSWORD})
    sent = client.post("/haslo/reset", data={"email": tenant_a.owner_email},
                       follow_redirects=True).get_data(as_text=True)
    unknown = client.post("/haslo/reset", data={"email": "nikt@alfa.pl"},
                          follow_redirects=True).get_data(as_text=True)
    hint = "Jeśli konto z tym adresem istnieje, wysłaliśmy na nie link"
    assert hint in sent and hint in unknown  # no hint which addresses exist
    [message] = mailbox()
    link = _link(message)
    short = client.post(link, data={"password": "krotkie", "repeat": "krotkie"})
    assert "Hasło musi mieć od 10 do 200 znaków." in short.get_data(as_text=True)
    weak = client.post(link, data={"password": "owneralfa1", "repeat": "owneralfa1"})
    assert "Hasło jest zbyt łatwe do odgadnięcia" in weak.get_data(as_text=True)
    done = client.post(link, data={"password": "nowe-haslo-456", "repeat": "nowe-haslo-456"})
    assert done.status_code == 303
    reused = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Ten link został już użyty" in reused
    assert other.get("/").status_code == 302  # the old session is over
    assert client.post("/login", data={"email": tenant_a.owner_email,
                                       "password": "nowe-haslo-456"}).status_code == 303


def test_expired_or_tampered_reset_link(app, client, tenant_a, monkeypatch):
    from app.auth import tokens

    with app.test_request_context():
        token = tokens.make("reset", 1, "x")
    monkeypatch.setattr(tokens, "RESET_MAX_AGE", -1)
    expired = client.get(f"/haslo/nowe/{token}", follow_redirects=True).get_data(as_text=True)
    assert "Link wygasł. Poproś o nowy." in expired
    tampered = client.get(f"/haslo/nowe/{token}x", follow_redirects=True).get_data(as_text=True)
    assert "Link jest nieprawidłowy." in tampered


@pytest.mark.parametrize(("url", "setting"), [("/rejestracja", "SIGNUP_RATE_LIMIT"),
                                              ("/haslo/reset", "RESET_RATE_LIMIT")])
def test_sign_up_and_reset_are_limited_per_address(app, client, monkeypatch, url, setting):
    # Each of these sends an e-mail: a script must not turn Plomba into a mail cannon.
    monkeypatch.setitem(app.config, setting, "2 per hour")
    env = {"REMOTE_ADDR": f"10.7.7.{len(url)}"}
    codes = [client.post(url, data={"email": "x@example.com"}, environ_base=env).status_code
             for _ in range(3)]
    assert codes[-1] == 429 and 429 not in codes[:2]
    assert "Zbyt wiele prób" in client.post(url, data={}, environ_base=env).get_data(
        as_text=True)


def _page(client, data) -> str:
    # The CSRF token carries the second it was signed in: two answers a second apart differ
    # there, whatever they say.
    html = client.post("/rejestracja", data=data).get_data(as_text=True)
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', 'name="csrf_token"', html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', html)


def test_signup_with_a_registered_email_or_nip_answers_as_a_new_one(app, client, tenant_a,
                                                                    mailbox):
    # Issue 11, item 9: the form said "Konto z tym adresem e-mail już istnieje" and "Firma z
    # tym NIP jest już zarejestrowana" to anyone typing them.
    before = _counts(app)
    email_page = _page(client, {**SIGNUP, "email": tenant_a.owner_email})
    nip_page = _page(client, {**SIGNUP, "nip": "1234563218", "email": "nowy@gamma.pl"})
    assert _counts(app) == before
    fresh_page = _page(client, SIGNUP)  # a real sign-up, for comparison
    assert email_page.replace(tenant_a.owner_email, "X") == fresh_page.replace(
        "szef@gamma.pl", "X")
    assert nip_page.replace("nowy@gamma.pl", "X") == fresh_page.replace("szef@gamma.pl", "X")
    for page in (email_page, nip_page):
        assert "już istnieje" not in page and "już zarejestrowana" not in page
    by_recipient = {}
    for message in mailbox():
        by_recipient.setdefault(message["To"], []).append(message)
    assert "nowy@gamma.pl" not in by_recipient  # a typed address learns nothing either
    assert len(by_recipient["szef@gamma.pl"]) == 1  # the real sign-up's confirmation
    told = {m["Subject"]: m.get_content() for m in by_recipient[tenant_a.owner_email]}
    assert set(told) == {"Plomba: próba rejestracji z Twoim adresem",
                         "Plomba: próba rejestracji Waszej firmy"}
    assert "http://plomba.test/haslo/reset" in told["Plomba: próba rejestracji z Twoim adresem"]
    assert "nowy@gamma.pl" in told["Plomba: próba rejestracji Waszej firmy"]
