"""Case meeting: choose the patients to review, then one large-type screen per patient.

Step 1 proposes the patients who need the team (``data_access.meetings.agenda_candidates``:
urgent or high outreach, a step-down due, a meeting follow-up due); the chair adds or removes
patients and starts the meeting. Step 2 shows one patient per screen, as on a projector: the
essentials, the last 90 days of doses and screens, phase and readiness, family engagement and
open questions, open actions, and a form that records each decision as an action item.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from components import meeting_views, patient_charts, patient_views
from components.action_items import open_actions_section
from components.auth import require_page
from components.dates import date_field, dates_as_shown, shown_date
from components.export_buttons import meeting_minutes_button
from components.resources import app_settings, current_database
from components.state import (
    current_meeting,
    mark_meeting_view_seen,
    meeting_view_seen,
    set_current_meeting,
    set_notice,
    take_notice,
)
from components.view_audit import audit_view
from data_access.clock import today
from data_access.meetings import (
    MeetingAgenda,
    MeetingError,
    action_owners,
    add_action_item,
    close_meeting,
    meeting_agenda,
    meeting_minutes,
    open_action_items,
    recent_meetings,
    record_meeting_view,
    start_meeting,
)
from data_access.patient_record import (
    PatientNotFound,
    dose_rows,
    engagement_frame,
    family_activity,
    members,
    patient_header,
    screen_frame,
)
from data_access.questions import clinic_deadline
from data_access.signals import patient_signal_list
from domain.access import may_record_decisions, sees_contact_details
from domain.calendars import week_start
from domain.dose_calendar import dose_calendar
from domain.meetings import (
    ActionItemError,
    earliest_due,
    meeting_agenda_order,
    reasons_text,
)
from domain.text import t

REVIEW_DAYS = 90
DECISION_FORM = "meeting_decision"

user = require_page("case_meeting")
settings = app_settings()
db = current_database()
as_of = today()
may_decide = may_record_decisions(user.role)


def choose_meeting() -> None:
    """Step 1: return to a recent meeting, or propose an agenda and start a new one."""
    st.title(t("Case meeting"))
    clinics = dict(zip(user.clinic_ids, user.clinic_codes, strict=True))
    if not clinics:
        st.info(t("You do not work for any clinic yet."))
        return
    clinic_id: int = (st.selectbox(t("Clinic"), list(clinics), format_func=clinics.__getitem__,
                                   key="meeting_clinic")
                      if len(clinics) > 1 else user.clinic_ids[0])

    with db.sessions() as session:
        meetings = recent_meetings(session, clinic_ids=[clinic_id])
    st.subheader(t("Recent meetings"))
    if meetings:
        st.dataframe(dates_as_shown(meeting_views.meetings_frame(meetings), user),
                     hide_index=True, width="stretch", key="meeting_list")
        labels = {m.id: t("{date} · {n} patients · {status}", date=shown_date(m.held_on, user),
                          n=m.patients, status=t("closed") if m.closed else t("open"))
                  for m in meetings}
        pick_column, open_column = st.columns([3, 1], vertical_alignment="bottom")
        chosen = pick_column.selectbox(t("Return to a meeting"), list(labels),
                                       format_func=labels.__getitem__, key="meeting_pick")
        if open_column.button(t("Open meeting"), key="meeting_reopen"):
            set_current_meeting(chosen)
            st.rerun()
    else:
        st.caption(t("No meeting of this clinic yet."))

    if not may_decide:
        st.info(t("Supervisors and psychologists start meetings; open one above to follow it."))
        return
    st.subheader(t("New meeting"))
    meeting_day = date_field(t("Meeting day"), as_of, key="meeting_day", user=user)
    if meeting_day.day is None:
        if not meeting_day.refused:
            st.info(t("Choose the meeting day to see the patients proposed for it."))
        return
    held_on = meeting_day.day
    candidates = meeting_views.proposed_agenda(clinic_id, held_on, user.language, settings,
                                               settings.database_url)
    patients = meeting_views.clinic_patient_choices(clinic_id, settings.database_url)
    names = {pid: name for pid, _, name in patients}
    codes = {pid: code for pid, code, _ in patients}
    audit_view(user, entity="case_meeting_candidates", entity_id=f"{clinic_id}:{held_on}",
               summary=f"{len(candidates)} patients proposed for {held_on.isoformat()}")
    if candidates:
        st.caption(t("Proposed: urgent or high outreach, a step-down due, or a meeting "
                     "follow-up due."))
        st.dataframe(meeting_views.agenda_frame(candidates, names,
                                                lambda day: shown_date(day, user)),
                     hide_index=True, width="stretch", key="meeting_candidates")
    else:
        st.success(t("No patient needs the team on this day; add patients by hand if you "
                     "wish."))
    chosen_ids = meeting_views.agenda_picker(
        t("Patients to review"), {pid: f"{code} · {names[pid]}" for pid, code in codes.items()},
        [entry.patient_id for entry in candidates],
        basis=(clinic_id, held_on, tuple(entry.patient_id for entry in candidates)),
        key="meeting_patients")
    if st.button(t("Start meeting"), type="primary", key="meeting_start",
                 disabled=not chosen_ids):
        agenda = meeting_agenda_order(candidates, chosen_ids, codes)
        try:
            with db.sessions() as session, session.begin():
                meeting_id = start_meeting(session, clinic_id=clinic_id,
                                           clinic_ids=user.clinic_ids, held_on=held_on,
                                           agenda=agenda, created_by_id=user.id,
                                           actor=user.username)
        except MeetingError as error:
            st.error(str(error))
            return
        set_current_meeting(meeting_id)
        set_notice(t("Meeting started with {n} patients.", n=len(agenda)))
        st.rerun()


def audit_screen(agenda: MeetingAgenda, patient_id: int) -> None:
    """The agenda and each patient's screen are audited once per session, not on every rerun."""
    for shown in (None, patient_id):
        if meeting_view_seen(agenda.id, shown):
            continue
        with db.sessions() as session, session.begin():
            record_meeting_view(session, meeting_id=agenda.id, patient_id=shown,
                                actor=user.username)
        mark_meeting_view_seen(agenda.id, shown)


