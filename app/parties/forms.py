from urllib.parse import urlsplit

from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import Email, Optional, ValidationError

from app.forms_common import PlForm, max_len, required, strip
from app.identifiers import IdentifierError, normalize_nip, normalize_regon

POSTAL_HINT = "Kod pocztowy w formacie 00-000."


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
        value = field.data or ""
        if value and not (len(value) == 6 and value[2] == "-"
                          and (value[:2] + value[3:]).isdigit()):
            raise ValidationError(POSTAL_HINT)


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


class LocationForm(AddressMixin, PlForm):
    name = StringField("Nazwa miejsca (np. sklep, oddział)", filters=[strip],
                       validators=[max_len(200)])
    street = StringField("Ulica i numer", filters=[strip],
                         validators=[required("Podaj ulicę i numer."), max_len(200)])
    postal_code = StringField("Kod pocztowy", filters=[strip],
                              validators=[required("Podaj kod pocztowy."), max_len(10)])
    city = StringField("Miejscowość", filters=[strip],
                       validators=[required("Podaj miejscowość."), max_len(100)])


class ProducerForm(AddressMixin, PlForm):
    name = StringField("Nazwa", filters=[strip],
                       validators=[required("Podaj nazwę producenta."), max_len(200)])
    nip = _nip_field()
    email = EmailField("E-mail", filters=[strip], validators=[
        Optional(), Email("To nie jest poprawny adres e-mail."), max_len(254)])
    phone = StringField("Telefon", filters=[strip], validators=[max_len(40)])

    def validate_nip(self, field):
        validate_nip_value(field)


def _lines(text: str) -> list[str]:
    parts = (text or "").replace(",", "\n").splitlines()
    seen: list[str] = []
    for part in (p.strip().upper() for p in parts):
        if part and part not in seen:
            seen.append(part)
    return seen


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
        masks = _lines(field.data)
        for mask in masks:
            if len(mask) > 32:
                raise ValidationError(f"Maska {mask} jest za długa (najwyżej 32 znaki).")
        field.data = masks

    def validate_unique_prefixes(self, field):
        prefixes = _lines(field.data)
        bad = [p for p in prefixes if len(p) != 3 or not p.isascii() or not p.isalpha()]
        if bad:
            raise ValidationError(f"Prefiks to trzy litery; popraw: {', '.join(bad)}.")
        field.data = prefixes

    def validate_api_url(self, field):
        if not field.data:
            return
        parts = urlsplit(field.data)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValidationError("Podaj pełny adres, np. https://rzs.producent.pl/api.")
