from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from app import clock
from app.forms_common import PlDateField, PlForm, max_len, optional_id, present, strip
from app.inspections.reminders import MAX_DAYS

DAYS = [Optional(), NumberRange(min=1, max=MAX_DAYS,
                                message=f"Podaj liczbę dni od 1 do {MAX_DAYS}.")]


class ReminderSettingsForm(PlForm):
    days_first = IntegerField("Pierwsze przypomnienie: dni przed terminem", validators=DAYS)
    days_second = IntegerField("Drugie przypomnienie (opcjonalne): dni przed terminem",
                               validators=DAYS)
    subject = StringField("Temat", filters=[strip], validators=[max_len(200)])
    body = TextAreaField("Treść", filters=[strip], validators=[max_len(4000)],
                         render_kw={"rows": 10})


class CreateOrdersForm(PlForm):
    technician_id = SelectField("Serwisant", coerce=optional_id, validate_choice=False)
    planned_on = PlDateField("Planowany dzień wizyty",
                             validators=[present("Podaj planowany dzień wizyty.")],
                             default=clock.today)
