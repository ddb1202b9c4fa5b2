"""The content library, the cohort assignment and the record's family education section, as
psychologists and supervisors use them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from data_access.clock import utc_now
from data_access.content import add_module
from data_access.database import Database
from data_access.invites import redeem_invite
from data_access.models import (
    Assignment,
    AuditLog,
    Consent,
    ContentModule,
    DoseEvent,
    EngagementEvent,
    InviteCode,
    OutboxMessage,
    Patient,
    SupportMember,
)
from data_access.worker_status import beat
from domain.calendars import Calendar, to_jalali
from domain.content_rules import BYTES_PER_MB, ModuleDraft, check_module
from domain.open_links import open_token
from domain.vocabulary import Role
from settings import DEMO_COOKIE_KEY
from tests import builders
from tests.pages.conftest import new_app, open_page, texts
from tests.pages.test_patients import frame_with
from tests.pages.test_persian import prefer
from tests.pinned_clock import PINNED_TODAY

AS_OF = PINNED_TODAY
NOW = datetime(2026, 1, 1, 9, 0)
TALK = b"ID3 synthetic audio bytes for a page test"


@pytest.fixture
def media_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "media"
    monkeypatch.setenv("HAMRAH_MEDIA_DIR", str(folder))
    monkeypatch.setenv("HAMRAH_MAX_MEDIA_MB", "1")
    return folder


@pytest.fixture
def library(database: Database) -> dict[str, int]:
    """Two English modules (one about what MAT is, for induction) and one Persian."""
    with database.sessions() as session, session.begin():
        ids = {}
        for code, language, tags in (
            ("what-is-mat-en", "en", {"topics": ["what_is_mat"], "phases": ["induction"]}),
            ("self-care-en", "en", {"topics": ["self_care_for_families"]}),
            ("what-is-mat-fa", "fa", {"topics": ["what_is_mat"]}),
        ):
            row = ContentModule(code=code, title=f"Title {code} (synthetic)", kind="text",
                                language=language, summary=f"About {code}", tags=tags,
                                created_at=NOW, updated_at=NOW)
            session.add(row)
            session.flush()
            ids[code] = row.id
    return ids


@pytest.fixture
def families(database: Database) -> dict[str, int]:
    """NEW is in induction with a consented mother (M-NEW) and an unconsented brother (M-BRO)."""
    with database.sessions() as session, session.begin():
        clinic_id = session.scalar(select(Patient.clinic_id)) or 1
        admitted = AS_OF - timedelta(days=6)
        pid = builders.patient(session, clinic_id, "NEW", phase="induction", admission=admitted)
        session.execute(insert(DoseEvent), [
            {"patient_id": pid, "dose_date": admitted + timedelta(days=n), "status": "taken",
             "dose_mg": 30.0, "kind": "observed"} for n in range(7)])
        mother = builders.member(session, clinic_id, pid, "M-NEW")
        consent = builders.consent(session, mother, pid, signed=admitted)
        brother = builders.member(session, clinic_id, pid, "M-BRO")
        session.get_one(SupportMember, brother).relation = "sibling"
    return {"patient": pid, "mother": mother, "brother": brother, "consent": consent}


def test_add_a_link_module_and_refuse_a_wrong_web_address(
        signed_in: Callable[[Role], AppTest], media_dir: Path, database: Database) -> None:
    at = open_page(signed_in(Role.PSYCHOLOGIST), "pages/content_library.py")
    at.radio(key="library_section").set_value("add").run()
    at.text_input(key="module_add_code").input("naloxone-at-home")
    at.text_input(key="module_add_title").input("Naloxone at home (synthetic)")
    at.selectbox(key="module_add_kind").set_value("link")
    at.text_input(key="module_add_url").input("ftp://example.org/naloxone")
    at.multiselect(key="module_add_topics").set_value(["overdose_and_naloxone"])
    at.button(key="FormSubmitter:module_add-Add module").click().run()
    assert "location: a web address must start with http:// or https://" in texts(at)
    with database.sessions() as session:
        assert session.scalars(select(ContentModule)).all() == []  # nothing half-written
    at.text_input(key="module_add_url").input("https://example.org/naloxone")
    at.button(key="FormSubmitter:module_add-Add module").click().run()
    assert not at.exception, at.exception
    assert "Module naloxone-at-home saved." in texts(at)
    with database.sessions() as session:
        module = session.scalars(select(ContentModule)).one()
        assert (module.code, module.kind, module.location, module.tags["topics"]) == (
            "naloxone-at-home", "link", "https://example.org/naloxone",
            ["overdose_and_naloxone"])


def test_an_upload_of_the_wrong_type_or_too_large_is_refused_and_a_good_one_plays(
        signed_in: Callable[[Role], AppTest], media_dir: Path, database: Database) -> None:
    at = open_page(signed_in(Role.PSYCHOLOGIST), "pages/content_library.py")
    at.radio(key="library_section").set_value("add").run()
    at.text_input(key="module_add_code").input("talk-one")
    at.text_input(key="module_add_title").input("A talk for families (synthetic)")
    at.selectbox(key="module_add_kind").set_value("audio")
    submit = "FormSubmitter:module_add-Add module"
    at.file_uploader(key="module_add_upload").set_value(("clip.mp4", TALK, "video/mp4"))
    at.button(key=submit).click().run()
    assert "audio modules take .mp3, .m4a, .ogg or .wav files, not 'clip.mp4'" in texts(at)
    too_large = b"x" * (BYTES_PER_MB + 1)  # the fixture's limit is 1 MB
    at.file_uploader(key="module_add_upload").set_value(("talk.mp3", too_large, "audio/mpeg"))
    at.button(key=submit).click().run()
    assert "the file is 1.1 MB; the limit is 1 MB" in texts(at)
    with database.sessions() as session:
        assert session.scalars(select(ContentModule)).all() == []
    assert list(media_dir.rglob("*")) == []  # a refused upload leaves no file behind
    at.file_uploader(key="module_add_upload").set_value(("Talk One.MP3", TALK, "audio/mpeg"))
    at.button(key=submit).click().run()
    assert not at.exception, at.exception
    assert "Module talk-one saved." in texts(at)
    assert (media_dir / "talk-one" / "talk-one.mp3").read_bytes() == TALK
    with database.sessions() as session:
        module = session.scalars(select(ContentModule)).one()
        assert (module.location, module.media_type, module.media_bytes) == (
            "talk-one/talk-one.mp3", "audio/mpeg", len(TALK))
    at.radio(key="library_section").set_value("library").run()
    at.selectbox(key="library_pick").set_value(module.id).run()
    [player] = at.get("audio")
    assert player.proto.url.endswith(".mp3")  # served as the MP3 it is, not as a WAV


def test_edit_a_module_and_preview_its_text_and_video(
        signed_in: Callable[[Role], AppTest], media_dir: Path, database: Database) -> None:
    def draft(code: str, kind: str) -> ModuleDraft:
        checked = check_module({"code": code, "title": f"{code} (synthetic)", "kind": kind,
                                "language": "en", "topics": "communication"})
        assert isinstance(checked, ModuleDraft), checked
        return checked

    with database.sessions() as session, session.begin():
        text_id = add_module(session, draft("talking-en", "text"), actor="test",
                             media=("talking.md", b"# Talking without blame\n"),
                             media_dir=media_dir, max_bytes=BYTES_PER_MB)
        video_id = add_module(session, draft("taper-video", "video"), actor="test",
                              media=("taper.webm", b"synthetic webm bytes"),
                              media_dir=media_dir, max_bytes=BYTES_PER_MB)
    at = open_page(signed_in(Role.PSYCHOLOGIST), "pages/content_library.py")
    at.selectbox(key="library_pick").set_value(text_id).run()
    assert "# Talking without blame" in [m.value for m in at.markdown]  # the file, as markdown
    form = f"module_edit_{text_id}"
    at.text_input(key=f"{form}_title").input("Talking without blame (synthetic)")
    at.multiselect(key=f"{form}_topics").set_value(["communication", "self_care_for_families"])
    at.button(key=f"FormSubmitter:{form}-Save module").click().run()
    assert not at.exception, at.exception
    assert "Module talking-en saved." in texts(at)
    with database.sessions() as session:
        module = session.get_one(ContentModule, text_id)
        assert (module.title, module.tags["topics"], module.location) == (
            "Talking without blame (synthetic)", ["communication", "self_care_for_families"],
            "talking-en/talking.md")
        assert session.scalars(select(AuditLog.summary).where(
            AuditLog.entity == "content_module", AuditLog.actor == "pt.psychologist")
        ).all() == ["module talking-en: title, tags"]
    at.selectbox(key="library_pick").set_value(video_id).run()
    [player] = at.get("video")
    assert player.proto.url.endswith(".webm")


def test_a_module_code_typed_in_persian_digits_is_saved_and_found_in_ascii(
        signed_in: Callable[[Role], AppTest], media_dir: Path, database: Database) -> None:
    at = open_page(signed_in(Role.PSYCHOLOGIST), "pages/content_library.py")
    at.radio(key="library_section").set_value("add").run()
    at.text_input(key="module_add_code").input("naloxone-۲")
    at.text_input(key="module_add_title").input("Naloxone at home (synthetic)")
    at.selectbox(key="module_add_kind").set_value("link")
    at.text_input(key="module_add_url").input("https://example.org/naloxone")
    at.button(key="FormSubmitter:module_add-Add module").click().run()
    assert "Module naloxone-2 saved." in texts(at)
    with database.sessions() as session:
        assert session.scalars(select(ContentModule.code)).all() == ["naloxone-2"]
    at.radio(key="library_section").set_value("library").run()
    at.text_input(key="library_search").input("naloxone-٢").run()
    assert list(at.dataframe(key="library_table").value["code"]) == ["naloxone-2"]


def test_library_lists_reach_previews_and_retires(
        signed_in: Callable[[Role], AppTest], library: dict[str, int], families: dict[str, int],
        media_dir: Path, database: Database) -> None:
    with database.sessions() as session, session.begin():
        session.add(Assignment(module_id=library["self-care-en"], member_id=families["mother"],
                               assigned_at=NOW, status="completed", completed_at=NOW))
    at = open_page(signed_in(Role.PSYCHOLOGIST), "pages/content_library.py")
    frame = at.dataframe(key="library_table").value
    assert list(frame["code"]) == ["self-care-en", "what-is-mat-en", "what-is-mat-fa"]
    assert frame.set_index("code").loc["self-care-en", "completion"] == 1.0
    at.multiselect(key="library_languages").set_value(["fa"]).run()
    assert list(at.dataframe(key="library_table").value["code"]) == ["what-is-mat-fa"]
    at.multiselect(key="library_languages").set_value([]).run()
    at.selectbox(key="library_pick").set_value(library["self-care-en"]).run()
    assert "About self-care-en" in texts(at)  # the preview shows the summary
    assert "Assigned 1 time(s): it can be retired, not deleted." in texts(at)
    assert not any(b.key == "library_delete" for b in at.button)
    at.button(key="library_retire").click().run()
    assert "Module self-care-en retired." in texts(at)
    assert "self-care-en" not in list(at.dataframe(key="library_table").value["code"])
    with database.sessions() as session:
        assert session.get_one(ContentModule, library["self-care-en"]).retired is True


def test_record_recommends_and_assigns_then_revocation_cancels(
        signed_in: Callable[[Role], AppTest], library: dict[str, int], families: dict[str, int],
        database: Database) -> None:
    at = signed_in(Role.PSYCHOLOGIST)
    at.session_state["hamrah_selected_patient"] = families["patient"]
    at = open_page(at, "pages/patient_record.py")
    assert not at.exception, at.exception
    at.selectbox(key="record_recommend_member").set_value(families["mother"]).run()
    recommended = frame_with(at, "why")
    # An induction patient: what MAT is comes first; the Persian module is not for her.
    assert list(recommended["code"]) == ["what-is-mat-en", "self-care-en"]
    assert "recommended in induction" in recommended["why"].iloc[0]
    form = f"record_assign_{families['mother']}"
    at.button(key=f"FormSubmitter:{form}-Assign").click().run()
    assert not at.exception, at.exception
    assert "Assigned to 1 family member(s); each gets one message." in texts(at)
    with database.sessions() as session:
        assignment = session.scalars(select(Assignment)).one()
        assert (assignment.member_id, assignment.module_id, assignment.status) == (
            families["mother"], library["what-is-mat-en"], "queued")
        assert session.scalars(select(OutboxMessage.idempotency_key)).one() == (
            f"assignment:{assignment.id}")
    at = open_page(at, "pages/patient_record.py")
    assert list(frame_with(at, "delivered")["status"]) == ["queued"]
    assigned = next(m for m in at.metric if m.label == "Assigned")
    assert assigned.value == "1"
    at.button(key="FormSubmitter:record_revoke-Record revocation").click().run()
    assert "Consent revoked; 1 pending assignment(s) cancelled." in texts(at)
    with database.sessions() as session:
        assert session.get_one(Consent, families["consent"]).revoked_on == AS_OF
        assert session.scalars(select(Assignment.status)).one() == "cancelled_consent_revoked"
        assert session.scalars(select(OutboxMessage.status)).one() == (
            "cancelled_consent_revoked")


def test_cohort_assignment_lists_every_skipped_member(
        signed_in: Callable[[Role], AppTest], library: dict[str, int], families: dict[str, int],
        database: Database) -> None:
    at = open_page(signed_in(Role.SUPERVISOR), "pages/assign_content.py")
    at.multiselect(key="cohort_phases").set_value(["induction"]).run()
    assert "1 patient(s), 2 family member(s) in the cohort" in texts(at)
    at.selectbox(key="cohort_module").set_value(library["what-is-mat-en"])
    at.button(key="FormSubmitter:cohort_assign-Assign to the cohort").click().run()
    assert not at.exception, at.exception
    assert "Assigned to 1 family member(s)" in texts(at)
    skipped = frame_with(at, "reason")
    assert list(zip(skipped["member"], skipped["reason"], strict=True)) == [
        ("M-BRO", "no active consent")]
    at.button(key="FormSubmitter:cohort_assign-Assign to the cohort").click().run()
    again = frame_with(at, "reason")
    assert set(again["reason"]) == {"already assigned", "no active consent"}
    with database.sessions() as session:
        assert session.scalars(select(Assignment.member_id)).all() == [families["mother"]]


def test_a_solar_hijri_due_date_is_refused_in_words_or_stored_in_gregorian(
        signed_in: Callable[[Role], AppTest], library: dict[str, int], families: dict[str, int],
        database: Database) -> None:
    prefer(database, Role.SUPERVISOR, "en", Calendar.JALALI)
    at = open_page(signed_in(Role.SUPERVISOR), "pages/assign_content.py")
    at.multiselect(key="cohort_phases").set_value(["induction"]).run()
    at.selectbox(key="cohort_module").set_value(library["what-is-mat-en"])
    at.text_input(key="cohort_due").input("1405/13/01")  # there is no 13th month
    at.button(key="FormSubmitter:cohort_assign-Assign to the cohort").click().run()
    assert not at.exception, at.exception
    errors = "\n".join(e.value for e in at.error)
    assert "Due on (1405/13/01):" in errors
    assert "Nothing was assigned: correct the due date and assign again." in errors
    with database.sessions() as session:
        assert session.scalars(select(Assignment)).all() == []
    due = AS_OF + timedelta(days=10)
    at.text_input(key="cohort_due").input(str(to_jalali(due)))
    at.button(key="FormSubmitter:cohort_assign-Assign to the cohort").click().run()
    assert "Assigned to 1 family member(s)" in texts(at)
    with database.sessions() as session:
        assert session.scalars(select(Assignment.due_on)).all() == [due]


def test_case_team_sees_progress_without_assignment_controls(
        signed_in: Callable[[Role], AppTest], library: dict[str, int],
        families: dict[str, int]) -> None:
    at = signed_in(Role.CASE_TEAM)
    at.session_state["hamrah_selected_patient"] = families["patient"]
    at = open_page(at, "pages/patient_record.py")
    assert "Family education" in texts(at)
    assert not any(s.key == "record_recommend_member" for s in at.selectbox)


def test_invite_code_links_a_member_through_the_bot(
        signed_in: Callable[[Role], AppTest], families: dict[str, int],
        database: Database) -> None:
    at = signed_in(Role.PSYCHOLOGIST)
    at.session_state["hamrah_selected_patient"] = families["patient"]
    at = open_page(at, "pages/patient_record.py")
    assert at.selectbox(key="invite_member").options == ["M-NEW"]  # only consented members
    at.button(key="invite_create").click().run()
    assert not at.exception, at.exception
    code, link = (block.value for block in at.code)
    assert link == f"https://t.me/HamrahClinicBot?start={code}"
    with database.sessions() as session, session.begin():
        stored = session.scalars(select(InviteCode)).one()
        assert stored.code_hash != code  # only the hash is kept
        assert redeem_invite(session, code=code, chat_id="555", now=utc_now()) == (
            families["mother"])


def test_admin_sees_the_worker_heartbeat_and_backlog(
        signed_in: Callable[[Role], AppTest], database: Database) -> None:
    at = signed_in(Role.ADMIN)
    assert "The worker has never run" in texts(at)
    with database.sessions() as session, session.begin():
        beat(session, now=utc_now(), detail="sent 0")
    at = open_page(at, "pages/home.py")
    assert "The worker is running" in texts(at)
    assert next(m for m in at.metric if m.label == "Waiting to be sent").value == "0"


def test_a_family_module_link_records_the_opening_without_sign_in(
        families: dict[str, int], database: Database) -> None:
    with database.sessions() as session, session.begin():
        module = ContentModule(code="naloxone-link", title="Naloxone (synthetic)", kind="link",
                               language="en", location="https://example.org/naloxone",
                               tags={}, created_at=NOW, updated_at=NOW)
        session.add(module)
        session.flush()
        assignment = Assignment(module_id=module.id, member_id=families["mother"],
                                assigned_at=NOW, status="delivered")
        session.add(assignment)
        session.flush()
        assignment_id = assignment.id
    forged = new_app()
    forged.query_params["open"] = f"{assignment_id}.0000"
    forged.run()
    assert "This link is not valid" in texts(forged)
    at = new_app()
    at.query_params["open"] = open_token(assignment_id, DEMO_COOKIE_KEY)
    at.run()
    assert not at.exception, at.exception
    assert "Opening the material from your clinic" in texts(at)
    assert "Sign in" not in texts(at)  # no staff screen for a family member
    with database.sessions() as session:
        stored = session.get_one(Assignment, assignment_id)
        assert (stored.status, stored.opened_at is not None) == ("opened", True)
        assert session.scalars(select(EngagementEvent.kind).where(
            EngagementEvent.assignment_id == assignment_id)).all() == ["opened"]
