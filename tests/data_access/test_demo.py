"""The synthetic demo network: complete, consistent, deterministic, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from data_access.audit import verify_audit_chain
from data_access.clinics import add_clinic
from data_access.demo import DEMO_PASSWORD, DemoSummary, build_demo, database_is_empty
from data_access.engine import make_engine, session_factory
from data_access.models import (
    AuditLog,
    Base,
    Clinic,
    ConditionReport,
    DoseEvent,
    Patient,
    PhaseChange,
    SupportMember,
    UrineScreen,
)
from data_access.schema import upgrade_to_head
from data_access.staff import list_users

AS_OF = date(2026, 11, 1)
SMALL: dict[str, Any] = {"patients": 40, "days": 120, "seed": 7, "as_of": AS_OF}
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
COMPARED = (DoseEvent, UrineScreen, SupportMember, Patient, PhaseChange)


def build(session: Session, **overrides: Any) -> DemoSummary:
    with session.begin():
        return build_demo(session, **{**SMALL, **overrides})


def table_rows(session: Session, model: type[Base]) -> list[tuple[Any, ...]]:
    table: Table = model.__table__  # type: ignore[assignment]
    return [tuple(row) for row in session.execute(select(table).order_by(table.c.id))]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, dict[str, Any]]]:
    """The small demo for seeds 7 and 8, built once into fresh SQLite files."""
    built: dict[int, dict[str, Any]] = {}
    for seed in (7, 8):
        path: Path = tmp_path_factory.mktemp(f"demo-seed-{seed}") / "reference.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade_to_head(engine)
        with session_factory(engine)() as session:
            build(session, seed=seed)
            built[seed] = {model.__tablename__: table_rows(session, model)
                           for model in COMPARED}
        engine.dispose()
    yield built


def test_small_demo_is_complete_consistent_and_deterministic(
    session: Session, reference: dict[int, dict[str, Any]]
) -> None:
    """One build per backend (the bcrypt hashes of the demo logins dominate its time)."""
    stages: list[tuple[str, int, int]] = []
    with session.begin():
        assert database_is_empty(session)
        summary = build_demo(
            session, **SMALL, progress=lambda stage, done, total: stages.append(
                (stage, done, total)))

    assert stages[0] == ("setup", 1, 1)
    assert ("patients", 40, 40) in stages and stages[-1] == ("family", 40, 40)
    assert not database_is_empty(session)

    # Every table that should have rows has them, and the summary tells the truth about them.
    for table, expected in summary.counts.items():
        assert expected > 0, table
        assert session.scalar(
            select(func.count()).select_from(Base.metadata.tables[table])
        ) == expected, table
    assert summary.counts["patient"] == 40
    assert {"dose_event", "urine_screen", "phase_change", "support_member", "consent",
            "content_module", "assignment", "engagement_event", "family_question", "answer",
            "condition_report", "outreach_attempt"} <= set(summary.counts)

    # Logins: the five demo accounts, each in the right clinics.
    assert sorted(summary.logins) == sorted([
        ("admin", DEMO_PASSWORD, "admin"), ("supervisor", DEMO_PASSWORD, "supervisor"),
        ("psych.teh", DEMO_PASSWORD, "psychologist"), ("psych.ldn", DEMO_PASSWORD, "psychologist"),
        ("caseteam", DEMO_PASSWORD, "case_team"),
    ])
    clinics_of = {user.username: user.clinic_codes for user in list_users(session)}
    assert clinics_of["psych.teh"] == ("DEMO-TEH",)
    assert clinics_of["psych.ldn"] == ("DEMO-LDN",)
    assert clinics_of["admin"] == ("DEMO-LDN", "DEMO-TEH")

    # Two clinics; Tehran in Persian script, London in English, every name marked as synthetic.
    clinics = {row.code: row.id for row in session.execute(select(Clinic.code, Clinic.id))}
    assert set(clinics) == {"DEMO-TEH", "DEMO-LDN"}
    patients = session.execute(select(Patient)).scalars().all()
    tehran = [p for p in patients if p.clinic_id == clinics["DEMO-TEH"]]
    london = [p for p in patients if p.clinic_id == clinics["DEMO-LDN"]]
    assert tehran and london
    assert all(ARABIC_SCRIPT.search(p.first_name) and "(نمونه)" in p.last_name for p in tehran)
    assert all(p.last_name.startswith("Demo-") and p.code.startswith("LDN-") for p in london)
    members = session.execute(select(SupportMember)).scalars().all()
    assert all(m.phone is None or m.phone.startswith(("+98 912 000 ", "+44 7700 900"))
               for m in members)
    assert all(m.email is None or m.email.endswith("@example.org") for m in members)

    # The patient row's phase is the last entry of its phase history, which opens on admission.
    history: dict[int, list[PhaseChange]] = {}
    for change in session.execute(
        select(PhaseChange).order_by(PhaseChange.changed_on, PhaseChange.id)
    ).scalars():
        history.setdefault(change.patient_id, []).append(change)
    for patient in patients:
        changes = history[patient.id]
        assert changes[0].from_phase is None and changes[0].to_phase == "induction"
        assert changes[0].changed_on == patient.admission_date
        assert (changes[-1].to_phase, changes[-1].changed_on) == (patient.phase,
                                                                  patient.phase_since)
        assert all(a.to_phase == b.from_phase for a, b in zip(changes, changes[1:], strict=False))
        assert (patient.phase == "discharged") == (patient.discharged_on is not None)

    # No dose before admission, after as_of, or from the discharge day on.
    out_of_range = session.scalar(
        select(func.count())
        .select_from(DoseEvent)
        .join(Patient, Patient.id == DoseEvent.patient_id)
        .where((DoseEvent.dose_date > AS_OF) | (DoseEvent.dose_date < Patient.admission_date)
               | (DoseEvent.dose_date >= Patient.discharged_on))
    )
    assert out_of_range == 0

    # Someone to show on the overdose-risk list: in treatment, no dose taken in the last 3 days.
    recent_dose = (
        select(DoseEvent.id)
        .where(DoseEvent.patient_id == Patient.id, DoseEvent.status == "taken",
               DoseEvent.dose_date > AS_OF - timedelta(days=3))
        .exists()
    )
    streaks = session.scalar(
        select(func.count()).select_from(Patient).where(
            Patient.discharged_on.is_(None), Patient.phase != "aftercare",
            Patient.admission_date <= AS_OF - timedelta(days=3), ~recent_dose)
    )
    assert streaks is not None and streaks >= 1

    # Most steady patients were admitted before the records begin (a standing caseload): their
    # phase history starts on admission, their doses and screens on the window's first day.
    records_begin = AS_OF - timedelta(days=SMALL["days"] - 1)
    assert any(p.admission_date < records_begin for p in patients)
    assert session.scalar(select(func.min(DoseEvent.dose_date))) == records_begin
    assert session.scalar(select(func.min(UrineScreen.screen_date))) >= records_begin

    # At least 8 screen days per patient-year in treatment within the records, on average.
    screen_days = session.scalar(
        select(func.count()).select_from(
            select(UrineScreen.patient_id, UrineScreen.screen_date).distinct().subquery()))
    years = sum(((p.discharged_on or AS_OF + timedelta(days=1))
                 - max(p.admission_date, records_begin)).days for p in patients) / 365.25
    assert screen_days is not None and screen_days / years >= 8

    # A few emergencies, mostly acknowledged, at least one still waiting.
    emergencies = session.execute(
        select(ConditionReport).where(ConditionReport.emergency.is_(True))
    ).scalars().all()
    assert 3 <= len(emergencies) <= 6
    assert any(report.acknowledged_at is None for report in emergencies)
    assert all(report.action_taken for report in emergencies if report.acknowledged_at)

    # One audit row for the whole demo, on an intact chain.
    demo_audit = session.scalars(select(AuditLog.summary).where(AuditLog.entity == "demo")).all()
    assert len(demo_audit) == 1 and "dose_event=" in demo_audit[0]
    assert verify_audit_chain(session).broken is None

    # The same seed gives the same rows on either engine; another seed gives other rows.
    for model in COMPARED:
        name = model.__tablename__
        assert table_rows(session, model) == reference[7][name], name
    for model in (DoseEvent, UrineScreen, SupportMember):
        assert table_rows(session, model) != reference[8][model.__tablename__]

    # Ids were assigned by the demo; the database still hands out fresh ones afterwards.
    session.rollback()  # end the read-only transaction the checks above began
    with session.begin():
        extra = DoseEvent(patient_id=patients[0].id, dose_date=AS_OF + timedelta(days=1),
                          dose_mg=40.0, kind="observed", status="taken")
        session.add(extra)
        session.flush()
        assert extra.id > summary.counts["dose_event"]


def test_refuses_bad_arguments_and_a_database_that_has_clinics(session: Session) -> None:
    with pytest.raises(ValueError, match="at least 1 patient"), session.begin():
        build_demo(session, patients=0, as_of=AS_OF)
    with pytest.raises(ValueError, match="at least 30 days"), session.begin():
        build_demo(session, days=29, as_of=AS_OF)
    with session.begin():
        add_clinic(session, code="REAL-1", name="A real clinic", actor="test")
    with pytest.raises(ValueError, match="already has clinics"), session.begin():
        build_demo(session, as_of=AS_OF)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Patient)) == 0