def patient_screen(agenda: MeetingAgenda, position: int) -> None:
    """Step 2, one patient: everything the team needs to decide, in large type."""
    entry = agenda.patients[position]
    pid = entry.patient_id
    start = as_of - timedelta(days=REVIEW_DAYS - 1)
    try:
        with db.sessions() as session:
            header = patient_header(session, patient_id=pid, clinic_ids=user.clinic_ids)
            signals_list = patient_signal_list(session, clinic_ids=user.clinic_ids,
                                               as_of=as_of, patient_ids=[pid],
                                               include_discharged=True,
                                               thresholds=settings.clinical)
            doses = dose_rows(session, patient_id=pid, start=start, end=as_of)
            screens = screen_frame(session, patient_id=pid, start=start, end=as_of)
            family = members(session, patient_id=pid, as_of=as_of)
            engagement = engagement_frame(session, patient_id=pid, start=start, end=as_of)
            questions = family_activity(session, patient_id=pid)["questions"]
            actions = open_action_items(session, clinic_ids=user.clinic_ids, patient_id=pid)
            owners = dict(action_owners(session, clinic_id=agenda.clinic_id))
            _, working_week = clinic_deadline(session, agenda.clinic_id)
    except PatientNotFound:
        st.error(t("No such patient in your clinics."))
        return
    audit_screen(agenda, pid)
    signals = signals_list[0] if signals_list else None

    with st.container(key=meeting_views.SCREEN_KEY):
        patient_views.patient_header(header, signals, user=user, key_prefix="meeting")
        st.info(t("On the agenda: {reasons}", reasons=reasons_text(entry.reasons)))
        if signals is not None:
            patient_views.flags_list(signals)

        st.subheader(t("Doses and screens, last {days} days", days=REVIEW_DAYS))
        days = dose_calendar(doses, start, as_of, header.admission_date, header.discharged_on)
        st.altair_chart(meeting_views.projector_chart(patient_charts.dose_calendar_chart(
            days, first_weekday=week_start(working_week.days), calendar=user.calendar,
            language=user.language)), width="stretch")
        if any(day.dose_mg is not None for day in days):
            st.altair_chart(
                meeting_views.projector_chart(patient_charts.dose_trend_chart(
                    days, calendar=user.calendar, language=user.language)),
                width="stretch")
        if screens.empty:
            st.caption(t("No screen in the last {days} days.", days=REVIEW_DAYS))
        else:
            st.altair_chart(
                meeting_views.projector_chart(patient_charts.screen_timeline_chart(
                    screens, calendar=user.calendar, language=user.language)),
                width="stretch")

        st.subheader(t("Phase {phase} since {date}: step-down readiness",
                       phase=header.phase.value, date=shown_date(header.phase_since, user)))
        meeting_views.readiness_lines(signals.readiness if signals is not None else (),
                                      user=user)

        st.subheader(t("Family engagement and open questions"))
        patient_views.members_table(family, show_contact=sees_contact_details(user.role),
                                    key_prefix="meeting", user=user)
        if not engagement.empty:
            st.altair_chart(
                meeting_views.projector_chart(patient_charts.engagement_timeline_chart(
                    engagement, calendar=user.calendar, language=user.language)),
                width="stretch")
        meeting_views.open_questions(questions, user=user)

        st.subheader(t("Open actions ({n})", n=len(actions)))
        open_actions_section(actions, user=user, today=as_of, key_prefix="meeting_actions",
                             show_patient=False)

        if may_decide and not agenda.closed:
            st.subheader(t("Record a decision"))
            not_before = earliest_due(as_of, agenda.held_on)
            form_key = f"{DECISION_FORM}_{pid}"
            decision = meeting_views.decision_form(
                owners, not_before=not_before, default_due=not_before + timedelta(days=7),
                key=form_key, user=user)
            if decision is not None:
                record_decision(agenda, entry.patient_code, pid, *decision, form_key=form_key)


