"""Sending e-mail: through the tenant's own SMTP server when it has one (Administracja ->
Poczta), else through the platform's MAIL_* settings with Flask-Mail. Messages are built with
Flask-Mail either way; a failure is a MailError saying why in Polish. The tenant's server is
reached through the outbound guard (app.outbound) and its failures are told in fixed words."""

import logging
import smtplib
import ssl
from dataclasses import dataclass

from flask import current_app
from flask_mail import Message

from app import outbound, secrets
from app.extensions import mail
from app.models import Tenant

log = logging.getLogger(__name__)

# Each read and write of an SMTP conversation; connecting has the guard's shorter limit.
TIMEOUT = 20


class MailError(Exception):
    """The mail could not be sent; the message says why, in Polish (shown to the user)."""


@dataclass
class Attachment:
    filename: str
    mimetype: str
    data: bytes


def sender_of(tenant: Tenant | None) -> str:
    if tenant is not None and tenant.smtp_host and tenant.smtp_sender:
        return tenant.smtp_sender
    return current_app.config["MAIL_DEFAULT_SENDER"]


def build(tenant: Tenant | None, recipients: list[str], subject: str, body: str,
          attachments: list[Attachment] = ()) -> Message:
    """Every message is built here, so no header can carry a line break: a CR or LF in a
    subject or an address would add headers (Bcc, Reply-To) on the tenant's server, which
    receives the raw bytes without Flask-Mail's own check."""
    message = Message(subject=subject, recipients=recipients, body=body,
                      sender=sender_of(tenant))
    if message.has_bad_headers():
        raise MailError("Temat lub adres zawiera znak nowej linii: wiadomość nie została "
                        "wysłana.")
    for item in attachments:
        message.attach(item.filename, item.mimetype, item.data)
    return message


def test_message(tenant: Tenant, to: str) -> Message:
    """"Wyślij test": a short message through the saved settings."""
    return build(tenant, [to], "Plomba: test poczty",
                 f"To jest wiadomość testowa z Plomby dla firmy {tenant.name}.\n"
                 "Jeśli ją widzisz, ustawienia poczty działają.")


def suppressed(tenant: Tenant | None) -> bool:
    """Development without a mail server: Flask-Mail logs the message instead of sending."""
    return (tenant is None or not tenant.smtp_host) and bool(
        current_app.extensions["mail"].suppress)


