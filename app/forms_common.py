"""Validators and fields with Polish messages, shared by every form."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeField, DecimalField
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from app import bounds, days


def required(message: str = "To pole jest wymagane."):
    return DataRequired(message)


def present(message: str = "To pole jest wymagane."):
    return InputRequired(message)


def max_len(n: int):
    return Length(max=n, message=f"Najwyżej {n} znaków.")


def at_least(n):
    return NumberRange(min=n, message=f"Wartość nie może być mniejsza niż {n}.")


optional = Optional


def strip(value):
    """Trim text; a field missing from the request becomes "" (columns hold text, not NULL)."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


def upper_strip(value):
    return value.strip().upper() if isinstance(value, str) else value


def optional_id(value) -> int | None:
    """A record id from a select (coerce=): anything else, a 2**64 too, is "nothing chosen"."""
    return bounds.int_or_none(value)


def within_day_range(_form, field) -> None:
    """Every date and date-time field of every PlForm: a day both databases and the day
    arithmetic (day_range, next inspection) can take."""
    day = field.data
    if day is None:
        return
    if not bounds.day_in_range(day.date() if hasattr(day, "date") else day):
        # Stop: the form's own checks (a range of at most 5 years...) cannot take such a day.
        raise StopValidation(bounds.DAY_MESSAGE)


class PlForm(FlaskForm):
    """Every Plomba form: WTForms' own messages in Polish, and every date field bounded (the
    text fields get their control characters removed with the request: app/inputs.py)."""

    class Meta:
        locales = ["pl"]

        def bind_field(self, form, unbound_field, options):
            field = DefaultMeta.bind_field(self, form, unbound_field, options)
            if isinstance(field, DateTimeField | DateField):
                field.validators = [*field.validators, within_day_range]
            return field


class PlDecimalField(DecimalField):
    """Accepts the Polish decimal comma and spaces between thousands: `1 250,50`. `column` is
    the Numeric(p, s) column the value goes to: a value it cannot hold (10**10 in Numeric(12, 2),
    a fourth decimal place in Numeric(10, 3)) is refused here, with the column's own limit."""

    def __init__(self, label=None, validators=None, *, column, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.column = column

    def pre_validate(self, form):
        problem = bounds.numeric_problem(self.data, self.column)
        if problem:
            raise ValidationError(problem)

    def process_formdata(self, valuelist):
        if valuelist:
            raw = valuelist[0].replace("\xa0", "").replace(" ", "").replace(",", ".")
            if not raw:
                self.data = None
                return
            try:
                self.data = Decimal(raw)
            except InvalidOperation:
                self.data = None
                raise ValueError("Podaj liczbę, np. 150,00.") from None
            if not self.data.is_finite():
                self.data = None
                raise ValueError("Podaj liczbę, np. 150,00.")


class PlDateField(DateField):
    """A date from `<input type=date>` (RRRR-MM-DD) or typed the Polish way (31.12.2026). An empty
    input is no date and no error: make it mandatory with `present()`, not `required()`, which
    would replace the message about a wrong date with its own."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", list(days.FORMATS))
        kwargs.setdefault("invalid_value_message", "Podaj datę, np. 31.12.2026.")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.raw_data = valuelist = [v.strip() for v in valuelist]
        if valuelist and not any(valuelist):
            self.data = None
            return
        super().process_formdata(valuelist)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them."""
    return [SelectChoice(value, label) for value, label in pairs]
