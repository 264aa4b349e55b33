"""Days and ranges of days as users type them: the forms' date fields, the list filters'
"od"/"do", the batch send's range, the report forms. One parser and one rule for a range, so
every screen reads a date the same way (from `<input type=date>` or typed the Polish way) and
refuses a reversed range alike; and the one month arithmetic (inspections, report ranges, the
demo's history)."""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime

from app.bounds import day_in_range
from app.formatting import day_range

FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
SHOWN = "%d.%m.%Y"  # how a form shows a day back (what users type)
REVERSED = "Data końcowa nie może być wcześniejsza niż początkowa."
NOT_A_DATE = "Podaj datę, np. 31.12.2026."
# 2026-12-31, or day, month, year the Polish way; a phone's numeric keypad may give a comma,
# and people type slashes or spaces too.
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_POLISH = re.compile(r"^(\d{1,2})[.,/ ](\d{1,2})[.,/ ](\d{4})$")


class DayError(ValueError):
    """Text that is no day; the message is for the user, in Polish."""


def read_day(raw: str | None) -> date | None:
    """The day typed in `raw`, None when nothing was typed; DayError for text that is not a
    date, and for one that does not exist (31.02.2026), which must never pass for "no date"."""
    text = (raw or "").strip()
    if not text:
        return None
    if match := _ISO.match(text):
        year, month, day = match.groups()
    elif match := _POLISH.match(text):
        day, month, year = match.groups()
    else:
        raise DayError(NOT_A_DATE)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise DayError(f"Nie ma takiego dnia: {text}. Sprawdź dzień i miesiąc.") from None


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), on that month's last day when it is shorter
    (31 Jan + 1 month = 28/29 Feb)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


def parse_day(raw: str | None) -> date | None:
    """The day in `raw` (2026-12-31 or 31.12.2026), None when empty, not a date, or outside the
    days users may type (bounds.DAY_MIN..DAY_MAX: 9999-12-31 has no next day to end a range)."""
    try:
        day = read_day(raw)
    except DayError:
        return None
    return day if day_in_range(day) else None


@dataclass(frozen=True)
class DayRange:
    """From..to inclusive; either end may be open."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args, start_key: str = "from", end_key: str = "to") -> "DayRange":
        """The range in a query string or form (`args.get`); an unreadable day is open."""
        return cls(parse_day(args.get(start_key)), parse_day(args.get(end_key)))

    @property
    def problem(self) -> str | None:
        return range_problem(self.start, self.end)

    def instants(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) as instants of the Polish days, for a timestamp column."""
        return day_range(self.start, self.end)


def range_problem(start: date | None, end: date | None) -> str | None:
    if start is not None and end is not None and end < start:
        return REVERSED
    return None
