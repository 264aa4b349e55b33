"""The input rules of issue 15: one normaliser per kind of number (app/identifiers.py), one
reader of typed days (app/days.py), a length limit that refuses instead of cutting
(app/forms_common.py)."""

from datetime import date
from types import SimpleNamespace

import pytest
from wtforms.validators import ValidationError

from app import days
from app.forms_common import max_len
from app.identifiers import (
    POSTAL_CODE_MESSAGE,
    IdentifierError,
    normalize_factory_no,
    normalize_postal_code,
    normalize_unique_no,
)


@pytest.mark.parametrize("typed", ["99100", "99 100", "99-100", " 99-100 ", "99\u00a0100",
                                   "99 - 100"])
def test_a_postal_code_typed_any_way_is_stored_as_00_000(typed):
    assert normalize_postal_code(typed) == "99-100"


def test_no_postal_code_stays_none():
    assert normalize_postal_code("") == "" and normalize_postal_code("  ") == ""


@pytest.mark.parametrize("typed", ["9910", "991000", "99-1000", "ab-cde", "99/100", "99.100",
                                   "٩٩١٠٠", "99-10O"])
def test_what_cannot_be_a_polish_postal_code_is_refused(typed):
    with pytest.raises(IdentifierError, match="Kod pocztowy to 5 cyfr"):
        normalize_postal_code(typed)
    assert "99-100" in POSTAL_CODE_MESSAGE


@pytest.mark.parametrize("typed", ["po 261 122 334", "PO-261-122-334", "po261122334",
                                   " p o 2 6 1 1 2 2 3 3 4 "])
def test_a_factory_number_loses_the_separators_its_mask_has_not(typed):
    assert normalize_factory_no(typed, ["PO#########"]) == "PO261122334"


def test_a_factory_number_gets_the_separators_its_mask_has():
    for typed in ("ab 123456", "AB-123456", "ab-12 34-56", "AB123456"):
        assert normalize_factory_no(typed, ["AB-######"]) == "AB-123456"
    # The first mask it fits decides.
    assert normalize_factory_no("12/34", ["@@####", "##/##"]) == "12/34"
    assert normalize_factory_no("1234", ["@@####", "##/##"]) == "12/34"


def test_a_factory_number_that_fits_no_mask_is_still_refused():
    for typed in ("po 261 122 33", "po 261 122 3345", "xo 261 122 334"):
        with pytest.raises(IdentifierError, match="nie pasuje do masek"):
            normalize_factory_no(typed, ["PO#########"])


def test_without_masks_a_factory_number_is_upper_case_without_spaces():
    # A dash may belong to such a number: only the spaces go.
    assert normalize_factory_no("ab 12-34 ", None) == "AB12-34"
    with pytest.raises(IdentifierError, match="najwyżej 32"):
        normalize_factory_no("1" * 33, ["#" * 33])


def test_a_unique_number_loses_spaces_and_dashes_alike():
    assert normalize_unique_no("zbf 180-100-7587") == "ZBF1801007587"


@pytest.mark.parametrize(("typed", "day"), [
    ("2026-12-31", date(2026, 12, 31)), ("31.12.2026", date(2026, 12, 31)),
    ("1.2.2026", date(2026, 2, 1)), ("01,02,2026", date(2026, 2, 1)),
    ("29.02.2028", date(2028, 2, 29)), ("", None), ("  ", None)])
def test_read_day_reads_what_people_type(typed, day):
    assert days.read_day(typed) == day


@pytest.mark.parametrize("typed", ["31.02.2026", "29.02.2027", "2026-02-31", "31.04.2026",
                                   "00.01.2026", "15.13.2026"])
def test_an_impossible_day_is_an_error_never_no_date(typed):
    with pytest.raises(days.DayError, match=f"Nie ma takiego dnia: {typed}"):
        days.read_day(typed)
    assert days.parse_day(typed) is None  # filters: an unreadable day leaves the range open


def test_text_that_is_no_date_says_how_to_type_one():
    with pytest.raises(days.DayError, match="Podaj datę, np. 31.12.2026"):
        days.read_day("wczoraj")


def test_a_length_limit_refuses_and_names_what_was_typed():
    check = max_len(200)
    check(None, SimpleNamespace(data="x" * 200))
    with pytest.raises(ValidationError, match="Najwyżej 200 znaków, wpisano 500"):
        check(None, SimpleNamespace(data="x" * 500))
    assert check.field_flags == {"limit": 200}  # said beside the field, no maxlength attribute
    assert max_len(16, said=False).field_flags == {}
    with pytest.raises(ValidationError, match="Najwyżej 22 znaki, wpisano 23"):
        max_len(22)(None, SimpleNamespace(data="x" * 23))
