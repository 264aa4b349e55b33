"""Validators and fields with Polish messages, shared by every form."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app import days


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


class PlForm(FlaskForm):
    """Every Plomba form: WTForms' own messages in Polish."""

    class Meta:
        locales = ["pl"]


class PlDecimalField(DecimalField):
    """Accepts the Polish decimal comma and spaces between thousands: `1 250,50`."""

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
