from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import ValidationError

from app.extensions import db
from app.forms_common import PlDateField, PlForm, choices, max_len, present, required, strip
from app.models import DeviceKind, Role, Technician, User
from app.parties import queries as party_queries
from app.technicians.service import TechnicianData, holder

DEVICE_KIND_CHOICES = choices([("", "wszystkie")] + [(k.value, k.label) for k in DeviceKind])


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class TechnicianForm(PlForm):
    name = StringField("Imię i nazwisko", filters=[strip],
                       validators=[required("Podaj imię i nazwisko serwisanta."), max_len(200)])
    identifier = StringField("Identyfikator", filters=[strip],
                             validators=[required("Podaj identyfikator serwisanta."), max_len(20)])
    seal_no = StringField("Nr plomby", filters=[strip],
                          validators=[required("Podaj numer plomby."), max_len(32)])
    user_id = SelectField("Konto użytkownika", coerce=_int_or_none)
    active = BooleanField("Aktywny (do wyboru w zleceniach)", default=True)

    def __init__(self, *args, technician: Technician | None = None, **kwargs):
        super().__init__(*args, obj=technician, **kwargs)
        self._technician_id = technician.id if technician else None
        users = db.session.scalars(
            select(User).where(User.role == Role.TECHNICIAN.value).order_by(User.email)
        )
        self.user_id.choices = choices(
            [("", "brak")] + [(u.id, f"{u.name} ({u.email})" if u.name else u.email)
                              for u in users]
        )

    # Checked while the form is validated, so every field's problem shows at once and names
    # the holder; the database's constraints stand behind them (the service names the field).
    # The account link has no constraint: the service checks it.
    def validate_identifier(self, field):
        other = holder("identifier", field.data, self._technician_id)
        if other:
            raise ValidationError(f"Ten identyfikator ma już serwisant {other.name}.")

    def validate_seal_no(self, field):
        other = holder("seal_no", field.data, self._technician_id)
        if other:
            raise ValidationError(f"Ten numer plomby ma już serwisant {other.name}.")

    def to_data(self) -> TechnicianData:
        return TechnicianData(name=self.name.data, identifier=self.identifier.data,
                              seal_no=self.seal_no.data, user_id=self.user_id.data,
                              active=self.active.data)


class AuthorisationForm(PlForm):
    producer_id = SelectField("Producent", coerce=_int_or_none,
                              validators=[present("Wybierz producenta.")])
    device_kind = SelectField("Rodzaj urządzeń", choices=DEVICE_KIND_CHOICES, default="")
    expires_on = PlDateField("Ważne do", validators=[present("Podaj datę ważności uprawnień.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        producers = party_queries.producers()
        self.producer_id.choices = choices([("", "— wybierz —")]
                                           + [(p.id, p.name) for p in producers])
