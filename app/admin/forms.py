from datetime import date

from flask import current_app
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from app import clock, outbound
from app.forms_common import (
    PlDateField,
    PlForm,
    choices,
    max_len,
    postal_code_validators,
    present,
    strip,
)


def years_ago(today: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


class ServiceBookRepairForm(PlForm):
    since = PlDateField("Zlecenia od dnia",
                        validators=[present("Podaj datę, od której poprawić zlecenia.")],
                        default=lambda: years_ago(clock.today(), 2))

    def validate_since(self, field):
        if field.data and field.data > clock.today():
            raise ValidationError("Data nie może być późniejsza niż dzisiejsza.")


class SmtpForm(PlForm):
    """The tenant's own mail server; empty host: the platform's."""

    smtp_host = StringField("Serwer SMTP", filters=[strip], validators=[max_len(200)],
                            description="Pusty: poczta wychodzi przez serwer platformy Plomba.")
    # The mail ports alone (app.outbound checks them again at every connection): any other
    # port would let "Wyślij test" knock on services that are not mail servers.
    smtp_port = IntegerField("Port", validators=[Optional()],
                             description="25, 465 lub 587; pusty: 465 dla TLS/SSL, inaczej 587.")
    smtp_security = SelectField("Szyfrowanie", choices=choices([
        ("starttls", "STARTTLS (zwykle port 587)"), ("ssl", "TLS/SSL (zwykle port 465)"),
        ("none", "brak (niezalecane)")]), default="starttls")
    smtp_user = StringField("Użytkownik", filters=[strip], validators=[max_len(200)])
    smtp_password = PasswordField("Hasło", validators=[max_len(200)])
    clear_password = BooleanField("Usuń zapisane hasło")
    smtp_sender = EmailField("Adres nadawcy", filters=[strip], validators=[
        Optional(), Email("To nie jest poprawny adres e-mail."), max_len(254)])

    def validate_smtp_host(self, field):
        if field.data:
            problem = outbound.host_problem(
                field.data, allow_private=bool(current_app.config.get("RZS_ALLOW_PRIVATE_HOSTS")))
            if problem:
                raise ValidationError(problem)

    def validate_smtp_port(self, field):
        if field.data is not None and field.data not in outbound.SMTP_PORTS:
            raise ValidationError(outbound.SMTP_PORT_MESSAGE)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends the sender's own checks when it is empty: this rule needs both fields.
        if self.smtp_host.data and not self.smtp_sender.data:
            self.smtp_sender.errors = [*self.smtp_sender.errors,
                                       "Podaj adres nadawcy dla własnego serwera SMTP."]
            valid = False
        return valid


class SmtpTestForm(PlForm):
    to = EmailField("Wyślij test na adres", filters=[strip], validators=[
        DataRequired("Podaj adres e-mail."), Email("To nie jest poprawny adres e-mail."),
        max_len(254)])


class CompanyForm(PlForm):
    """The service company's own data; its NIP identifies it in every registry and stays."""

    name = StringField("Nazwa firmy", filters=[strip],
                       validators=[DataRequired("Podaj nazwę firmy."), max_len(200)])
    street = StringField("Ulica i numer", filters=[strip], validators=[max_len(200)])
    postal_code = StringField("Kod pocztowy", filters=[strip], validators=postal_code_validators())
    city = StringField("Miejscowość", filters=[strip], validators=[max_len(100)])
    email = EmailField("E-mail", filters=[strip], validators=[
        Optional(), Email("To nie jest poprawny adres e-mail."), max_len(254)])
    phone = StringField("Telefon", filters=[strip], validators=[max_len(40)])
