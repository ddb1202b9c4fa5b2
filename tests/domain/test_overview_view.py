"""Which Overviews are counted ahead: every Overview reader's clinics together, each clinic alone
for a reader of several, in the reader's calendar, for every named period, each once."""

from __future__ import annotations

from datetime import date

from domain.calendars import Calendar
from domain.overview import Period
from domain.overview_view import OverviewReader, named_periods, standing_overviews
from domain.report_periods import PeriodChoice, chosen_period

AS_OF = date(2026, 11, 2)
G, J = Calendar.GREGORIAN, Calendar.JALALI


def test_every_named_period_once() -> None:
    periods = named_periods(AS_OF, G)
    assert periods == tuple(chosen_period(choice, AS_OF, G) for choice in PeriodChoice)
    assert Period(date(2026, 10, 1), date(2026, 10, 31)) in periods  # last month
    # On 30 November "this month so far" and "last 30 days" are the same days: counted once.
    assert chosen_period(PeriodChoice.THIS_MONTH, date(2026, 11, 30), G) == chosen_period(
        PeriodChoice.LAST_30_DAYS, date(2026, 11, 30), G)
    assert len(named_periods(date(2026, 11, 30), G)) == len(PeriodChoice) - 1


def test_solar_hijri_periods_follow_solar_hijri_months() -> None:
    last_month = chosen_period(PeriodChoice.LAST_MONTH, AS_OF, J)
    assert last_month in named_periods(AS_OF, J)
    assert last_month not in named_periods(AS_OF, G)  # Mehr ends on 22 October


def test_readers_clinics_together_and_alone_each_once() -> None:
    readers = [
        OverviewReader((2, 1), G),  # a supervisor of two clinics
        OverviewReader((1,), G),  # a case team member of one: the same as a part above
        OverviewReader((1, 2), J),  # a supervisor who reads Solar Hijri dates
        OverviewReader((), G),  # a reader of no clinic: nothing to count
    ]
    standing = standing_overviews(readers, AS_OF)
    assert [(s.clinic_ids, s.calendar) for s in standing] == [
        ((1, 2), G), ((1, 2), J),  # the largest first: what most readers open
        ((1,), G), ((1,), J), ((2,), G), ((2,), J),
    ]
    assert all(s.periods == named_periods(AS_OF, s.calendar) for s in standing)


def test_no_readers_nothing_to_count() -> None:
    assert standing_overviews([], AS_OF) == []
