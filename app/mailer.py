"""Sending e-mail: through the tenant's own SMTP server when it has one (Administracja ->
Poczta), else through the platform's MAIL_* settings with Flask-Mail. Messages are built with
Flask-Mail either way; a failure is a MailError carrying the server's own words."""

import smtplib
import ssl
from dataclasses import dataclass

from flask import current_app
from flask_mail import Message

from app import secrets
from app.extensions import mail
from app.models import Tenant

TIMEOUT = 20


class MailError(Exception):
    """The mail could not be sent; the message says why, in Polish, with the server's reason."""


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


def suppressed(tenant: Tenant | None) -> bool:
    """Development without a mail server: Flask-Mail logs the message instead of sending."""
    return (tenant is None or not tenant.smtp_host) and bool(
        current_app.extensions["mail"].suppress)


def send(tenant: Tenant | None, message: Message) -> None:
    """Through the tenant's server when it has one; the platform's for None (sign-up,
    password reset: mail of Plomba itself, not of the service company)."""
    try:
        if tenant is not None and tenant.smtp_host:
            _send_via_tenant(tenant, message)
        else:
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


def _send_via_tenant(tenant: Tenant, message: Message) -> None:
    port = tenant.smtp_port or (465 if tenant.smtp_security == "ssl" else 587)
    if tenant.smtp_security == "ssl":
        server = smtplib.SMTP_SSL(tenant.smtp_host, port, timeout=TIMEOUT,
                                  context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(tenant.smtp_host, port, timeout=TIMEOUT)
    with server:
        if tenant.smtp_security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if tenant.smtp_user:
            server.login(tenant.smtp_user, secrets.decrypt(tenant.smtp_password_encrypted))
        server.sendmail(message.sender, message.send_to, message.as_bytes())
