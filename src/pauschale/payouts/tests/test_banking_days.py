from datetime import date

import pytest

from pauschale.payouts.banking_days import easter_sunday, execution_date, is_target_day


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2023, date(2023, 4, 9)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20))],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("today", "days_after", "expected"),
    [
        (date(2023, 3, 20), 1, date(2023, 3, 21)),  # Monday -> Tuesday
        (date(2023, 3, 24), 1, date(2023, 3, 27)),  # Friday -> Monday
        (date(2023, 4, 6), 1, date(2023, 4, 11)),  # Good Friday to Easter Monday
        (date(2023, 12, 22), 1, date(2023, 12, 27)),  # Christmas
        (date(2023, 4, 28), 3, date(2023, 5, 2)),  # 1 May
        (date(2023, 3, 20), 0, date(2023, 3, 20)),
    ],
)
def test_execution_date_is_the_next_target_day(today, days_after, expected):
    assert execution_date(today, days_after) == expected


def test_regional_holidays_do_not_stop_transfers():
    assert is_target_day(date(2023, 10, 3))  # Tag der Deutschen Einheit
