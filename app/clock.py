"""The one clock: the UTC instant and the Warsaw business date.

Every "now" and every "today" in Plomba comes from here, so the tests can set the time (and a
CI run can live on 2 January 2027) without touching the code that reads it. A business date is
the calendar day in Poland: an order closed at 00:30 on 1 January Warsaw time belongs to the
new year, although it is still 31 December in UTC.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")

# The clock runs at real speed; a set clock is the real one shifted by this much, so durations,
# timeouts and back-off still behave while the dates are the ones a test asked for.
_offset = timedelta(0)

# A test run (and the processes it starts: the worker, the web server) may set the instant
# through the environment; anything else ignores it, so production cannot be tricked.
TEST_NOW_ENV = "PLOMBA_TEST_NOW"


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC) + _offset


def today() -> date:
    """The business date: today's calendar day in Warsaw."""
    return now().astimezone(WARSAW).date()


def business_date(moment: datetime) -> date:
    """The Warsaw calendar day of an instant."""
    return moment.astimezone(WARSAW).date()


def set_now(moment: datetime | None) -> None:
    """Make `now()` start at `moment` and run on from there; None goes back to the real time."""
    global _offset
    if moment is None:
        _offset = timedelta(0)
        return
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use an aware one")
    _offset = moment - datetime.now(UTC)


@contextmanager
def shifted_to(moment: datetime) -> Iterator[None]:
    """Within the block the clock starts at `moment`; afterwards it is as it was."""
    global _offset
    saved = _offset
    set_now(moment)
    try:
        yield
    finally:
        _offset = saved


def parse_instant(text: str) -> datetime:
    """An ISO date or date-time; a bare date means 10:00 Warsaw time that day."""
    if "T" not in text and " " not in text:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(),
                                tzinfo=WARSAW).replace(hour=10)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=WARSAW)


def _from_environment() -> None:
    text = os.environ.get(TEST_NOW_ENV)
    if text and os.environ.get("PLOMBA_ENV") == "testing":
        set_now(parse_instant(text))


_from_environment()
