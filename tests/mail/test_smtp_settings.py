import re

from sqlalchemy import select

from app import secrets, tenancy
from app.extensions import db
from app.models import Role, Tenant
from tests import factories


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


def test_bad_settings_are_refused_at_the_field(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    before = _tenant(app, tenant_a)
    for data, message in [
        ({"smtp_host": "smtp.alfa.pl", "smtp_port": "70000"}, "Port to liczba od 1 do 65535."),
        ({"smtp_host": "smtp.alfa.pl", "smtp_sender": ""}, "Podaj adres nadawcy"),
        ({"smtp_host": "smtp.alfa.pl", "smtp_sender": "nie-adres"}, "poprawny adres e-mail"),
    ]:
        body = client.post("/administracja/poczta",
                           data={"smtp_security": "starttls", **data}).get_data(as_text=True)
        errors = " ".join(re.findall(r'<div class="error" id="[^"]+">(.*?)</div>', body, re.S))
        assert message in errors, (data, errors)
    assert _tenant(app, tenant_a) == before


def test_send_test_through_the_tenant_server(app, client, tenant_a, login, smtp_sink):
    login(tenant_a.owner_email)
    client.post("/administracja/poczta", data={
        "smtp_host": smtp_sink.host, "smtp_port": str(smtp_sink.port), "smtp_security": "none",
        "smtp_sender": "serwis@alfa.pl"})
    done = client.post("/administracja/poczta/test", data={"to": "szef@alfa.pl"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Wysłano wiadomość testową na szef@alfa.pl." in done
    [message] = smtp_sink.messages
    assert message["To"] == "szef@alfa.pl" and message["From"] == "serwis@alfa.pl"
    assert "Serwis Alfa" in message.get_content()
    smtp_sink.refuse = "550 Skrzynka nie istnieje"
    refused = client.post("/administracja/poczta/test", data={"to": "nikt@alfa.pl"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Serwer poczty odmówił (550): Skrzynka nie istnieje" in refused


def test_send_test_without_a_server_says_why(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    client.post("/administracja/poczta", data={
        "smtp_host": "127.0.0.1", "smtp_port": "9", "smtp_security": "none",
        "smtp_sender": "serwis@alfa.pl"})
    body = client.post("/administracja/poczta/test", data={"to": "szef@alfa.pl"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Brak połączenia z serwerem poczty" in body


def test_only_owners_configure_mail(app, client, tenant_a, login):
    with app.app_context():
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    login("biuro@alfa.pl")
    assert client.get("/administracja/poczta").status_code == 403
    assert client.post("/administracja/poczta", data={"smtp_host": "evil"}).status_code == 403
    assert _tenant(app, tenant_a)["smtp_host"] == ""
