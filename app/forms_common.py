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
from wtforms.widgets import TextInput

from app import bounds, days
from app.formatting import plural
from app.identifiers import IdentifierError, normalize_postal_code


def required(message: str = "To pole jest wymagane."):
    return DataRequired(message)


def present(message: str = "To pole jest wymagane."):
    return InputRequired(message)


class MaxLength(Length):
    """At most `max` characters, refused with a message at the field, never cut. It gives the
    input no `maxlength` attribute (WTForms' Length would): a browser cuts a longer paste to it
    without a word. The limit is said beside the field instead (`flags.limit`, read by
    templates/_form.html) when `said`; formatted values (NIP, postal code) say their format."""

    def __init__(self, n: int, said: bool = True):
        super().__init__(max=n)
        self.field_flags = {"limit": n} if said else {}

    def __call__(self, form, field):
        length = len(field.data or "")
        if length > self.max:
            raise ValidationError(limit_message(self.max, length))


def limit_message(limit: int, length: int) -> str:
    return (f"Najwyżej {limit} {plural(limit, 'znak', 'znaki', 'znaków')}, wpisano {length}. "
            "Skróć tekst.")


def max_len(n: int, said: bool = True):
    return MaxLength(n, said)


def at_least(n):
    return NumberRange(min=n, message=f"Wartość nie może być mniejsza niż {n}.")


optional = Optional


def normalized(normalize):
    """A validator that stores the identifier rule's form of the value (app/identifiers.py:
    "99100" becomes "99-100") or puts the rule's message at the field."""

    def validator(_form, field):
        try:
            field.data = normalize(field.data or "")
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None

    return validator


def postal_code_validators(*before) -> list:
    """A postal code field's checks: `before` (e.g. required), then 00-000 from any typing."""
    return [*before, max_len(10, said=False), normalized(normalize_postal_code)]


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
    """A day typed the Polish way (31.12.2026; 2026-12-31 too), read by app/days.py. A text
    input, not `<input type=date>`: a browser's date input sends nothing for 31.02.2026, so an
    impossible day would pass for "no date" (an optional one silently dropped, a required one
    blanked). Here it is an error at the field and the typed text stays in the input. An empty
    input is no date and no error: make it mandatory with `present()`, not `required()`, which
    would replace the message about a wrong date with its own."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", list(days.FORMATS))
        # A phone shows digits and its decimal separator (a comma in Polish): days.read_day
        # takes 31,12,2026 as well.
        render_kw = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "DD.MM.RRRR",
                     **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime(days.SHOWN) if self.data else ""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist = [v.strip() for v in valuelist]
        if not valuelist:
            return
        self.data = None
        try:
            self.data = days.read_day(valuelist[0])
        except days.DayError as exc:
            raise ValueError(str(exc)) from None


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them."""
    return [SelectChoice(value, label) for value, label in pairs]
