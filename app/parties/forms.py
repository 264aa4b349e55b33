from urllib.parse import urlsplit

import httpx
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import Email, Optional, ValidationError

from app.forms_common import PlForm, max_len, required, strip
from app.identifiers import (
    IdentifierError,
    normalize_factory_masks,
    normalize_nip,
    normalize_regon,
    normalize_unique_prefixes,
)
from app.parties.rules import postal_code_problem
from app.parties.service import ClientData, FactoryCheck, LocationData, PartyData


def _nip_field(label="NIP"):
    return StringField(label, filters=[strip], validators=[required("Podaj NIP."), max_len(16)])


def validate_nip_value(field) -> None:
    try:
        field.data = normalize_nip(field.data or "")
    except IdentifierError as exc:
        raise ValidationError(str(exc)) from None


class AddressMixin:
    street = StringField("Ulica i numer", filters=[strip], validators=[max_len(200)])
    postal_code = StringField("Kod pocztowy", filters=[strip], validators=[max_len(10)])
    city = StringField("Miejscowość", filters=[strip], validators=[max_len(100)])

    def validate_postal_code(self, field):
        problem = postal_code_problem(field.data)
        if problem:
            raise ValidationError(problem)


class ClientForm(AddressMixin, PlForm):
    name = StringField("Nazwa", filters=[strip],
                       validators=[required("Podaj nazwę klienta."), max_len(200)])
    nip = _nip_field()
    regon = StringField("REGON", filters=[strip], validators=[Optional(), max_len(20)])
    email = EmailField("E-mail", filters=[strip], validators=[
        Optional(), Email("To nie jest poprawny adres e-mail."), max_len(254)])
    phone = StringField("Telefon", filters=[strip], validators=[max_len(40)])
    reminder_consent = BooleanField("Zgoda na przypomnienia e-mail (np. o przeglądzie)")
    notes = TextAreaField("Uwagi", filters=[strip], validators=[max_len(2000)])

    def validate_nip(self, field):
        validate_nip_value(field)

    def validate_regon(self, field):
        try:
            field.data = normalize_regon(field.data or "")
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None

    def to_data(self) -> ClientData:
        return ClientData(**_party_values(self), regon=self.regon.data,
                          reminder_consent=self.reminder_consent.data, notes=self.notes.data)


class LocationForm(AddressMixin, PlForm):
    name = StringField("Nazwa miejsca (np. sklep, oddział)", filters=[strip],
                       validators=[max_len(200)])
    street = StringField("Ulica i numer", filters=[strip],
                         validators=[required("Podaj ulicę i numer."), max_len(200)])
    postal_code = StringField("Kod pocztowy", filters=[strip],
                              validators=[required("Podaj kod pocztowy."), max_len(10)])
    city = StringField("Miejscowość", filters=[strip],
                       validators=[required("Podaj miejscowość."), max_len(100)])

    def to_data(self) -> LocationData:
        return LocationData(name=self.name.data, street=self.street.data,
                            postal_code=self.postal_code.data, city=self.city.data)


class ProducerForm(AddressMixin, PlForm):
    name = StringField("Nazwa", filters=[strip],
                       validators=[required("Podaj nazwę producenta."), max_len(200)])
    nip = _nip_field()
    email = EmailField("E-mail", filters=[strip], validators=[
        Optional(), Email("To nie jest poprawny adres e-mail."), max_len(254)])
    phone = StringField("Telefon", filters=[strip], validators=[max_len(40)])

    def validate_nip(self, field):
        validate_nip_value(field)

    def to_data(self) -> PartyData:
        return PartyData(**_party_values(self))


def _party_values(form) -> dict:
    return {name: getattr(form, name).data
            for name in ("name", "nip", "street", "postal_code", "city", "email", "phone")}


class FactoryCheckForm(PlForm):
    """The producer's "Kontrola Nr-f." tab: number formats and the registry's API parameters."""

    factory_masks = TextAreaField(
        "Maski numerów fabrycznych",
        description="Jedna maska w wierszu: # cyfra, @ litera, * litera lub cyfra, "
                    "pozostałe znaki dosłownie, np. PO#########.")
    unique_prefixes = StringField(
        "Prefiksy numerów unikatowych", description="Trzy litery, oddzielone przecinkami, "
                                                    "np. ZBF, EBF.")
    api_url = StringField("Adres API (URL)", filters=[strip], validators=[max_len(500)])
    api_login = StringField("Login API", filters=[strip], validators=[max_len(200)])
    api_key = PasswordField("Klucz API", validators=[max_len(200)])
    clear_api_key = BooleanField("Usuń zapisany klucz")
    online = BooleanField("Online: wysyłaj dokumentację przy zamknięciu lub rozliczeniu zlecenia")

    def validate_factory_masks(self, field):
        try:
            field.data = normalize_factory_masks(field.data)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None

    def validate_unique_prefixes(self, field):
        try:
            field.data = normalize_unique_prefixes(field.data)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None

    def validate_api_url(self, field):
        if not field.data:
            return
        # Parsed the way the registry client will: urllib refuses `https://[::1` and a port
        # past 65535 with ValueError (only when .port is read), httpx with InvalidURL.
        try:
            parts = urlsplit(field.data)
            ok = (parts.scheme in ("https", "http") and bool(parts.hostname)
                  and (parts.port is None or parts.port > 0))
            httpx.URL(field.data)
        except (ValueError, httpx.InvalidURL):
            ok = False
        if not ok or any(ch.isspace() for ch in field.data):
            raise ValidationError("Podaj pełny adres, np. https://rzs.producent.pl/api.")

    def to_data(self) -> FactoryCheck:
        return FactoryCheck(
            factory_masks=self.factory_masks.data, unique_prefixes=self.unique_prefixes.data,
            api_url=self.api_url.data, api_login=self.api_login.data, online=self.online.data,
            api_key=self.api_key.data, clear_api_key=self.clear_api_key.data)
