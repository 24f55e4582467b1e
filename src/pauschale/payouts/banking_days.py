"""Days on which SEPA credit transfers are settled (TARGET2 business days)."""

from datetime import date, timedelta


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def is_target_day(day: date) -> bool:
    """Whether TARGET2, and with it SEPA clearing, is open on this day.

    Closed on weekends, 1 January, Good Friday, Easter Monday, 1 May and
    25/26 December. Regional holidays do not stop SEPA transfers.
    """
    if day.weekday() >= 5:
        return False
    if (day.month, day.day) in {(1, 1), (5, 1), (12, 25), (12, 26)}:
        return False
    easter = easter_sunday(day.year)
    return day not in {easter - timedelta(days=2), easter + timedelta(days=1)}


def execution_date(today: date, days_after: int) -> date:
    """``days_after`` calendar days after ``today``, moved on to a TARGET2 day."""
    day = today + timedelta(days=days_after)
    while not is_target_day(day):
        day += timedelta(days=1)
    return day
