import re

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from wtforms import StringField, TextAreaField, ValidationError

from app.forms_common import max_len, required, strip
from app.reports.forms import ReportForm

MAX_RECIPIENTS = 20


def split_addresses(raw: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", raw or "") if part]


class ReportEmailForm(ReportForm):
    """"Eksport e-mail": the report's parameters and format, then recipients and the message."""

    class Meta:
        # The report form is a GET form without CSRF; this one posts and starts a job.
        @property
        def csrf(self):
            return current_app.config.get("WTF_CSRF_ENABLED", True)

    recipients = StringField("Adresaci", filters=[strip],
                             validators=[required("Podaj co najmniej jeden adres e-mail.")],
                             description="Kilka adresów oddziel przecinkami.")
    subject = StringField("Temat", filters=[strip],
                          validators=[required("Podaj temat wiadomości."), max_len(200)])
    message = TextAreaField("Treść", filters=[strip], validators=[max_len(5000)])

    def validate_subject(self, field):
        if any(ch in field.data for ch in "\r\n"):
            raise ValidationError("Temat musi się mieścić w jednym wierszu.")

    def validate_recipients(self, field):
        addresses = split_addresses(field.data)
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(f"Najwyżej {MAX_RECIPIENTS} adresatów naraz.")
        bad = []
        normalized = []
        for address in addresses:
            try:
                normalized.append(validate_email(address, check_deliverability=False).normalized)
            except EmailNotValidError:
                bad.append(address)
        if bad:
            raise ValidationError(f"Niepoprawne adresy e-mail: {', '.join(bad)}.")
        field.addresses = normalized