def send(tenant: Tenant | None, message: Message) -> None:
    """Through the tenant's server when it has one; the platform's for None (sign-up,
    password reset: mail of Plomba itself, not of the service company)."""
    if tenant is not None and tenant.smtp_host:
        _send_via_tenant(tenant, message)
        return
    try:
        mail.send(message)
    except smtplib.SMTPResponseException as exc:
        reason = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        raise MailError(f"Serwer poczty odmówił ({exc.smtp_code}): {reason}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(exc.recipients)
        raise MailError(f"Serwer poczty odrzucił adresatów: {refused}.") from None
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise MailError(f"Błąd serwera poczty: {exc}") from None
    except TimeoutError:
        raise MailError("Serwer poczty nie odpowiedział w czasie.") from None
    except OSError as exc:
        raise MailError(f"Brak połączenia z serwerem poczty: {exc.strerror or exc}.") from None


# --- the tenant's own server ---------------------------------------------------------------
# A tenant aims this connection, so it goes through the outbound guard (app.outbound): one
# lookup, a global address, a mail port, and the socket opened to that very address. What the
# user reads is one of the fixed sentences below: never the remote greeting, an errno or the
# time it took, which would make "Wyślij test" a port scanner. The details go to the log.

CONNECT_FAILED = "Nie udało się połączyć z serwerem poczty."


class _PinnedSMTP(smtplib.SMTP):
    """smtplib.SMTP connected to the checked address. `_host` stays the configured name:
    smtplib's STARTTLS checks the server's certificate against it (SNI too)."""

    def __init__(self, target: outbound.Target, timeout: float):
        self.target = target
        super().__init__(timeout=timeout)  # no host given: nothing connects yet
        self._host = target.host

    def _get_socket(self, host, port, timeout):
        sock = outbound.connect(self.target, min(timeout, outbound.CONNECT_TIMEOUT))
        sock.settimeout(timeout)
        return sock


class _PinnedSMTP_SSL(_PinnedSMTP):  # noqa: N801 - smtplib's own naming
    """Implicit TLS (port 465) over the pinned socket, verified for the configured name."""

    default_port = smtplib.SMTP_SSL_PORT

    def __init__(self, target: outbound.Target, timeout: float, context: ssl.SSLContext):
        self.context = context
        super().__init__(target, timeout)

    def _get_socket(self, host, port, timeout):
        return self.context.wrap_socket(super()._get_socket(host, port, timeout),
                                        server_hostname=self._host)


def tls_context() -> ssl.SSLContext:
    """Certificates checked against the system's CAs and the configured host name."""
    return ssl.create_default_context()


def _send_via_tenant(tenant: Tenant, message: Message) -> None:
    port = tenant.smtp_port or (465 if tenant.smtp_security == "ssl" else 587)
    try:
        target = outbound.smtp_target(
            tenant.smtp_host, port,
            allow_private=bool(current_app.config.get("RZS_ALLOW_PRIVATE_HOSTS")))
    except outbound.NotFound as exc:
        log.info("tenant %s SMTP: %s", tenant.id, exc.detail)
        raise MailError(CONNECT_FAILED) from None
    except outbound.OutboundError as exc:
        log.warning("tenant %s SMTP refused by the outbound guard: %s", tenant.id, exc.detail)
        raise MailError(exc.message) from None
    try:
        _deliver(tenant, target, message)
    except smtplib.SMTPAuthenticationError as exc:
        _log_failure(tenant, target, exc)
        raise MailError("Serwer poczty nie przyjął użytkownika lub hasła.") from None
    except smtplib.SMTPRecipientsRefused as exc:
        _log_failure(tenant, target, exc)
        raise MailError("Serwer poczty odrzucił adresatów: "
                        f"{', '.join(message.send_to)}.") from None
    except smtplib.SMTPSenderRefused as exc:
        _log_failure(tenant, target, exc)
        raise MailError(f"Serwer poczty odrzucił adres nadawcy {message.sender}.") from None
    except smtplib.SMTPDataError as exc:
        # A reply to our message after a full SMTP conversation: its code, not its words.
        _log_failure(tenant, target, exc)
        raise MailError(f"Serwer poczty nie przyjął wiadomości (kod {exc.smtp_code}).") \
            from None
    except smtplib.SMTPNotSupportedError as exc:
        _log_failure(tenant, target, exc)
        raise MailError("Serwer poczty nie obsługuje wybranego szyfrowania lub logowania.") \
            from None
    except ssl.SSLError as exc:
        _log_failure(tenant, target, exc)
        raise MailError("Nie udało się bezpiecznie połączyć z serwerem poczty (TLS): sprawdź "
                        "nazwę serwera i szyfrowanie.") from None
    except (smtplib.SMTPException, OSError) as exc:  # greeting, HELO, refused, time-out ...
        _log_failure(tenant, target, exc)
        raise MailError(CONNECT_FAILED) from None


def _deliver(tenant: Tenant, target: outbound.Target, message: Message) -> None:
    if tenant.smtp_security == "ssl":
        server = _PinnedSMTP_SSL(target, TIMEOUT, tls_context())
    else:
        server = _PinnedSMTP(target, TIMEOUT)
    try:
        server.connect(target.host, target.port)
        if tenant.smtp_security == "starttls":
            server.starttls(context=tls_context())
        if tenant.smtp_user:
            server.login(tenant.smtp_user, secrets.decrypt(tenant.smtp_password_encrypted))
        server.sendmail(message.sender, message.send_to, message.as_bytes())
        server.quit()
    finally:
        server.close()


def _log_failure(tenant: Tenant, target: outbound.Target, exc: Exception) -> None:
    log.warning("tenant %s SMTP %s (%s:%s) failed: %s: %s", tenant.id, target.host,
                target.address, target.port, type(exc).__name__, exc)
