"""The roster's extras read from the tables: the last screen as of the day and its unexpected
positives, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from data_access.models import EngagementEvent
from data_access.roster import roster_extras
from tests import builders
from tests.data_access.test_patient_signals import add_screen

AS_OF = date(2026, 11, 2)
ADMITTED = date(2026, 6, 1)


def test_last_screen_and_its_unexpected_positives(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        mixed = builders.patient(session, clinic_id, "P1", admission=ADMITTED)
        last = AS_OF - timedelta(days=3)
        add_screen(session, mixed, last - timedelta(days=7), "heroin", "positive")  # older day
        add_screen(session, mixed, last, "heroin", "positive")
        add_screen(session, mixed, last, "amphetamine", "positive")
        add_screen(session, mixed, last, "methadone", "positive", expected=True)
        add_screen(session, mixed, last, "cocaine", "negative")
        add_screen(session, mixed, AS_OF + timedelta(days=1), "heroin", "positive")  # after
        clean = builders.patient(session, clinic_id, "P2", admission=ADMITTED)
        add_screen(session, clean, AS_OF - timedelta(days=30), "heroin", "positive")
        add_screen(session, clean, AS_OF, "heroin", "negative")
        never = builders.patient(session, clinic_id, "P3", admission=ADMITTED)
    extras = roster_extras(session, clinic_ids=[clinic_id], as_of=AS_OF)
    assert (extras[mixed].last_screen_on, extras[mixed].last_screen_unexpected) == (last, 2)
    assert (extras[clean].last_screen_on, extras[clean].last_screen_unexpected) == (AS_OF, 0)
    assert (extras[never].last_screen_on, extras[never].last_screen_unexpected) == (None, 0)


def test_last_family_contact(session: Session) -> None:
    """The last event of any of the patient's members on or before the day (not after it),
    whether or not the member's consent is still active."""
    with session.begin():
        clinic_id = builders.clinic(session)
        family = builders.patient(session, clinic_id, "P1", admission=ADMITTED)
        mother = builders.member(session, clinic_id, family, "M1")
        brother = builders.member(session, clinic_id, family, "M2")
        builders.consent(session, mother, family, signed=ADMITTED)
        builders.consent(session, brother, family, signed=ADMITTED,
                         revoked=AS_OF - timedelta(days=1))
        session.add_all([
            EngagementEvent(member_id=mother, kind="opened",
                            occurred_at=datetime(2026, 10, 20, 9, 0)),
            EngagementEvent(member_id=brother, kind="opened",
                            occurred_at=datetime(2026, 11, 2, 23, 30)),  # late on the day
            EngagementEvent(member_id=mother, kind="opened",
                            occurred_at=datetime(2026, 11, 3, 8, 0)),  # after the day
        ])
        silent = builders.patient(session, clinic_id, "P2", admission=ADMITTED)
        builders.member(session, clinic_id, silent, "M3")  # no consent, no event
    extras = roster_extras(session, clinic_ids=[clinic_id], as_of=AS_OF)
    assert extras[family].last_family_contact == datetime(2026, 11, 2, 23, 30)  # the brother
    assert extras[silent].last_family_contact is None
