import re

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app import secrets, tenancy
from app.extensions import db
from app.models import Role, Tenant
from tests import factories
from workers import queue, redis_connection


def _tenant(app, tenant):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        t = db.session.scalar(select(Tenant))
        return {c: getattr(t, c) for c in ("smtp_host", "smtp_port", "smtp_security",
                                           "smtp_user", "smtp_password_encrypted",
                                           "smtp_sender")}


def test_owner_saves_settings_and_the_password_is_never_shown(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    response = client.post("/administracja/poczta", data={
        "smtp_host": "smtp.alfa.pl", "smtp_port": "587", "smtp_security": "starttls",
        "smtp_user": "serwis", "smtp_password": "tajne-haslo", "smtp_sender": "serwis@alfa.pl"})
    assert response.status_code == 303
    saved = _tenant(app, tenant_a)
    assert (saved["smtp_host"], saved["smtp_port"], saved["smtp_sender"]) == (
        "smtp.alfa.pl", 587, "serwis@alfa.pl")
    with app.app_context():
        assert secrets.decrypt(saved["smtp_password_encrypted"]) == "tajne-haslo"
    page = client.get("/administracja/poczta").get_data(as_text=True)
    assert "tajne-haslo" not in page and "zapisane" in page
    client.post("/administracja/poczta", data={"smtp_host": "smtp.alfa.pl", "smtp_port": "587",
                                                "smtp_security": "starttls",
                                                "smtp_sender": "serwis@alfa.pl"})
    assert _tenant(app, tenant_a)["smtp_password_encrypted"] == saved["smtp_password_encrypted"]


def _errors(body: str) -> str:
    return " ".join(re.findall(r'<div class="error" id="[^"]+">(.*?)</div>', body, re.S))


def test_bad_settings_are_refused_at_the_field(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    before = _tenant(app, tenant_a)
    for data, message in [
        ({"smtp_host": "smtp.alfa.pl", "smtp_port": "70000"}, "Dozwolone porty"),
        ({"smtp_host": "smtp.alfa.pl", "smtp_sender": ""}, "Podaj adres nadawcy"),
        ({"smtp_host": "smtp.alfa.pl", "smtp_sender": "nie-adres"}, "poprawny adres e-mail"),
        ({"smtp_host": "smtp alfa pl"}, "Podaj nazwę serwera"),
    ]:
        body = client.post("/administracja/poczta", data={
            "smtp_security": "starttls", "smtp_sender": "serwis@alfa.pl", **data}
        ).get_data(as_text=True)
        assert message in _errors(body), (data, _errors(body))
    assert _tenant(app, tenant_a) == before


@pytest.mark.parametrize("port", ["1", "22", "80", "110", "2525", "6379", "8025", "65535"])
def test_only_the_mail_ports_are_accepted(app, client, tenant_a, login, port):
    login(tenant_a.owner_email)
    before = _tenant(app, tenant_a)
    body = client.post("/administracja/poczta", data={
        "smtp_host": "smtp.alfa.pl", "smtp_port": port, "smtp_security": "starttls",
        "smtp_sender": "serwis@alfa.pl"}).get_data(as_text=True)
    assert "Dozwolone porty serwera poczty: 25, 465 lub 587." in _errors(body)
    assert _tenant(app, tenant_a) == before


@pytest.mark.parametrize("port", ["25", "465", "587", ""])
def test_the_mail_ports_are_saved(app, client, tenant_a, login, port):
    login(tenant_a.owner_email)
    response = client.post("/administracja/poczta", data={
        "smtp_host": "smtp.alfa.pl", "smtp_port": port, "smtp_security": "starttls",
        "smtp_sender": "serwis@alfa.pl"})
    assert response.status_code == 303
    assert _tenant(app, tenant_a)["smtp_port"] == (int(port) if port else None)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "[::1]",
                                  "::ffff:127.0.0.1", "169.254.169.254", "10.0.0.5",
                                  "0.0.0.0", "64:ff9b::a9fe:a9fe"])
