"""Properties of the identifier rules (app/identifiers.py), checked on generated values."""

import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.pl import nip as stdnum_nip

from app.identifiers import (
    IdentifierError,
    mask_matches,
    normalize_factory_masks,
    normalize_factory_no,
    normalize_nip,
    normalize_unique_no,
    normalize_unique_prefixes,
)

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless

# No example database in the tree; no deadline, a slow CI machine is not a failure.
many = settings(max_examples=300, database=None, deadline=None)

ASCII_LETTERS = string.ascii_letters
DIGITS = string.digits
# Characters that fit none of # @ *: punctuation, and letters and digits outside ASCII.
NEITHER = "-/.:_ ŁąÉß٣५"
LITERALS = string.ascii_uppercase + DIGITS + "-/."


# --- factory-number masks -------------------------------------------------------------------

masks = st.text(alphabet="#@*" + LITERALS, min_size=1, max_size=16)


@st.composite
def mask_and_fitting_value(draw):
    mask = draw(masks)
    value = "".join(
        draw(st.sampled_from(DIGITS)) if m == "#"
        else draw(st.sampled_from(ASCII_LETTERS)) if m == "@"
        else draw(st.sampled_from(ASCII_LETTERS + DIGITS)) if m == "*"
        else m
        for m in mask)
    return mask, value


def _misfit(draw, m: str) -> str:
    """A character that the mask position m does not accept."""
    if m == "#":
        return draw(st.sampled_from(ASCII_LETTERS + NEITHER))
    if m == "@":
        return draw(st.sampled_from(DIGITS + NEITHER))
    if m == "*":
        return draw(st.sampled_from(NEITHER))
    return draw(st.characters(codec="utf-8").filter(lambda c: c != m))


@many
@given(mask_and_fitting_value())
def test_a_value_built_to_fit_a_mask_matches_it(pair):
    mask, value = pair
    assert mask_matches(mask, value)


@many
@given(st.data())
def test_one_broken_position_never_matches(data):
    mask, value = data.draw(mask_and_fitting_value())
    i = data.draw(st.integers(min_value=0, max_value=len(mask) - 1))
    broken = value[:i] + _misfit(data.draw, mask[i]) + value[i + 1:]
    assert not mask_matches(mask, broken)


@many
@given(st.data())
def test_a_value_of_another_length_never_matches(data):
    mask, value = data.draw(mask_and_fitting_value())
    if data.draw(st.booleans()):
        other = value + data.draw(st.text(alphabet=ASCII_LETTERS + DIGITS, min_size=1,
                                          max_size=4))
    else:
        other = value[:data.draw(st.integers(min_value=0, max_value=len(value) - 1))]
    assert not mask_matches(mask, other)


@many
@given(mask_and_fitting_value())
def test_factory_number_fitting_one_of_the_masks_is_kept_upper_case(pair):
    mask, value = pair
    assert normalize_factory_no(f" {value.lower()} ", ["XX#", mask]) == value.upper()


def test_factory_number_error_names_the_masks():
    with pytest.raises(IdentifierError, match=r"masek producenta: PO#########, NOV@@@##"):
        normalize_factory_no("PO1234", ["PO#########", "NOV@@@##"])


# --- unique numbers -------------------------------------------------------------------------

@st.composite
def unique_numbers(draw, prefix=None):
    """A valid unique number (3 letters, 8 or 10 digits) as a person might type it: any case,
    spaces anywhere. Returns (typed, expected)."""
    prefix = prefix or draw(st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3))
    digits = draw(st.sampled_from([8, 10]))
    number = prefix + draw(st.text(alphabet=DIGITS, min_size=digits, max_size=digits))
    typed = ""
    for ch in number:
        typed += draw(st.sampled_from([" ", "", "", "\t"])) + draw(
            st.sampled_from([ch.lower(), ch.upper()]))
    return typed + draw(st.sampled_from(["", " "])), number


def _valid_unique(text: str) -> bool:
    """The rule of domain.md, written independently of the implementation's regex; spaces and
    dashes typed between the characters are separators (issue 15), not part of the number."""
    compact = "".join(text.replace("-", " ").split()).upper()
    return (len(compact) in (11, 13) and all(c in string.ascii_uppercase for c in compact[:3])
            and all(c in DIGITS for c in compact[3:]))


