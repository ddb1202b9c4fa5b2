"""Drawing parts of the patient record: header, readiness checklist, flags, members."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from components.dates import dates_as_shown, shown_date
from components.state import SignedInUser
from data_access.patient_record import MemberView, PatientHeader
from domain.readiness import Criterion
from domain.roster import flag_text, missed_dose_action_text
from domain.severity import oud_severity
from domain.signals import PatientSignals
from domain.text import t


def patient_header(header: PatientHeader, signals: PatientSignals | None, *,
                   user: SignedInUser, key_prefix: str) -> None:
    """Who the patient is and how treatment stands; dates in the reader's calendar."""
    st.title(f"{header.code} · {header.first_name} {header.last_name}")
    st.caption(t("{clinic} · {sex}, born {year} · {substance} · psychologist: {psychologist}",
                 clinic=header.clinic_code, sex=header.sex, year=header.birth_year,
                 substance=header.primary_substance, psychologist=header.psychologist or "—"))
    if header.discharged_on is None:
        st.caption(t("Admitted {date}", date=shown_date(header.admission_date, user)))
    else:
        st.caption(t("Admitted {admitted} · discharged {discharged}",
                     admitted=shown_date(header.admission_date, user),
                     discharged=shown_date(header.discharged_on, user)))
    columns = st.columns(5)
    columns[0].metric(t("Dose ({medication})", medication=header.medication),
                      f"{header.dose_mg:g} mg")
    columns[1].metric(t("Phase"), header.phase.value,
                      help=t("since {date}", date=shown_date(header.phase_since, user)))
    if signals is not None:
        adherence = ("—" if signals.adherence_28d is None
                     else f"{signals.adherence_28d:.0%}")
        columns[2].metric(t("Adherence 28 d"), adherence)
        columns[3].metric(t("Missed in a row"), signals.missed_streak,
                          help=missed_dose_action_text(signals.missed_dose_action))
        columns[4].metric(t("Days in treatment"), signals.days_in_treatment)
    severity = (oud_severity(header.oud_criteria_count).value
                if header.oud_criteria_count is not None else "—")
    st.caption(t("OUD severity (DSM-5): {severity} · living situation: {living} · "
                 "HBV {hbv} · HCV {hcv} · HIV {hiv}", severity=severity,
                 living=header.living_situation or "—", hbv=header.hbv_status or "—",
                 hcv=header.hcv_status or "—", hiv=header.hiv_status or "—"))


def flags_list(signals: PatientSignals) -> None:
    if not signals.flags:
        st.success(t("No flags today."))
    for flag in signals.flags:
        st.warning(flag_text(flag))


def readiness_checklist(criteria: Sequence[Criterion], *, key_prefix: str) -> None:
    frame = pd.DataFrame(
        [{t("Criterion"): c.code.replace("_", " "), t("Met"): "✓" if c.met else "✗",
          t("Value"): c.value, t("Required"): c.required} for c in criteria]
    )
    st.dataframe(frame, hide_index=True, width="stretch",
                 key=f"{key_prefix}_readiness")


def members_table(members: Sequence[MemberView], *, show_contact: bool, key_prefix: str,
                  user: SignedInUser) -> None:
    """Support members, consent dates in the user's calendar; without contact details for
    roles that must not see them."""
    rows = []
    for member in members:
        row = {
            t("Code"): member.code,
            t("Name"): member.name,
            t("Relation"): member.relation,
            t("Channel"): member.channel,
            t("Language"): member.language,
            t("Consent"): (t("active ({scope})", scope=member.consent_scope)
                           if member.consent_active else t("none active")),
            t("Consent until"): member.consent_until,
        }
        if show_contact:
            row[t("Phone")] = member.phone or ""
            row[t("E-mail")] = member.email or ""
        rows.append(row)
    if not rows:
        st.info(t("No support member is recorded."))
        return
    st.dataframe(dates_as_shown(pd.DataFrame(rows), user), hide_index=True, width="stretch",
                 key=f"{key_prefix}_members")