def test_a_private_address_is_refused_at_the_field_in_production(app, client, tenant_a,
                                                                  login, host, monkeypatch):
    monkeypatch.setitem(app.config, "RZS_ALLOW_PRIVATE_HOSTS", False)
    login(tenant_a.owner_email)
    before = _tenant(app, tenant_a)
    body = client.post("/administracja/poczta", data={
        "smtp_host": host, "smtp_port": "587", "smtp_security": "starttls",
        "smtp_sender": "serwis@alfa.pl"}).get_data(as_text=True)
    assert "Ten adres serwera jest niedozwolony (adres prywatny lub lokalny)." in _errors(body)
    assert _tenant(app, tenant_a) == before


def _send_test(client, to="szef@alfa.pl"):
    """"Wyślij test": a job; returns (the page right after, the URL the page polls)."""
    response = client.post("/administracja/poczta/test", data={"to": to})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    [poll] = re.findall(r'hx-get="(/administracja/poczta/test/\d+)"', page)
    return page, poll


def _work(app):
    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue("mail", connection)], connection=connection).work(burst=True)


def test_send_test_through_the_tenant_server(app, client, tenant_a, login, mail_server,
                                             redis_client):
    redis_client.flushdb()
    login(tenant_a.owner_email)
    client.post("/administracja/poczta", data={
        "smtp_host": mail_server.host, "smtp_port": str(mail_server.port),
        "smtp_security": "none", "smtp_sender": "serwis@alfa.pl"})
    page, poll = _send_test(client)
    assert "Wiadomość testowa w kolejce" in page and 'hx-trigger="load delay:700ms"' in page
    assert mail_server.messages == []  # nothing is sent inside the web request
    _work(app)
    done = client.get(poll).get_data(as_text=True)
    assert "Wysłano wiadomość testową na szef@alfa.pl." in done and "hx-trigger" not in done
    [message] = mail_server.messages
    assert message["To"] == "szef@alfa.pl" and message["From"] == "serwis@alfa.pl"
    assert "Serwis Alfa" in message.get_content()
    mail_server.refuse = "550 Skrzynka nie istnieje"
    _page, poll = _send_test(client, "nikt@alfa.pl")
    _work(app)
    refused = client.get(poll).get_data(as_text=True)
    assert "Nie wysłano wiadomości testowej. Serwer poczty nie przyjął wiadomości (kod 550)." \
        in refused
    assert "Skrzynka nie istnieje" not in refused


def test_send_test_without_a_server_says_why(app, client, tenant_a, login, redis_client,
                                            mail_server):
    """Nothing listens where the guard connects: the generic reason, no errno."""
    from tests.services import free_port

    redis_client.flushdb()
    mail_server.routes[("127.0.0.1", 587)] = ("127.0.0.1", free_port())
    login(tenant_a.owner_email)
    client.post("/administracja/poczta", data={
        "smtp_host": "127.0.0.1", "smtp_port": "587", "smtp_security": "none",
        "smtp_sender": "serwis@alfa.pl"})
    _page, poll = _send_test(client)
    _work(app)
    body = client.get(poll).get_data(as_text=True)
    assert "Nie wysłano wiadomości testowej. Nie udało się połączyć z serwerem poczty." in body
    assert "Errno" not in body and "refused" not in body.lower()


def test_another_tenants_test_job_is_404(app, client, tenant_a, tenant_b, login, redis_client):
    redis_client.flushdb()
    login(tenant_a.owner_email)
    _page, poll = _send_test(client)
    client.post("/logout")
    login(tenant_b.owner_email)
    assert client.get(poll).status_code == 404


def test_only_owners_configure_mail(app, client, tenant_a, login):
    with app.app_context():
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    login("biuro@alfa.pl")
    assert client.get("/administracja/poczta").status_code == 403
    assert client.post("/administracja/poczta", data={"smtp_host": "evil"}).status_code == 403
    assert _tenant(app, tenant_a)["smtp_host"] == ""
