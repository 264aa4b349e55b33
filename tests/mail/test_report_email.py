"""Eksport e-mail: the report arrives at a real SMTP sink with its attachment, a failure shows
the server's reason and can be sent again."""

import io

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app import clock, mailer, tenancy
from app.extensions import db
from app.models import Order, Tenant
from tests import factories
from workers import queue, redis_connection


@pytest.fixture
def alfa(app, tenant_a, login, redis_client):
    redis_client.flushdb()
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
        with tenancy.use_tenant(tenant_a.id):
            order = db.session.scalar(select(Order))
            order.status = "closed"
            db.session.commit()
    login(tenant_a.owner_email)
    return tenant_a


def _smtp(app, tenant, host, port):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        t = db.session.scalar(select(Tenant))
        t.smtp_host, t.smtp_port, t.smtp_security, t.smtp_sender = host, port, "none", \
            "serwis@alfa.pl"
        db.session.commit()


def _work(app):
    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue("mail", connection)], connection=connection).work(burst=True)


FORM = {"kind": "services", "date_from": "2026-01-01", "date_to": clock.today().isoformat(),
        "producer_id": "", "fmt": "xlsx", "recipients": "szef@alfa.pl; biuro@alfa.pl",
        "subject": "Raport dla Posnet", "message": "W załączniku raport."}


def test_report_arrives_with_the_attachment(app, client, alfa, mail_server):
    _smtp(app, alfa, mail_server.host, mail_server.port)
    response = client.post("/raporty/email", data=FORM)
    assert response.status_code == 303
    status_url = response.headers["Location"]
    waiting = client.get(status_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="load delay:700ms"' in waiting
    _work(app)
    [message] = mail_server.messages
    assert message["Subject"] == "Raport dla Posnet"
    assert set(message["To"].split(", ")) == {"szef@alfa.pl", "biuro@alfa.pl"}
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(attachment.get_content())).active
    assert any("ZBF1801007587" in str(cell.value) for row in sheet.iter_rows() for cell in row)
    done = client.get(status_url).get_data(as_text=True)
    assert "Wysłano:" in done and "hx-trigger" not in done


def test_smtp_failure_shows_the_reason_and_can_be_retried(app, client, alfa, mail_server):
    _smtp(app, alfa, mail_server.host, mail_server.port)
    mail_server.refuse = "554 Odrzucono: limit wysyłki"
    status_url = client.post("/raporty/email", data=FORM).headers["Location"]
    _work(app)
    failed = client.get(status_url).get_data(as_text=True)
    # The reply's code, never the remote server's own words.
    assert "Nie wysłano. Serwer poczty nie przyjął wiadomości (kod 554)." in failed
    assert "limit wysyłki" not in failed
    assert mail_server.messages == []
    retried = client.post(f"{status_url}/ponow", follow_redirects=True)
    assert "Wysyłka ponowiona." in retried.get_data(as_text=True)
    _work(app)
    assert len(mail_server.messages) == 1
    assert "Wysłano:" in client.get(status_url).get_data(as_text=True)


def test_bad_input_starts_no_job(app, client, alfa, redis_client):
    cases = [
        ({"recipients": "szef@alfa.pl, nie-adres"}, "Niepoprawne adresy e-mail: nie-adres."),
        ({"recipients": ""}, "Podaj co najmniej jeden adres e-mail."),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "nie może być wcześniejsza"),
        ({"date_from": "2015-01-01", "date_to": "2026-01-01"}, "najwyżej 5 lat"),
        ({"producer_id": "99999"}, "Nie ma takiego producenta"),
        ({"subject": ""}, "Podaj temat wiadomości."),
        ({"subject": "Raport\r\nBcc: zbieracz@evil.example"},
         "Temat musi się mieścić w jednym wierszu."),
    ]
    for change, message in cases:
        response = client.post("/raporty/email", data={**FORM, **change})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), change
    with app.app_context():
        assert queue("mail", redis_connection()).count == 0


def test_another_tenants_mail_job_is_404(app, client, alfa, tenant_b, login, mail_server):
    _smtp(app, alfa, mail_server.host, mail_server.port)
    status_url = client.post("/raporty/email", data=FORM).headers["Location"]
    client.post("/logout")
    login(tenant_b.owner_email)
    assert client.get(status_url).status_code == 404
    assert client.post(f"{status_url}/ponow").status_code == 404


def test_report_page_hands_its_parameters_to_the_email_form(app, client, alfa):
    page = client.get("/raporty/").get_data(as_text=True)
    assert 'formaction="/raporty/email"' in page
    form = client.get("/raporty/email?kind=devices&date_from=2026-01-01&date_to=2026-02-01"
                      "&fmt=csv&by_producer=y").get_data(as_text=True)
    assert '<option selected value="devices">' in form or 'value="devices" selected' in form
    assert 'value="2026-01-01"' in form and 'value="2026-02-01"' in form
    assert 'value="csv" selected' in form or '<option selected value="csv">' in form


@pytest.mark.parametrize("subject, recipients", [
    ("Raport\r\nBcc: zbieracz@evil.example", ["szef@alfa.pl"]),
    ("Raport\nReply-To: zbieracz@evil.example", ["szef@alfa.pl"]),
    ("Raport", ["szef@alfa.pl\r\nBcc: zbieracz@evil.example"]),
])
def test_no_header_injection_through_the_tenants_server(app, alfa, mail_server, subject,
                                                        recipients):
    """Jobs build their message without the form: the builder itself refuses a line break."""
    _smtp(app, alfa, mail_server.host, mail_server.port)
    with app.app_context(), tenancy.use_tenant(alfa.id):
        tenant = db.session.scalar(select(Tenant))
        with pytest.raises(mailer.MailError, match="znak nowej linii"):
            mailer.send(tenant, mailer.build(tenant, recipients, subject, "Treść"))
    assert mail_server.messages == []
