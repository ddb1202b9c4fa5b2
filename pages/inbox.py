"""Inbox: families' questions against the clinic's answer deadline, and their condition reports.

Questions are answered here (the answer goes to the outbox for the member's channel); condition
reports are acknowledged here, which is what takes an emergency banner down.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

import streamlit as st
from sqlalchemy.orm import Session

from components.auth import require_page
from components.caches import clear_patient_caches
from components.dates import shown_moment
from components.emergency_banner import INBOX_TAB_KEY
from components.inbox_views import (
    question_frame,
    report_frame,
    timeliness_chart,
)
from components.picker import selectable_table, synced_pick
from components.resources import current_database
from components.state import set_notice, take_notice
from components.view_audit import audit_view
from data_access.clock import utc_now
from data_access.condition_reports import (
    ReportError,
    acknowledge_report,
    condition_reports,
    is_open_emergency,
)
from data_access.questions import (
    MAX_ANSWER_CHARS,
    QuestionError,
    answer_question,
    answering_staff,
    assign_question,
    clinic_deadline,
    inbox_questions,
    question_deadlines,
    set_clinic_deadline,
)
from domain.deadlines import (
    AnswerDeadline,
    WorkingWeek,
    describe_deadline,
    shared_week_start,
    timeliness_by_week,
)
from domain.text import t
from domain.vocabulary import Role

user = require_page("inbox")
now = utc_now()
st.title(t("Inbox"))
notice = take_notice()
if notice:
    st.success(notice)

SECTIONS = {"questions": t("Questions"), "reports": t("Condition reports"),
            "times": t("Answer times")}
st.session_state.setdefault(INBOX_TAB_KEY, "questions")
section = st.radio(t("Show"), list(SECTIONS), format_func=lambda k: SECTIONS[k],
                   horizontal=True, key=INBOX_TAB_KEY, label_visibility="collapsed")


def questions_section() -> None:
    mine_column, answered_column = st.columns(2)
    only_mine = mine_column.toggle(t("Only questions assigned to me"), key="inbox_mine")
    with_answered = answered_column.toggle(t("Also answered in the last 7 days"),
                                           key="inbox_answered")
    with current_database().sessions() as session:
        questions = inbox_questions(session, clinic_ids=user.clinic_ids, now=now,
                                    include_answered_days=7 if with_answered else 0,
                                    assigned_to_id=user.id if only_mine else None)
    if not questions:
        st.success(t("No question is waiting for an answer."))
        return
    audit_view(user, entity="inbox_questions", entity_id=None,
               summary=f"{len(questions)} questions listed")
    frame = question_frame(questions, now)
    picked = selectable_table(frame, key="inbox_questions", column_config={
        "clock": st.column_config.TextColumn(t("Clock")),
        "status": st.column_config.TextColumn(t("Status")),
        "patient": st.column_config.TextColumn(t("Patient")),
        "member": st.column_config.TextColumn(t("From")),
        "consent": st.column_config.TextColumn(t("Consent")),
        "asked": st.column_config.DatetimeColumn(t("Asked"), format="YYYY-MM-DD HH:mm"),
        "due": st.column_config.DateColumn(t("Answer by end of")),
        "assigned_to": st.column_config.TextColumn(t("Assigned to")),
        "question": st.column_config.TextColumn(t("Question"), width="large"),
    }, user=user)
    choices = {q.id: f"{q.patient_code} · {q.member_code} · {q.body[:60]}" for q in questions}
    chosen = synced_pick(t("Question"), choices, picked, key="inbox_question_pick")
    question = next((q for q in questions if q.id == chosen), None)
    if question is None:
        st.info(t("Select a question to assign or answer it."))
        return
    audit_view(user, entity="family_question", entity_id=question.id,
               summary=f"viewed question about patient {question.patient_code}")
    st.subheader(t("Question from {member} about {patient}", member=question.member_code,
                   patient=question.patient_code))
    st.markdown(f"> {question.body}")
    if question.answered_at is not None:
        st.caption(t("Answered at {time}.", time=shown_moment(question.answered_at, user)))
        return
    if question.consent_scope is None:
        st.warning(t("This family member has no active consent. Answer with general "
                     "information only: nothing about the patient, his or her treatment or "
                     "attendance (42 CFR 2.31)."))
    else:
        st.info(t("Consent scope: {scope}. Share only what the scope covers.",
                  scope=str(question.consent_scope)))
    with current_database().sessions() as session:
        names = dict(answering_staff(session, patient_id=question.patient_id))
    assign_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    chosen = assign_column.selectbox(
        t("Assign to"), list(names), format_func=lambda sid: names[sid],
        index=list(names).index(question.assigned_to_id)
        if question.assigned_to_id in names else None,
        key=f"inbox_assign_{question.id}", placeholder=t("Choose a specialist"))
    if button_column.button(t("Assign"), key="inbox_assign_button", disabled=chosen is None):
        _save(lambda session: assign_question(session, question_id=question.id,
                                              staff_id=int(chosen or 0), actor=user.username),
              t("Question assigned to {name}.", name=names.get(chosen or 0, "")))
    with st.form(f"answer_{question.id}"):
        body = st.text_area(t("Answer"), max_chars=MAX_ANSWER_CHARS, key="inbox_answer_body")
        sent = st.form_submit_button(t("Send answer"), type="primary")
    if sent:
        _save(lambda session: answer_question(session, question_id=question.id, body=body,
                                              actor=user.username, staff_id=user.id, now=now),
              t("Answer queued for delivery by {channel}.", channel=question.channel))


def _save(write: Callable[[Session], object], done: str) -> None:
    """Run one write in its own transaction; on a refused input show why and change nothing."""
    try:
        with current_database().sessions() as session, session.begin():
            write(session)
    except (QuestionError, ReportError) as error:
        st.error(str(error))
        return
    clear_patient_caches()
    set_notice(done)
    st.rerun()


def reports_section() -> None:
    with current_database().sessions() as session:
        reports = condition_reports(session, clinic_ids=user.clinic_ids, now=now, days=30)
    if not reports:
        st.success(t("No condition report in the last 30 days."))
        return
    open_count = sum(1 for r in reports if is_open_emergency(r))
    audit_view(user, entity="condition_reports", entity_id=None,
               summary=f"{len(reports)} reports listed")
    st.caption(t("{n} report(s) in the last 30 days · {open} emergency report(s) open",
                 n=len(reports), open=open_count))
    picked = selectable_table(report_frame(reports), key="inbox_reports", column_config={
        "state": st.column_config.TextColumn(t("State")),
        "patient": st.column_config.TextColumn(t("Patient")),
        "member": st.column_config.TextColumn(t("From")),
        "reported": st.column_config.DatetimeColumn(t("Reported"), format="YYYY-MM-DD HH:mm"),
        "severity": st.column_config.TextColumn(t("Severity")),
        "physical": st.column_config.TextColumn(t("Physical")),
        "mental": st.column_config.TextColumn(t("Mental")),
        "medical": st.column_config.TextColumn(t("Medical")),
        "signs_of_use": st.column_config.TextColumn(t("Signs of use")),
        "acknowledged": st.column_config.DatetimeColumn(t("Acknowledged"),
                                                        format="YYYY-MM-DD HH:mm"),
        "action": st.column_config.TextColumn(t("What was done"), width="medium"),
    }, user=user)
    # The oldest open emergency is preselected: it is the one to act on.
    if open_count and "inbox_report_pick" not in st.session_state:
        st.session_state["inbox_report_pick"] = reports[0].id
    choices = {r.id: f"{r.patient_code} · {shown_moment(r.reported_at, user)} · {r.severity}"
               + (" · " + t("EMERGENCY") if r.emergency else "") for r in reports}
    chosen = synced_pick(t("Report"), choices, picked, key="inbox_report_pick")
    report = next((r for r in reports if r.id == chosen), None)
    if report is None:
        st.info(t("Select a report to acknowledge it."))
        return
    if report.acknowledged_at is not None:
        st.caption(t("Acknowledged by {name} at {time}: {action}",
                     name=report.acknowledged_by or "—",
                     time=shown_moment(report.acknowledged_at, user),
                     action=report.action_taken or ""))
        return
    kind = t("emergency report") if report.emergency else t("report")
    st.subheader(t("Acknowledge the {kind} about {patient} ({time})", kind=kind,
                   patient=report.patient_code, time=shown_moment(report.reported_at, user)))
    with st.form(f"acknowledge_{report.id}"):
        action = st.text_area(t("What was done"), key="inbox_ack_action",
                              placeholder=t("e.g. called the mother, ambulance sent, naloxone "
                                            "given; follow-up tomorrow"))
        done = st.form_submit_button(t("Acknowledge"), type="primary")
    if done:
        _save(lambda session: acknowledge_report(session, report_id=report.id,
                                                 action_taken=action, staff_id=user.id,
                                                 actor=user.username, now=now),
              t("Report about {patient} acknowledged.", patient=report.patient_code))


def times_section() -> None:
    with current_database().sessions() as session:
        rows = question_deadlines(session, clinic_ids=user.clinic_ids,
                                  since=now - timedelta(weeks=12))
        rules = {code: clinic_deadline(session, cid)
                 for cid, code in zip(user.clinic_ids, user.clinic_codes, strict=False)}
    for code, (rule, week) in rules.items():
        st.caption(t("{clinic}: families get an answer within {rule}", clinic=code,
                     rule=describe_deadline(rule, week, user.language)))
    weeks = timeliness_by_week(
        rows, now, first_weekday=shared_week_start(week for _, week in rules.values()))
    if not weeks:
        st.info(t("No question in the last 12 weeks."))
    else:
        answered = sum(w.in_time + w.late for w in weeks)
        in_time = sum(w.in_time for w in weeks)
        st.metric(t("Answered within the deadline, last 12 weeks"),
                  f"{in_time / answered:.0%}" if answered else "—")
        st.altair_chart(timeliness_chart(weeks, calendar=user.calendar,
                                         language=user.language), width="stretch")
    if user.role is Role.SUPERVISOR:
        _deadline_settings(rules)


def _deadline_settings(rules: Mapping[str, tuple[AnswerDeadline, WorkingWeek]]) -> None:
    with st.expander(t("Change a clinic's answer deadline")):
        with st.form("deadline_settings"):
            code = st.selectbox(t("Clinic"), list(rules), key="deadline_clinic")
            rule = st.radio(t("Deadline"), list(AnswerDeadline), horizontal=True,
                            format_func=lambda r: t("1 working day") if r ==
                            AnswerDeadline.ONE_WORKING_DAY else t("7 days"),
                            key="deadline_rule")
            # The current week of the first clinic (shown above for each clinic), not a
            # fixed default that would quietly move an Iranian clinic to Monday-Friday.
            current = next(iter(rules.values()))[1].text if rules else "mon-fri"
            week = st.text_input(t("Working days (e.g. sat-wed or mon-fri)"),
                                 key="deadline_week", value=current)
            saved = st.form_submit_button(t("Save"))
        if saved and code is not None and rule is not None:
            clinic_id = dict(zip(user.clinic_codes, user.clinic_ids, strict=False))[code]
            _save(lambda session: set_clinic_deadline(session, clinic_id, rule=rule,
                                                      working_days=week, actor=user.username),
                  t("New questions to {clinic} are due within the new deadline.", clinic=code))


{"questions": questions_section, "reports": reports_section, "times": times_section}[section]()
