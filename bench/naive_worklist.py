"""The outreach worklist computed the naive way, to measure what Hamrah's grouped SQL saves.

The naive way is how a dashboard is often first written: read every row of every table the
rules touch (each dose, screen, phase change, member, consent, engagement event, report,
question, assignment, attempt and message) into pandas, then compute each patient's facts with
pandas and hand them to the same domain rules (``domain.signals.patient_signals``,
``domain.outreach.worklist``). Only where the rows come from differs from
``data_access.outreach.outreach_worklist``: both must give the same (patient, tier) pairs, or
the speed-up would compare two different answers. :func:`compare_worklists` checks that.

Run as ``python -m bench.naive_worklist`` by ``bench.run``: it times both in the same process,
alternately, and reports the ratio naive / Hamrah (target: at least 20 times).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.datasets import BENCH_AS_OF
from bench.part import run_part
from bench.report import WORKLIST_SPEED_UP, Row
from bench.timing import median, timed
from data_access.engine import make_engine, session_factory
from data_access.models import Base
from data_access.outreach import OPEN_ASSIGNMENT_STATUSES, outreach_worklist
from data_access.signals import SCREEN_LOOKBACK_DAYS, all_clinic_ids
from domain.outreach import (
    DEFAULT_OUTREACH_THRESHOLDS,
    OutreachFacts,
    OutreachThresholds,
    Tier,
    WorklistItem,
    worklist,
)
from domain.retention import horizon_bounds
from domain.signals import PatientFacts, patient_signals
from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from domain.treatment_time import window_bounds
from domain.vocabulary import (
    OPIOID_SCREEN_SUBSTANCES,
    Channel,
    DeliveryStatus,
    DoseStatus,
    Medication,
    Phase,
    ScreenResult,
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "clinic": ("id", "code"),
    "patient": ("id", "clinic_id", "code", "medication", "dose_mg", "phase", "phase_since",
                "admission_date", "discharged_on", "psychologist_id"),
    "dose_event": ("patient_id", "dose_date", "status"),
    "urine_screen": ("patient_id", "screen_date", "substance", "result", "expected"),
    "phase_change": ("patient_id", "from_phase", "to_phase", "changed_on"),
    "support_member": ("id", "patient_id", "code", "channel", "active"),
    "consent": ("member_id", "signed_on", "expires_on", "revoked_on"),
    "engagement_event": ("member_id", "occurred_at"),
    "condition_report": ("patient_id", "emergency", "reported_at", "acknowledged_at"),
    "family_question": ("patient_id", "due_at", "answered_at"),
    "assignment": ("member_id", "due_on", "status"),
    "outreach_attempt": ("id", "patient_id", "attempted_at", "follow_up_on", "tier"),
    "outbox_message": ("member_id", "status", "created_at"),
}
"""The columns the rules need, of every row: reading only these keeps the comparison fair
(a naive ``SELECT *`` would be slower still, and the speed-up larger)."""
DATE_COLUMNS = {
    "patient": ("admission_date", "discharged_on", "phase_since"),
    "dose_event": ("dose_date",),
    "urine_screen": ("screen_date",),
    "phase_change": ("changed_on",),
    "consent": ("signed_on", "expires_on", "revoked_on"),
    "engagement_event": ("occurred_at",),
    "condition_report": ("reported_at", "acknowledged_at"),
    "family_question": ("due_at", "answered_at"),
    "assignment": ("due_on",),
    "outreach_attempt": ("attempted_at", "follow_up_on"),
    "outbox_message": ("created_at",),
}


def read_everything(session: Session) -> dict[str, pd.DataFrame]:
    """Every row of the tables the outreach rules read (the columns they need), as frames."""
    connection = session.connection()
    frames = {}
    for name, columns in COLUMNS.items():
        table = Base.metadata.tables[name]
        frame = pd.read_sql(select(*(table.c[column] for column in columns)), connection)
        for column in DATE_COLUMNS.get(name, ()):
            frame[column] = pd.to_datetime(frame[column])
        frames[name] = frame
    return frames


def _day(value: Any) -> date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _active_consent(consent: pd.DataFrame, on: pd.Timestamp) -> pd.Series:
    """``data_access.consents.active_consent_clause`` as a pandas mask."""
    return ((consent["signed_on"] <= on)
            & (consent["expires_on"].isna() | (consent["expires_on"] >= on))
            & (consent["revoked_on"].isna() | (consent["revoked_on"] > on)))


@dataclass(frozen=True)
class _Frames:
    patients: pd.DataFrame  # the patients on the worklist's scope, with their clinic's code
    members: pd.DataFrame  # their active members with an active consent on as_of


def _scope(frames: dict[str, pd.DataFrame], clinic_ids: Sequence[int], as_of: date,
           since: date) -> _Frames:
    patient = frames["patient"]
    on = pd.Timestamp(as_of)
    in_scope = (patient["clinic_id"].isin(list(clinic_ids)) & (patient["admission_date"] <= on)
                & ((patient["phase"] != Phase.DISCHARGED.value)
                   | (patient["discharged_on"] >= pd.Timestamp(since))))
    clinics = frames["clinic"][["id", "code"]].rename(columns={"id": "clinic_id",
                                                               "code": "clinic_code"})
    patients = (patient[in_scope].merge(clinics, on="clinic_id")
                .sort_values(["clinic_code", "code"]).reset_index(drop=True))
    member = frames["support_member"]
    consent = frames["consent"]
    consented_ids = consent.loc[_active_consent(consent, on), "member_id"].unique()
    members = member[member["active"].astype(bool) & member["id"].isin(consented_ids)
                     & member["patient_id"].isin(patients["id"])]
    return _Frames(patients=patients, members=members.sort_values(["patient_id", "code"]))


def _gaps(doses: pd.DataFrame, patients: pd.DataFrame, as_of: date,
          horizons: Sequence[int]) -> dict[int, dict[int, int]]:
    """The longest run of days without a taken dose in each complete retention horizon."""
    longest, first_complete = max(horizons), min(horizons)
    eligible = patients[patients["admission_date"]
                        <= pd.Timestamp(as_of - timedelta(days=first_complete))]
    taken = doses.merge(eligible[["id", "admission_date"]], left_on="patient_id", right_on="id")
    taken["offset"] = (taken["dose_date"] - taken["admission_date"]).dt.days
    taken = taken[(taken["offset"] >= 0) & (taken["offset"] < longest)]
    taken = taken.sort_values(["patient_id", "dose_date"])
    step = taken.groupby("patient_id")["offset"].diff()
    taken["inner"] = (step - 1).fillna(taken["offset"])
    per_horizon = {}
    for horizon in horizons:
        inside = taken[taken["offset"] < horizon].groupby("patient_id")
        per_horizon[horizon] = (inside["inner"].max().to_dict(), inside["offset"].max().to_dict())
    gaps: dict[int, dict[int, int]] = {}
    for patient_id, admission in zip(eligible["id"], eligible["admission_date"], strict=True):
        found: dict[int, int] = {}
        for horizon in horizons:
            first, last = horizon_bounds(admission.date(), horizon)
            if last > as_of:
                continue
            inner, last_offset = (values.get(patient_id) for values in per_horizon[horizon])
            found[horizon] = ((last - first).days + 1 if last_offset is None
                              else max(int(inner or 0), horizon - 1 - int(last_offset)))
        gaps[int(patient_id)] = found
    return gaps


def naive_patient_facts(frames: dict[str, pd.DataFrame], scope: _Frames, as_of: date,
                        thresholds: ClinicalThresholds) -> list[PatientFacts]:
    patients = scope.patients
    on = pd.Timestamp(as_of)
    dose = frames["dose_event"]
    taken = dose[(dose["status"] == DoseStatus.TAKEN.value)
                 & dose["patient_id"].isin(patients["id"])]
    until_today = taken[taken["dose_date"] <= on].merge(
        patients[["id", "admission_date", "discharged_on"]], left_on="patient_id", right_on="id")
    window_start, _ = window_bounds(as_of, thresholds.adherence_window_days)
    in_window = until_today[(until_today["dose_date"] >= pd.Timestamp(window_start))
                            & (until_today["dose_date"] >= until_today["admission_date"])
                            & (until_today["discharged_on"].isna()
                               | (until_today["dose_date"] < until_today["discharged_on"]))]
    window_counts = in_window.groupby("patient_id").size().to_dict()
    last_taken = until_today.groupby("patient_id")["dose_date"].max().to_dict()
    gaps = _gaps(taken, patients, as_of, thresholds.retention_horizons_days)

    screen = frames["urine_screen"]
    unexpected = screen[(screen["result"] == ScreenResult.POSITIVE.value)
                        & ~screen["expected"].astype(bool)
                        & (screen["screen_date"] <= on)
                        & (screen["screen_date"]
                           > pd.Timestamp(as_of - timedelta(days=SCREEN_LOOKBACK_DAYS)))]
    last_positive = unexpected.groupby("patient_id")["screen_date"].max().to_dict()
    opioid = unexpected[unexpected["substance"].isin(sorted(OPIOID_SCREEN_SUBSTANCES))]
    last_opioid = opioid.groupby("patient_id")["screen_date"].max().to_dict()
    consented = scope.members.groupby("patient_id")["id"].nunique().to_dict()

    facts = []
    for row in patients.to_dict("records"):
        pid = int(row["id"])
        facts.append(PatientFacts(
            patient_id=pid, patient_code=row["code"], clinic_code=row["clinic_code"],
            medication=Medication(row["medication"]), dose_mg=float(row["dose_mg"]),
            phase=Phase(row["phase"]), phase_since=row["phase_since"].date(),
            admission_date=row["admission_date"].date(),
            discharged_on=_day(row["discharged_on"]),
            taken_days_in_window=int(window_counts.get(pid, 0)),
            last_taken_on=_day(last_taken.get(pid)),
            longest_gap_by_horizon=gaps.get(pid, {}),
            last_unexpected_positive_on=_day(last_positive.get(pid)),
            last_unexpected_opioid_positive_on=_day(last_opioid.get(pid)),
            consented_members=int(consented.get(pid, 0)),
        ))
    return facts


def naive_outreach_facts(frames: dict[str, pd.DataFrame], clinic_ids: Sequence[int],
                         as_of: date, clinical: ClinicalThresholds,
                         outreach: OutreachThresholds) -> list[OutreachFacts]:
    """``data_access.outreach.outreach_facts``, from the frames instead of grouped SQL."""
    since = as_of - timedelta(days=outreach.post_discharge_days)
    scope = _scope(frames, clinic_ids, as_of, since)
    patients, members = scope.patients, scope.members
    pids = patients["id"]
    on, end = pd.Timestamp(as_of), pd.Timestamp(as_of + timedelta(days=1))

    phase = frames["phase_change"]
    taper_ends = phase[phase["patient_id"].isin(pids) & (phase["changed_on"] <= on)
                       & (phase["from_phase"] == Phase.TAPER.value)
                       & (phase["to_phase"] == Phase.AFTERCARE.value)
                       ].groupby("patient_id")["changed_on"].max().to_dict()
    consent = frames["consent"]
    active = consent[_active_consent(consent, on)].merge(
        members[["id", "patient_id"]].rename(columns={"id": "member_id",
                                                      "patient_id": "member_patient"}),
        on="member_id")
    signed = active.groupby("member_patient")["signed_on"].min().to_dict()
    expiry = active.groupby("member_patient")["expires_on"].min().to_dict()
    codes = members.groupby("patient_id")["code"].agg(tuple).to_dict()

    event = frames["engagement_event"]
    engaged = event[event["occurred_at"] < end].merge(
        members[["id", "patient_id"]], left_on="member_id", right_on="id")
    last_engagement = engaged.groupby("patient_id")["occurred_at"].max().to_dict()

    report = frames["condition_report"]
    open_reports = report[report["patient_id"].isin(pids) & report["emergency"].astype(bool)
                          & (report["reported_at"] < end)
                          & (report["acknowledged_at"].isna()
                             | (report["acknowledged_at"] >= end))].groupby("patient_id")
    emergencies = open_reports.size().to_dict()
    oldest_emergency = open_reports["reported_at"].min().to_dict()

    question = frames["family_question"]
    overdue = question[question["patient_id"].isin(pids) & (question["due_at"] <= on)
                       & (question["answered_at"].isna() | (question["answered_at"] >= on))
                       ].groupby("patient_id")
    questions = overdue.size().to_dict()
    oldest_due = overdue["due_at"].min().to_dict()

    all_members = frames["support_member"][["id", "patient_id", "channel"]].rename(
        columns={"channel": "member_channel"})
    assignment = frames["assignment"].merge(all_members, left_on="member_id", right_on="id")
    assignments = assignment[assignment["patient_id"].isin(pids) & (assignment["due_on"] < on)
                             & assignment["status"].isin(OPEN_ASSIGNMENT_STATUSES)
                             ].groupby("patient_id").size().to_dict()

    attempt = frames["outreach_attempt"]
    latest = (attempt[attempt["patient_id"].isin(pids) & (attempt["attempted_at"] < end)]
              .sort_values(["attempted_at", "id"], ascending=False)
              .drop_duplicates("patient_id").set_index("patient_id"))
    ever = attempt.groupby("patient_id")["attempted_at"].max()
    message = frames["outbox_message"].merge(all_members, left_on="member_id", right_on="id")
    message = message[message["patient_id"].isin(pids)
                      & (message["member_channel"] == Channel.PHONE_CALL.value)
                      & message["status"].isin([DeliveryStatus.QUEUED.value,
                                                DeliveryStatus.FAILED.value])
                      & (message["created_at"] < end)]
    last_call = message["patient_id"].map(ever)
    phone = message[last_call.isna() | (message["created_at"] > last_call)
                    ].groupby("patient_id").size().to_dict()

    psychologists = dict(zip(patients["id"], patients["psychologist_id"], strict=True))
    facts = []
    for fact in naive_patient_facts(frames, scope, as_of, clinical):
        signal = patient_signals(fact, as_of, clinical)
        pid = fact.patient_id
        attempt_row = latest.loc[pid] if pid in latest.index else None
        due = _day(oldest_due.get(pid))
        tier = None if attempt_row is None or pd.isna(attempt_row["tier"]) else attempt_row["tier"]
        facts.append(OutreachFacts(
            patient_id=pid,
            patient_code=signal.patient_code,
            clinic_code=signal.clinic_code,
            phase=signal.phase,
            missed_streak=signal.missed_streak,
            adherence_28d=signal.adherence_28d,
            discharged_on=fact.discharged_on,
            taper_ended_on=_day(taper_ends.get(pid)),
            taper_started_on=fact.phase_since if signal.phase == Phase.TAPER else None,
            last_unexpected_positive_on=fact.last_unexpected_positive_on,
            last_engagement_at=_day(last_engagement.get(pid)),
            earliest_active_consent_on=_day(signed.get(pid)),
            consented_members=len(codes.get(pid, ())),
            open_emergency_reports=int(emergencies.get(pid, 0)),
            oldest_emergency_at=_day(oldest_emergency.get(pid)),
            overdue_questions=int(questions.get(pid, 0)),
            oldest_overdue_question_due=None if due is None else due - timedelta(days=1),
            overdue_assignments=int(assignments.get(pid, 0)),
            next_consent_expiry=_day(expiry.get(pid)),
            last_contact_on=None if attempt_row is None else _day(attempt_row["attempted_at"]),
            snoozed_until=None if attempt_row is None else _day(attempt_row["follow_up_on"]),
            snoozed_tier=None if tier is None else Tier(tier),
            member_codes=tuple(codes.get(pid, ())),
            psychologist_id=None if pd.isna(psychologist := psychologists[pid])
            else int(psychologist),
            phone_messages_waiting=int(phone.get(pid, 0)),
        ))
    return facts


def naive_worklist(session: Session, *, clinic_ids: Sequence[int], as_of: date,
                   clinical: ClinicalThresholds = DEFAULT_THRESHOLDS,
                   outreach: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
                   ) -> list[WorklistItem]:
    """The worklist of ``outreach_worklist``, computed from every row read into pandas."""
    frames = read_everything(session)
    return worklist(naive_outreach_facts(frames, clinic_ids, as_of, clinical, outreach),
                    as_of, outreach)


@dataclass(frozen=True)
class Comparison:
    """Whether two worklists name the same patients at the same tiers (and for what reasons)."""

    same_tiers: bool
    same_reasons: bool
    only_hamrah: tuple[tuple[int, str], ...]
    only_naive: tuple[tuple[int, str], ...]

    def describe(self) -> str:
        if self.same_tiers and self.same_reasons:
            return "same (patient, tier) pairs and reasons"
        if self.same_tiers:
            return "same (patient, tier) pairs, different reasons"
        return (f"(patient id, tier) only in Hamrah's: {list(self.only_hamrah)[:5]}; "
                f"only in the naive one: {list(self.only_naive)[:5]}")


def compare_worklists(hamrah: Sequence[WorklistItem],
                      naive: Sequence[WorklistItem]) -> Comparison:
    def pairs(items: Sequence[WorklistItem]) -> set[tuple[int, str]]:
        return {(item.patient_id, str(item.tier)) for item in items}

    def reasons(items: Sequence[WorklistItem]) -> set[tuple[int, tuple[str, ...]]]:
        return {(item.patient_id, tuple(sorted(str(r.code) for r in item.reasons)))
                for item in items}

    ours, theirs = pairs(hamrah), pairs(naive)
    return Comparison(same_tiers=ours == theirs, same_reasons=reasons(hamrah) == reasons(naive),
                      only_hamrah=tuple(sorted(ours - theirs)),
                      only_naive=tuple(sorted(theirs - ours)))


def measure_worklists(database_url: str, scale: str, database: str, runs: int) -> list[Row]:
    """Hamrah's and the naive worklist, alternately, ``runs`` times each after one untimed
    call of each; the ratio of the medians is the speed-up."""
    from settings import load_settings

    settings = load_settings()
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    try:
        with sessions() as session:
            clinic_ids = all_clinic_ids(session)

        def hamrah() -> list[WorklistItem]:
            with sessions() as session:
                return outreach_worklist(session, clinic_ids=clinic_ids, as_of=BENCH_AS_OF,
                                         clinical=settings.clinical, outreach=settings.outreach)

        def naive() -> list[WorklistItem]:
            with sessions() as session:
                return naive_worklist(session, clinic_ids=clinic_ids, as_of=BENCH_AS_OF,
                                      clinical=settings.clinical, outreach=settings.outreach)

        comparison = compare_worklists(hamrah(), naive())
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(runs):
            ours.append(timed(hamrah)[0])
            theirs.append(timed(naive)[0])
    finally:
        engine.dispose()
    ratio = median(theirs) / median(ours)

    def row(what: str, unit: str, samples: Sequence[float], **extra: Any) -> Row:
        return Row(part="worklist", what=what, scale=scale, database=database, unit=unit,
                   samples=tuple(samples), **extra)

    return [
        row("worklist: Hamrah (grouped SQL)", "s", ours),
        row("worklist: naive (every row in pandas)", "s", theirs),
        row("worklist: naive / Hamrah", "x", (ratio,),
            target=WORKLIST_SPEED_UP, valid=comparison.same_tiers,
            note="" if comparison.same_tiers and comparison.same_reasons
            else f"the two worklists differ: {comparison.describe()}"),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    run_part(measure_worklists, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
