"""Manual entry on the patient record: one dose, one screen, or one member with consent.

Each form becomes a one-row import file and goes through ``import_file``: the same checks, the
same all-or-nothing write and the same audit as a whole file. Dates are asked in the user's
calendar (``components.dates.date_field``) and written to the row in ISO Gregorian, as an import
file has them; a form with a date that cannot be read saves nothing.
"""

from __future__ import annotations

import io
from datetime import date

import streamlit as st

from components.dates import DateEntry, date_field
from components.import_views import validation_report
from components.state import SignedInUser, signed_in_user
from data_access.database import Database
from data_access.importers import import_file
from domain.import_rules import ImportKind, single_row_csv
from domain.text import t
from domain.vocabulary import Channel, ConsentScope, Relation, values


def _save(db: Database, kind: ImportKind, row: dict[str, str], actor: str, today: date) -> bool:
    with db.sessions() as session, session.begin():
        result = import_file(session, kind, io.StringIO(single_row_csv(row)), dry_run=False,
                             actor=actor, today=today, name=f"manual {kind.value}")
        if result.errors:
            session.rollback()
    if result.errors:
        validation_report(result.errors, result.unlisted_errors, [], key_prefix=f"manual_{kind}")
        return False
    st.success(t("Saved: inserted {i}, updated {u}, unchanged {k}.", i=result.inserted,
                 u=result.updated, k=result.unchanged))
    return True


def _day(entry: DateEntry) -> str:
    return entry.day.isoformat() if entry.day else ""


def _submitted(label: str, *dates: DateEntry) -> bool:
    """The form's button was pressed and every date in it could be read."""
    if not st.form_submit_button(label):
        return False
    if any(entry.refused for entry in dates):
        st.error(t("Nothing was saved: correct the date and save again."))
        return False
    return True


def manual_entry(db: Database, *, patient_code: str, clinic_code: str, actor: str,
                 today: date, key_prefix: str, user: SignedInUser | None = None) -> bool:
    """Draw the three forms; True when one of them saved something.

    ``user`` decides the calendar of the date fields (None: the session's signed-in user).
    """
    reader = user if user is not None else signed_in_user()
    if reader is None:
        raise RuntimeError("manual entry is drawn for a signed-in user only")
    saved = False
    keys = {"patient_code": patient_code, "clinic_code": clinic_code}
    dose_tab, screen_tab, member_tab = st.tabs(
        [t("Dose or correction"), t("Screen result"), t("New support member")])
    with dose_tab, st.form(f"{key_prefix}_dose", clear_on_submit=True):
        day = date_field(t("Date"), today, max_value=today, key=f"{key_prefix}_dose_date",
                         user=reader)
        status = st.selectbox(t("Status"), ["taken", "missed"])
        dose = st.number_input(t("Dose (mg)"), min_value=0.0, step=1.0, value=None)
        kind = st.selectbox(t("Kind"), ["observed", "take_home"])
        if _submitted(t("Save dose"), day):
            saved |= _save(db, ImportKind.DOSES, {
                **keys, "date": _day(day), "status": status,
                "dose_mg": "" if dose is None else f"{dose:g}", "kind": kind}, actor, today)
    with screen_tab, st.form(f"{key_prefix}_screen", clear_on_submit=True):
        day = date_field(t("Date"), today, max_value=today, key=f"{key_prefix}_screen_date",
                         user=reader)
        substance = st.text_input(t("Substance"), value="opioids")
        result = st.selectbox(t("Result"), ["negative", "positive"])
        expected = st.checkbox(t("Expected (the patient's prescribed medication)"))
        if _submitted(t("Save screen"), day):
            saved |= _save(db, ImportKind.SCREENS, {
                **keys, "date": _day(day), "substance": substance.strip(), "result": result,
                "expected": "true" if expected else "false"}, actor, today)
    with member_tab, st.form(f"{key_prefix}_member", clear_on_submit=True):
        code = st.text_input(t("Member code"))
        first = st.text_input(t("First name"))
        last = st.text_input(t("Last name"))
        relation = st.selectbox(t("Relation"), values(Relation))
        channel = st.selectbox(t("Channel"), values(Channel))
        phone = st.text_input(t("Phone"))
        email = st.text_input(t("E-mail"))
        language = st.selectbox(t("Language"), ["fa", "en"])
        signed = date_field(t("Consent signed"), None, max_value=today,
                            key=f"{key_prefix}_consent_signed", user=reader)
        expires = date_field(t("Consent expires"), None, key=f"{key_prefix}_consent_expires",
                             user=reader)
        scope = st.selectbox(t("Consent scope"), values(ConsentScope))
        if _submitted(t("Save member"), signed, expires):
            saved |= _save(db, ImportKind.MEMBERS, {
                "member_code": code.strip(), **keys, "relation": relation,
                "first_name": first.strip(), "last_name": last.strip(), "phone": phone.strip(),
                "email": email.strip(), "channel": channel, "language": language,
                "consent_signed": _day(signed), "consent_expires": _day(expires),
                "consent_scope": scope}, actor, today)
    return saved
