from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import ValidationError

from app.extensions import db
from app.forms_common import PlDateField, PlForm, choices, max_len, present, required, strip
from app.models import DeviceKind, Party, Role, Technician, User

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

    def _taken(self, column, value) -> Technician | None:
        stmt = select(Technician).where(column == value)
        if self._technician_id is not None:
            stmt = stmt.where(Technician.id != self._technician_id)
        return db.session.scalar(stmt.limit(1))

    def validate_identifier(self, field):
        other = self._taken(Technician.identifier, field.data)
        if other:
            raise ValidationError(f"Ten identyfikator ma już serwisant {other.name}.")

    def validate_seal_no(self, field):
        other = self._taken(Technician.seal_no, field.data)
        if other:
            raise ValidationError(f"Ten numer plomby ma już serwisant {other.name}.")

    def validate_user_id(self, field):
        if field.data is None:
            return
        other = self._taken(Technician.user_id, field.data)
        if other:
            raise ValidationError(f"To konto jest już przypisane do serwisanta {other.name}.")


class AuthorisationForm(PlForm):
    producer_id = SelectField("Producent", coerce=_int_or_none,
                              validators=[present("Wybierz producenta.")])
    device_kind = SelectField("Rodzaj urządzeń", choices=DEVICE_KIND_CHOICES, default="")
    expires_on = PlDateField("Ważne do", validators=[present("Podaj datę ważności uprawnień.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        producers = db.session.scalars(
            select(Party).where(Party.is_producer.is_(True)).order_by(Party.name, Party.id)
        )
        self.producer_id.choices = choices([("", "— wybierz —")]
                                           + [(p.id, p.name) for p in producers])
