"""Validators and fields with Polish messages, shared by every form."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


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


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them."""
    return [SelectChoice(value, label) for value, label in pairs]