@many
@given(unique_numbers())
def test_valid_unique_numbers_normalise_to_upper_case_without_spaces(pair):
    typed, expected = pair
    assert normalize_unique_no(typed) == expected
    assert normalize_unique_no(typed, [expected[:3].lower(), "XYZ"]) == expected


@st.composite
def malformed_unique_numbers(draw):
    letters = draw(st.sampled_from([0, 1, 2, 4, 5, 3]))
    digits = draw(st.sampled_from([0, 5, 7, 9, 11, 12, 14, 8, 10]))
    head = draw(st.text(alphabet=string.ascii_uppercase + "ŁŚ1", min_size=letters,
                        max_size=letters))
    tail = draw(st.text(alphabet=DIGITS + "O-٣", min_size=digits, max_size=digits))
    return head + tail


@many
@given(st.one_of(malformed_unique_numbers(), st.text(max_size=20)))
def test_anything_else_is_refused_as_a_unique_number(text):
    assume(not _valid_unique(text))
    with pytest.raises(IdentifierError):
        normalize_unique_no(text)


@many
@given(st.data())
def test_a_prefix_outside_the_producers_list_is_refused(data):
    prefixes = data.draw(st.lists(st.text(alphabet=string.ascii_uppercase, min_size=3,
                                          max_size=3), min_size=1, max_size=5))
    foreign = data.draw(st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3)
                        .filter(lambda p: p not in prefixes))
    typed, expected = data.draw(unique_numbers(prefix=foreign))
    with pytest.raises(IdentifierError, match=f"Prefiks {foreign} nie należy do producenta"):
        normalize_unique_no(typed, prefixes)
    assert normalize_unique_no(typed, [*prefixes, foreign]) == expected


# --- NIP ------------------------------------------------------------------------------------

@st.composite
def valid_nips(draw):
    """Ten digits that python-stdnum accepts: nine random ones and the check digit it wants."""
    first9 = draw(st.text(alphabet=DIGITS, min_size=9, max_size=9))
    fits = [first9 + d for d in DIGITS if stdnum_nip.is_valid(first9 + d)]
    assume(fits)  # about 1 in 11 prefixes has no check digit (the sum gives 10)
    return fits[0]


def _written(draw, nip: str) -> str:
    form = draw(st.sampled_from(["plain", "dashes", "dashes2", "spaces", "PL", "PL "]))
    body = {
        "plain": nip,
        "dashes": f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}",
        "dashes2": f"{nip[:3]}-{nip[3:5]}-{nip[5:7]}-{nip[7:]}",
        "spaces": f"{nip[:3]} {nip[3:6]} {nip[6:8]} {nip[8:]}",
        "PL": f"PL{nip}",
        "PL ": f"pl {nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}",
    }[form]
    return draw(st.sampled_from(["", " "])) + body + draw(st.sampled_from(["", " "]))


@many
@given(st.data())
def test_valid_nips_pass_in_every_written_form(data):
    nip = data.draw(valid_nips())
    assert normalize_nip(_written(data.draw, nip)) == nip


@many
@given(st.data())
def test_a_changed_check_digit_fails(data):
    nip = data.draw(valid_nips())
    other = data.draw(st.sampled_from([d for d in DIGITS if d != nip[-1]]))
    with pytest.raises(IdentifierError, match="błędna suma kontrolna"):
        normalize_nip(_written(data.draw, nip[:-1] + other))


def test_producer_masks_and_prefixes_from_text_or_a_list():
    assert normalize_factory_masks("po#########\n AB@@## , PO#########") == [
        "PO#########", "AB@@##"]
    assert normalize_unique_prefixes(["zbf", "ebf", "ZBF", ""]) == ["ZBF", "EBF"]
    assert normalize_unique_prefixes(None) == []
    with pytest.raises(IdentifierError, match="Prefiks to trzy litery; popraw: ZB, EBF1, ŻBF."):
        normalize_unique_prefixes("zb, ebf1, żbf")
    with pytest.raises(IdentifierError, match="najwyżej 32 znaki"):
        normalize_factory_masks(["#" * 33])
