"""What a value from outside may be so that both databases store and compare it.

SQLite and PostgreSQL draw their limits in different places: SQLite refuses integers past 64
bits while binding (OverflowError), PostgreSQL refuses them and every numeric past its column's
precision when the statement runs, and NUL in text; SQLite stores 1e30 in a Numeric(12, 2)
column and then cannot read it back (decimal.InvalidOperation). Checking against one set of
limits here, before a value reaches a query, makes both behave the same: a message or a 404,
never a 500. The limits come from the columns themselves, so a migration that widens a column
widens the check.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

# Every id and integer column is an Integer: 32 bits on PostgreSQL (SQLite would take 64). The
# narrower bound holds on both; tests/web/test_inputs.py fails when a BigInteger column appears.
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

# Days a user may type: wide enough for any fiscal device's life, narrow enough that a day
# plus one, or midnight in Warsaw as UTC, stays a valid date and datetime everywhere.
DAY_MIN = date(1900, 1, 1)
DAY_MAX = date(2100, 12, 31)
DAY_MESSAGE = "Podaj datę z zakresu 01.01.1900–31.12.2100."

# C0 control characters but tab, LF and CR: invisible, and PostgreSQL refuses NUL in text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def int_or_none(value) -> int | None:
    """An integer that fits an Integer column, or None for anything else."""
    if isinstance(value, bool):
        return None
    if not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            return None
    return value if INT_MIN <= value <= INT_MAX else None


def day_in_range(day: date | None) -> bool:
    return day is None or DAY_MIN <= day <= DAY_MAX


def clamp_day(day: date) -> date:
    """The day, moved to the nearest end of the range when it is outside (a filter "from year
    1" means "from the start")."""
    return min(max(day, DAY_MIN), DAY_MAX)


def clean_text(value: str) -> str:
    """Text without control characters (tab and line breaks stay)."""
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


def numeric_limits(column) -> tuple[Decimal, int]:
    """(the smallest magnitude that does not fit, decimal places) of a Numeric(p, s) column:
    Numeric(12, 2) holds less than 10**10 with 2 places."""
    column_type = getattr(column, "type", column)
    precision, scale = column_type.precision, column_type.scale or 0
    return Decimal(10) ** (precision - scale), scale


def numeric_problem(value: Decimal | None, column) -> str | None:
    """Why `value` cannot be stored in the Numeric column, in Polish; None when it can."""
    if value is None:
        return None
    if not isinstance(value, Decimal):  # a field's default (0), not typed by anyone
        value = Decimal(str(value))
    if not value.is_finite():
        return "Podaj liczbę, np. 150,00."
    too_big, places = numeric_limits(column)
    try:
        stored = value.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # more digits than the decimal context holds: far too big
        stored = None
    if stored is None or abs(stored) >= too_big:
        largest = f"{too_big - Decimal(1).scaleb(-places):,.{places}f}"
        return f"Najwyżej {largest.replace(',', ' ').replace('.', ',')}."
    if value != stored:
        return f"Najwyżej {places} miejsca po przecinku." if places else "Podaj liczbę całkowitą."
    return None
