from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from app.forms_common import (
    PlDateField,
    PlDecimalField,
    PlForm,
    at_least,
    choices,
    max_len,
    optional_id,
    present,
    strip,
)
from app.models import VAT_RATES, OrderItem

VAT = [(v, f"{v}%" if v != "zw" else "zw.") for v in VAT_RATES]
ITEM_VAT_CHOICES = choices([("", "z kartoteki"), *VAT])


def _int_or_none(value):
    return optional_id(value)


class NewOrderForm(PlForm):
    """The options of these selects come from htmx pickers; the workflow checks the ids."""

    client_id = SelectField("Klient", coerce=_int_or_none, validate_choice=False)
    location_id = SelectField("Miejsce instalacji", coerce=_int_or_none, validate_choice=False)
    device_id = SelectField("Urządzenie fiskalne", coerce=_int_or_none, validate_choice=False)
    technician_id = SelectField("Serwisant", coerce=_int_or_none, validate_choice=False)
    description = TextAreaField("Opis zlecenia (zgłoszenie klienta)", filters=[strip],
                                validators=[max_len(2000)])


class HeaderForm(PlForm):
    location_id = SelectField("Miejsce instalacji", coerce=_int_or_none, validate_choice=False)
    technician_id = SelectField("Serwisant", coerce=_int_or_none, validate_choice=False)
    started_at = DateTimeLocalField("Rozpoczęcie", format="%Y-%m-%dT%H:%M",
                                    validators=[Optional()])
    finished_at = DateTimeLocalField("Zakończenie", format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])
    description = TextAreaField("Opis zlecenia", filters=[strip], validators=[max_len(2000)])


class ItemForm(PlForm):
    service_id = SelectField("Usługa", coerce=_int_or_none, validate_choice=False)
    quantity = PlDecimalField("Ilość", places=None, default=1, column=OrderItem.quantity,
                              validators=[present("Podaj ilość."), at_least(0.001)])
    price = PlDecimalField("Cena netto", places=2, column=OrderItem.price,
                           validators=[Optional(), at_least(0)],
                           description="Pusta: cena z kartoteki usług.")
    vat_rate = SelectField("VAT", choices=ITEM_VAT_CHOICES, default="")
    performed_on = PlDateField("Data wykonania", validators=[Optional()])


class ServiceBookForm(PlForm):
    service_book = BooleanField("Wpis do książki serwisowej (wyślij do producenta)")


class BookForm(PlForm):
    fault = TextAreaField("Opis usterki", filters=[strip], validators=[max_len(4000)])
    work_done = TextAreaField("Wykonane czynności", filters=[strip], validators=[max_len(4000)])
    result = TextAreaField("Wynik i zalecenia", filters=[strip], validators=[max_len(4000)])
    seals_removed = StringField("Plomby zdjęte (numery)", filters=[strip],
                                validators=[max_len(200)])
    seals_applied = StringField("Plomby założone (numery)", filters=[strip],
                                validators=[max_len(200)])
    program_version = StringField("Wersja programu pracy", filters=[strip],
                                  validators=[max_len(60)])
    parts = TextAreaField("Wymienione części", filters=[strip], validators=[max_len(4000)])
    old_memory_no = StringField("Nr starej pamięci fiskalnej (W)", filters=[strip],
                                validators=[max_len(60)])
    new_memory_no = StringField("Nr nowej pamięci fiskalnej (W)", filters=[strip],
                                validators=[max_len(60)])
    next_inspection_on = PlDateField("Data następnego przeglądu", validators=[Optional()])


class SettleForm(PlForm):
    doc_no = StringField("Nr dokumentu rozliczenia", filters=[strip],
                         validators=[present("Podaj numer dokumentu rozliczenia."),
                                     max_len(60)])
    doc_date = PlDateField("Data dokumentu", validators=[Optional()])
