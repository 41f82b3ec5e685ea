"""The working-day calendar behind the 90-day standard period."""

import datetime

from notifications import calendar

D = datetime.date


def test_weekends_national_holidays_and_the_year_end_closure_are_not_working_days():
    assert calendar.is_working_day(D(2026, 4, 28)) is True  # Tuesday
    assert calendar.is_working_day(D(2026, 5, 2)) is False  # Saturday
    assert calendar.is_working_day(D(2026, 4, 29)) is False  # Shōwa Day
    assert calendar.is_working_day(D(2026, 5, 6)) is False  # substitute holiday
    assert calendar.is_working_day(D(2026, 12, 29)) is False  # offices closed, a Tuesday
    assert calendar.is_working_day(D(2027, 1, 4)) is True  # first working day of 2027


def test_golden_week_2026_stretches_a_deadline():
    # Thu 30 Apr and Fri 1 May are working days; 2–6 May are a weekend and three holidays
    # (Constitution Day falls on Sunday, so Wednesday 6 May is its substitute).
    assert calendar.add_working_days(D(2026, 4, 28), 1) == D(2026, 4, 30)
    assert calendar.add_working_days(D(2026, 4, 30), 2) == D(2026, 5, 7)
    assert calendar.working_days_between(D(2026, 5, 1), D(2026, 5, 7)) == 1
    assert [
        d.day for d in map(D, [2026] * 7, [5] * 7, range(1, 8)) if calendar.is_working_day(d)
    ] == [
        1,
        7,
    ]


def test_the_year_end_closure_and_new_year_holidays():
    # Mon 28 Dec 2026 is the last working day; 29 Dec – 3 Jan closed; Mon 4 Jan 2027 opens.
    assert calendar.add_working_days(D(2026, 12, 28), 1) == D(2027, 1, 4)
    assert calendar.working_days_between(D(2026, 12, 25), D(2027, 1, 4)) == 2
    # Coming of Age Day (second Monday of January 2027) is a holiday too.
    assert calendar.is_working_day(D(2027, 1, 11)) is False
    assert calendar.add_working_days(D(2027, 1, 8), 1) == D(2027, 1, 12)


def test_the_standard_period_is_ninety_working_days():
    opened = D(2026, 11, 2)
    due = calendar.standard_due_date(opened)
    assert calendar.working_days_between(opened, due) == 90
    assert calendar.is_working_day(due) is True
    # 90 working days is far more than 90 calendar days once weekends and the year end count.
    # Counted by hand: 2026-11-03 and 11-23, 29 Dec – 3 Jan, 2027-01-11, 02-11 and 02-23 are off.
    assert due == D(2027, 3, 19)


def test_counting_is_inverse_and_antisymmetric():
    start = D(2026, 4, 24)
    for days in (0, 1, 5, 10, 30, 90):
        end = calendar.add_working_days(start, days)
        assert calendar.working_days_between(start, end) == days
        assert calendar.working_days_between(end, start) == -days
    assert calendar.add_working_days(D(2026, 5, 7), -2) == D(2026, 4, 30)
    assert calendar.add_working_days(start, 0) == start
