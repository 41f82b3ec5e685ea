"""The ministry's working calendar: the standard processing period is counted in working days.

A working day is a weekday that is neither a national holiday (祝日, with substitute and citizens'
holidays, from ``jpholiday``) nor one of the year-end days on which government offices close,
29 December to 3 January (行政機関の休日に関する法律 第1条). Golden Week and the year-end therefore
stretch a deadline by as many days as the offices are shut.

Counting convention: the day something starts is day zero; the period ends on the n-th working day
after it (a case opened on a Friday with one working day to go is due the next Monday).
"""

import datetime
from functools import lru_cache

import jpholiday

#: The standard processing period of an application (domain.md §7), in working days.
STANDARD_PERIOD_WORKING_DAYS = 90

_YEAR_END_CLOSURE = frozenset({(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)})
_ONE_DAY = datetime.timedelta(days=1)


def is_year_end_closure(day: datetime.date) -> bool:
    return (day.month, day.day) in _YEAR_END_CLOSURE


@lru_cache(maxsize=8192)
def is_working_day(day: datetime.date) -> bool:
    if day.weekday() >= 5:
        return False
    if is_year_end_closure(day):
        return False
    return not jpholiday.is_holiday(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts).

    ``days == 0`` gives ``start`` unchanged; a negative count walks backwards.
    """
    step = _ONE_DAY if days >= 0 else -_ONE_DAY
    remaining = abs(days)
    day = start
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end]; negative when ``end`` is before ``start``.

    ``working_days_between(a, add_working_days(a, n)) == n`` for every n.
    """
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += _ONE_DAY
        if is_working_day(day):
            count += 1
    return count


def standard_due_date(opened_on: datetime.date) -> datetime.date:
    return add_working_days(opened_on, STANDARD_PERIOD_WORKING_DAYS)
