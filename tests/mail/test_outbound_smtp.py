"""The tenant's SMTP server goes through the outbound guard (app.outbound): one lookup, a
global address, a mail port, the socket pinned to the checked address, TLS checked against
the configured name, and fixed words for the user (never the remote greeting or an errno)."""

import email
import socket
import threading
from email import policy

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app import mailer, outbound, tenancy
from app.extensions import db
from app.models import Job, Tenant
from tests.services import free_port
from tests.tls import self_signed
from workers import queue, redis_connection


@pytest.fixture
def owner(app, client, tenant_a, login, redis_client):
    redis_client.flushdb()
    login(tenant_a.owner_email)
    return tenant_a


def _settings(app, tenant, host, port, security="none"):
    """Saved straight into the row: what an older version of the form may have accepted."""
    with app.app_context(), tenancy.use_tenant(tenant.id):
        t = db.session.scalar(select(Tenant))
        t.smtp_host, t.smtp_port, t.smtp_security, t.smtp_sender = host, port, security, \
            "serwis@alfa.pl"
        db.session.commit()


def _send_test(app, client) -> Job:
    """"Wyślij test" run to its end by a burst worker; the job's row afterwards."""
    location = client.post("/administracja/poczta/test", data={"to": "szef@alfa.pl"}
                           ).headers["Location"]
    job_id = int(location.rsplit("test=", 1)[1])
    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue("mail", connection)], connection=connection).work(burst=True)
    page = client.get(f"/administracja/poczta/test/{job_id}").get_data(as_text=True)
    with app.app_context(), tenancy.all_tenants():
        job = db.session.get(Job, job_id)
        job.page = page
        db.session.expunge(job)
        return job


@pytest.mark.parametrize("port", [22, 2525, 6379, 8025])
def test_the_guard_refuses_other_ports_even_when_saved(app, client, owner, mail_server, port):
    _settings(app, owner, mail_server.host, port)
    job = _send_test(app, client)
    assert job.status == "failed"
    assert job.error == "Dozwolone porty serwera poczty: 25, 465 lub 587."
    assert mail_server.connects == [] and mail_server.messages == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "::1",
                                  "::ffff:127.0.0.1", "169.254.169.254", "10.1.2.3",
                                  "64:ff9b::7f00:1", "2002:7f00:1::1"])
def test_a_private_address_is_refused_when_sending(app, client, owner, mail_server, host,
                                                   monkeypatch):
    monkeypatch.setitem(app.config, "RZS_ALLOW_PRIVATE_HOSTS", False)
    _settings(app, owner, host, 587)
    job = _send_test(app, client)
    assert job.error == "Ten adres serwera jest niedozwolony (adres prywatny lub lokalny)."
    assert mail_server.connects == []


def test_a_name_with_any_private_address_is_refused(app, client, owner, mail_server, resolver,
                                                    monkeypatch):
    monkeypatch.setitem(app.config, "RZS_ALLOW_PRIVATE_HOSTS", False)
    resolver.answers["smtp.alfa.test"] = [["93.184.216.34", "10.0.0.5"]]
    _settings(app, owner, "smtp.alfa.test", 587)
    job = _send_test(app, client)
    assert job.error == "Ten adres serwera jest niedozwolony (adres prywatny lub lokalny)."
    assert mail_server.connects == []


def test_the_connection_goes_to_the_checked_address_only(app, client, owner, mail_server,
                                                         resolver, monkeypatch):
    """DNS rebinding: the name answers a public address, then 127.0.0.1. One lookup is made
    and the socket is opened to the public address it gave (which leads to the sink here)."""
    monkeypatch.setitem(app.config, "RZS_ALLOW_PRIVATE_HOSTS", False)
    resolver.answers["smtp.alfa.test"] = [["93.184.216.34"], ["127.0.0.1"]]
    mail_server.addresses = {"93.184.216.34"}
    _settings(app, owner, "smtp.alfa.test", 587)
    job = _send_test(app, client)
    assert job.status == "finished", job.error
    assert resolver.lookups == ["smtp.alfa.test"]
    assert mail_server.connects == [outbound.Target("smtp.alfa.test", "93.184.216.34", 587)]
    assert len(mail_server.messages) == 1


class FakeService:
    """Something listening on a mail port that is no mail server: it greets with its own
    banner, which the user must never read."""

    def __init__(self, banner: bytes):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.banner = banner
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.sendall(self.banner)
                try:
                    conn.recv(1024)
                except OSError:
                    pass

    def close(self):
        self.sock.close()


@pytest.mark.parametrize("banner", [b"SSH-2.0-OpenSSH_9.6 tajny-baner\r\n",
                                    b"-ERR tajny-baner redis\r\n",
                                    b"554 tajny-baner: no service here\r\n"])
def test_an_open_port_and_a_closed_one_read_the_same(app, client, owner, mail_server, banner):
    service = FakeService(banner)
    try:
        mail_server.routes[("127.0.0.1", 25)] = ("127.0.0.1", service.port)
        _settings(app, owner, "127.0.0.1", 25)
        open_port = _send_test(app, client)
        mail_server.routes[("127.0.0.1", 25)] = ("127.0.0.1", free_port())
        closed_port = _send_test(app, client)
    finally:
        service.close()
    assert open_port.error == closed_port.error == "Nie udało się połączyć z serwerem poczty."
    for job in (open_port, closed_port):
        assert "tajny-baner" not in job.page and "Errno" not in job.page
        assert "Nie wysłano wiadomości testowej. Nie udało się połączyć" in job.page


class TlsSink:
    """aiosmtpd with STARTTLS (security "starttls") or implicit TLS ("ssl") under a
    certificate for `name`."""

    def __init__(self, security: str, name: str):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append(email.message_from_bytes(envelope.content,
                                                              policy=policy.default))
                return "250 Message accepted"

        self.certificate = self_signed(name)
        self.port = free_port()
        context = self.certificate.server_context()
        if security == "ssl":
            self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                         ssl_context=context)
        else:
            self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                         tls_context=context, require_starttls=True)
        self.controller.start()

    def stop(self):
        self.controller.stop()


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("ssl", 465)])
@pytest.mark.parametrize(("certificate_for", "delivered"), [("smtp.alfa.test", True),
                                                            ("inny.test", False)])
def test_tls_is_checked_against_the_configured_name(app, client, owner, mail_server, resolver,
                                                    monkeypatch, security, port,
                                                    certificate_for, delivered):
    """The socket goes to the checked address, the certificate is checked for the name the
    tenant typed: a certificate for another name fails, whatever the address."""
    sink = TlsSink(security, certificate_for)
    try:
        # The client trusts the sink's certificate as a CA: only the name decides.
        monkeypatch.setattr(mailer, "tls_context", sink.certificate.client_context)
        resolver.answers["smtp.alfa.test"] = [["127.0.0.1"]]
        mail_server.routes[("127.0.0.1", port)] = ("127.0.0.1", sink.port)
        _settings(app, owner, "smtp.alfa.test", port, security)
        job = _send_test(app, client)
    finally:
        sink.stop()
    if delivered:
        assert job.status == "finished", job.error
        assert len(sink.messages) == 1
    else:
        assert job.error.startswith("Nie udało się bezpiecznie połączyć z serwerem poczty (TLS)")
        assert sink.messages == []
    assert mail_server.connects == [outbound.Target("smtp.alfa.test", "127.0.0.1", port)]
