from wtforms import SelectField, StringField

from app.devices.rules import MODEL_MAX, REGISTRATION_NO_MAX, DeviceInput
from app.forms_common import PlDateField, PlForm, choices, max_len, optional_id, strip
from app.models import DeviceKind, DeviceStatus

KIND_CHOICES = choices((k.value, k.label) for k in DeviceKind)
STATUS_CHOICES = choices((s.value, s.label) for s in DeviceStatus)
INTERVAL_CHOICES = choices([(24, "co 24 miesiące"), (12, "co 12 miesięcy")])


class DeviceForm(PlForm):
    """Parses what was typed; the rules (app/devices/rules.py) decide what may be saved, so the
    API and the inline checks give the same messages."""

    kind = SelectField("Rodzaj", choices=KIND_CHOICES, default=DeviceKind.REGISTER.value)
    # The rules refuse a longer model or number too; these say the limit beside the field.
    model = StringField("Model", filters=[strip], validators=[max_len(MODEL_MAX)])
    producer_id = SelectField("Producent", coerce=optional_id, validate_choice=False)
    factory_no = StringField("Nr fabryczny", filters=[strip],
                             render_kw={"autocomplete": "off", "spellcheck": "false"})
    unique_no = StringField("Nr unikatowy", filters=[strip],
                            render_kw={"autocomplete": "off", "spellcheck": "false",
                                       "placeholder": "np. ABC1234567890"})
    registration_no = StringField("Nr ewidencyjny", filters=[strip],
                                  validators=[max_len(REGISTRATION_NO_MAX)],
                                  render_kw={"placeholder": "np. 2018/000003892"})
    client_id = SelectField("Podatnik", coerce=optional_id, validate_choice=False)
    location_id = SelectField("Miejsce instalacji", coerce=optional_id, validate_choice=False)
    status = SelectField("Status", choices=STATUS_CHOICES, default=DeviceStatus.NEW.value)
    fiscalized_on = PlDateField("Data fiskalizacji")
    liquidated_on = PlDateField("Data likwidacji")
    inspection_interval_months = SelectField("Przegląd techniczny", coerce=int,
                                             choices=INTERVAL_CHOICES, default=24)
    last_inspection_on = PlDateField("Data ostatniego przeglądu")

    def to_input(self) -> DeviceInput:
        return DeviceInput(
            kind=self.kind.data, model=self.model.data or "",
            producer_id=self.producer_id.data, factory_no=self.factory_no.data or "",
            unique_no=self.unique_no.data or "", registration_no=self.registration_no.data or "",
            client_id=self.client_id.data, location_id=self.location_id.data,
            status=self.status.data, fiscalized_on=self.fiscalized_on.data,
            liquidated_on=self.liquidated_on.data,
            inspection_interval_months=self.inspection_interval_months.data,
            last_inspection_on=self.last_inspection_on.data,
        )
