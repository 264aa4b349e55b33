"""The device rules without the web: the next inspection date."""

from datetime import date

import pytest

from app.devices.inspection import next_inspection_due


@pytest.mark.parametrize(("last", "months", "due"), [
    (date(2024, 5, 14), 24, date(2026, 5, 14)),
    (date(2024, 5, 14), 12, date(2025, 5, 14)),
    (date(2023, 11, 30), 12, date(2024, 11, 30)),
    (date(2023, 12, 31), 1, date(2024, 1, 31)),
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2024, 3, 31), 1, date(2024, 4, 30)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 24, date(2026, 2, 28)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2024, 8, 31), 18, date(2026, 2, 28)),
])
def test_next_inspection_is_months_later_on_the_same_day_or_the_months_last(last, months, due):
    assert next_inspection_due(last, months) == due


def test_no_last_inspection_no_due_date():
    assert next_inspection_due(None, 24) is None