def record_decision(agenda: MeetingAgenda, patient_code: str, patient_id: int, what: str,
                    owner_id: int | None, due_on: date | None, *, form_key: str) -> None:
    try:
        with db.sessions() as session, session.begin():
            add_action_item(session, patient_id=patient_id, clinic_ids=user.clinic_ids,
                            what=what, owner_id=owner_id, due_on=due_on, today=as_of,
                            meeting_id=agenda.id, created_by_id=user.id, actor=user.username,
                            shown=lambda day: shown_date(day, user))
    except (ActionItemError, MeetingError) as error:
        st.error(str(error))
        return
    meeting_views.clear_decision_form(form_key)
    meeting_views.proposed_agenda.clear()
    set_notice(t("Decision recorded for {patient}.", patient=patient_code))
    st.rerun()


def run_meeting(meeting_id: int) -> None:
    """Step 2: the meeting, one patient per screen with Previous and Next."""
    try:
        with db.sessions() as session:
            agenda = meeting_agenda(session, meeting_id=meeting_id, clinic_ids=user.clinic_ids)
            minutes = meeting_minutes(session, meeting_id=meeting_id, clinic_ids=user.clinic_ids)
    except MeetingError as error:
        set_current_meeting(None)
        st.error(str(error))
        return
    meeting_views.projector_style()
    title_column, leave_column = st.columns([4, 1], vertical_alignment="center")
    title_column.caption(t("Case meeting · {clinic} · {date}", clinic=agenda.clinic_code,
                           date=shown_date(agenda.held_on, user))
                         + (" · " + t("closed") if agenda.closed else ""))
    if leave_column.button(t("Back to meetings"), key="meeting_leave"):
        set_current_meeting(None)
        st.rerun()
    if not agenda.patients:
        st.info(t("This meeting has no patient on its agenda."))
        return
    with st.expander(t("Agenda ({n} patients)", n=len(agenda.patients))):
        st.dataframe(
            [{"#": p.position + 1, "patient": p.patient_code, "name": p.name,
              "why": reasons_text(p.reasons)} for p in agenda.patients],
            hide_index=True, width="stretch", key="meeting_agenda")
    meeting_minutes_button(minutes, user, key_prefix="meeting")
    position = meeting_views.meeting_navigator(len(agenda.patients), key_prefix="meeting")
    patient_screen(agenda, position)
    if may_decide and not agenda.closed:
        st.divider()
        if st.button(t("Close meeting"), key="meeting_close"):
            with db.sessions() as session, session.begin():
                close_meeting(session, meeting_id=agenda.id, clinic_ids=user.clinic_ids,
                              actor=user.username)
            set_current_meeting(None)
            set_notice(t("Meeting of {date} closed.", date=shown_date(agenda.held_on, user)))
            st.rerun()


notice = take_notice()
if notice:
    st.success(notice)
open_meeting = current_meeting()
if open_meeting is None:
    choose_meeting()
else:
    run_meeting(open_meeting)
