"""The content library on both databases: modules, their files, reach, and the library CSV."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from data_access.audit import verify_audit_chain
from data_access.content import (
    ContentError,
    ModuleRow,
    Reach,
    add_module,
    delete_module,
    get_module,
    import_library,
    library_records,
    list_modules,
    media_path,
    module_reach,
    retire_module,
    update_module,
)
from data_access.models import Assignment, AuditLog, ContentModule
from domain.content_rules import LIBRARY_COLUMNS, ModuleDraft, check_module
from tests import builders

LIMIT = 1024 * 1024
TALK = b"ID3 synthetic audio bytes for a test"
ASSIGNED_AT = datetime(2026, 3, 1, 9, 0)


def draft(code: str = "what-is-mat-en", **changes: str) -> ModuleDraft:
    fields = {"code": code, "title": "What MAT is (synthetic)", "summary": "For families.",
              "kind": "audio", "language": "en", "topics": "what_is_mat", **changes}
    checked = check_module(fields)
    assert isinstance(checked, ModuleDraft), checked
    return checked


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


def files_under(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def audit_summaries(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(AuditLog.action, AuditLog.summary)
                           .where(AuditLog.entity == "content_module").order_by(AuditLog.seq))
    return [(row[0], row[1]) for row in rows]


def add(session: Session, media_dir: Path, module: ModuleDraft | None = None,
        media: tuple[str, bytes] | None = None) -> int:
    session.rollback()  # end the read-only transaction a previous query began
    with session.begin():
        return add_module(session, module or draft(), actor="test", media=media,
                          media_dir=media_dir, max_bytes=LIMIT)


def update(session: Session, media_dir: Path, module_id: int, module: ModuleDraft,
           media: tuple[str, bytes] | None = None) -> bool:
    session.rollback()
    with session.begin():
        return update_module(session, module_id, module, actor="test", media=media,
                             media_dir=media_dir, max_bytes=LIMIT)


def test_add_stores_an_uploaded_file_under_the_media_folder(session: Session,
                                                           media_dir: Path) -> None:
    module_id = add(session, media_dir, media=("Talk One.MP3", TALK))
    row = get_module(session, module_id)
    assert (row.location, row.media_type, row.media_bytes) == (
        "what-is-mat-en/talk-one.mp3", "audio/mpeg", len(TALK))
    assert row.has_file and row.tags.topics == ("what_is_mat",) and not row.retired
    stored = media_path(media_dir, row.location)
    assert stored == (media_dir / "what-is-mat-en" / "talk-one.mp3").resolve()
    assert stored.read_bytes() == TALK
    assert files_under(media_dir) == ["what-is-mat-en", "what-is-mat-en/talk-one.mp3"]
    assert audit_summaries(session) == [
        ("create", "module what-is-mat-en (audio, en), file what-is-mat-en/talk-one.mp3")]
    assert verify_audit_chain(session).broken is None


def test_add_refuses_what_a_form_would_refuse(session: Session, media_dir: Path) -> None:
    add(session, media_dir, media=("talk.mp3", TALK))
    cases = [
        (draft(), None, "a module with the code 'what-is-mat-en' already exists"),
        (draft("other", location="https://example.org/a.mp3"), ("talk.mp3", TALK),
         "give a web address or a file, not both"),
        (draft("other"), ("clip.mp4", TALK),
         "audio modules take .mp3, .m4a, .ogg or .wav files, not 'clip.mp4'"),
        (draft("other"), ("talk.mp3", b"x" * (LIMIT + 1)),
         "the file is 1.1 MB; the limit is 1 MB"),
        (draft("other", kind="link", location="https://example.org/mat"), ("talk.mp3", TALK),
         "a link module has no file: give its web address instead"),
        # A draft built by hand is checked like a form.
        (ModuleDraft("BAD CODE", "t", "", draft().kind, "en", None, None, draft().tags), None,
         "code: use 3 to 64 lower-case letters a-z, digits, - or _"),
    ]
    for module, media, message in cases:
        with pytest.raises(ContentError) as error, session.begin():
            add_module(session, module, actor="test", media=media, media_dir=media_dir,
                       max_bytes=LIMIT)
        assert str(error.value) == message
    assert session.scalar(select(func.count()).select_from(ContentModule)) == 1
    assert files_under(media_dir) == ["what-is-mat-en", "what-is-mat-en/talk.mp3"]


def test_a_failing_transaction_leaves_no_file_and_no_row(session: Session,
                                                         media_dir: Path) -> None:
    with pytest.raises(RuntimeError), session.begin():
        add_module(session, draft(), actor="test", media=("talk.mp3", TALK),
                   media_dir=media_dir, max_bytes=LIMIT)
        assert (media_dir / "what-is-mat-en" / "talk.mp3").read_bytes() == TALK
        raise RuntimeError("a later step of the caller fails")
    assert session.scalar(select(func.count()).select_from(ContentModule)) == 0
    assert files_under(media_dir) == []
    # A session closed without a commit removes the file too.
    add_module(session, draft(), actor="test", media=("talk.mp3", TALK), media_dir=media_dir,
               max_bytes=LIMIT)
    session.close()
    assert session.scalar(select(func.count()).select_from(ContentModule)) == 0
    assert files_under(media_dir) == []
    session.rollback()


def test_a_file_that_cannot_be_written_fails_the_add(session: Session, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the media folder should be")
    with pytest.raises(ContentError, match="cannot store the file in"), session.begin():
        add_module(session, draft(), actor="test", media=("talk.mp3", TALK), media_dir=blocked,
                   max_bytes=LIMIT)
    assert session.scalar(select(func.count()).select_from(ContentModule)) == 0


def test_savepoints_do_not_decide_about_files(session: Session, media_dir: Path) -> None:
    with session.begin():
        add_module(session, draft(), actor="test", media=("talk.mp3", TALK),
                   media_dir=media_dir, max_bytes=LIMIT)
        with session.begin_nested():  # released: the outer transaction has not committed yet
            session.execute(select(1))
    assert files_under(media_dir) == ["what-is-mat-en", "what-is-mat-en/talk.mp3"]
    with pytest.raises(RuntimeError), session.begin():
        add_module(session, draft("second"), actor="test", media=("talk.mp3", TALK),
                   media_dir=media_dir, max_bytes=LIMIT)
        with session.begin_nested():
            session.execute(select(1))
        raise RuntimeError("the outer transaction fails after a released savepoint")
    assert files_under(media_dir) == ["what-is-mat-en", "what-is-mat-en/talk.mp3"]


def test_update_keeps_the_file_unless_replaced(session: Session, media_dir: Path) -> None:
    module_id = add(session, media_dir, media=("talk.mp3", TALK))
    assert update(session, media_dir, module_id, draft(title="What MAT is, revised"))
    row = get_module(session, module_id)
    assert row.title == "What MAT is, revised" and row.location == "what-is-mat-en/talk.mp3"
    assert not update(session, media_dir, module_id, draft(title="What MAT is, revised"))
    assert not update(session, media_dir, module_id, draft(title="What MAT is, revised"),
                      media=("talk.mp3", TALK))  # the same file again: nothing changes
    # A different file of the same name gets a new name; the old one goes after the commit.
    new_talk = TALK + b" (second take)"
    assert update(session, media_dir, module_id, draft(title="What MAT is, revised"),
                  media=("talk.mp3", new_talk))
    row = get_module(session, module_id)
    assert (row.location, row.media_bytes) == ("what-is-mat-en/talk-2.mp3", len(new_talk))
    assert files_under(media_dir) == ["what-is-mat-en", "what-is-mat-en/talk-2.mp3"]
    # A replacement that rolls back keeps the old file and removes the new one.
    session.rollback()
    with pytest.raises(RuntimeError), session.begin():
        update_module(session, module_id, draft(title="What MAT is, revised"), actor="test",
                      media=("third.ogg", TALK), media_dir=media_dir, max_bytes=LIMIT)
        raise RuntimeError("rolled back")
    assert files_under(media_dir) == ["what-is-mat-en", "what-is-mat-en/talk-2.mp3"]
    # A web address replaces the file.
    assert update(session, media_dir, module_id,
                  draft(title="What MAT is, revised", location="https://example.org/mat.mp3"))
    row = get_module(session, module_id)
    assert (row.location, row.media_type, row.media_bytes) == (
        "https://example.org/mat.mp3", None, None)
    assert files_under(media_dir) == []
    assert [summary for _, summary in audit_summaries(session)] == [
        "module what-is-mat-en (audio, en), file what-is-mat-en/talk.mp3",
        "module what-is-mat-en: title",
        "module what-is-mat-en: location, media_bytes",
        "module what-is-mat-en: location, media_type, media_bytes",
    ]


def test_update_refuses_a_new_code_and_a_file_of_the_wrong_kind(session: Session,
                                                               media_dir: Path) -> None:
    module_id = add(session, media_dir, media=("talk.mp3", TALK))
    for module, message in [
        (draft("renamed"), "the code of a module cannot change (it is 'what-is-mat-en')"),
        (draft(kind="video"), "the module's file 'talk.mp3' does not suit kind video: upload "
                              "a new file or give a web address"),
    ]:
        with pytest.raises(ContentError) as error, session.begin():
            update_module(session, module_id, module, actor="test", media_dir=media_dir,
                          max_bytes=LIMIT)
        assert str(error.value) == message
    with pytest.raises(ContentError, match="no content module with id 999"), session.begin():
        update_module(session, 999, draft(), actor="test", media_dir=media_dir,
                      max_bytes=LIMIT)
    assert update(session, media_dir, module_id, draft(kind="video"), media=("clip.webm", TALK))
    assert get_module(session, module_id).media_type == "video/webm"


def _assign(session: Session, module_id: int, statuses: list[str]) -> None:
    clinic_id = builders.clinic(session, f"C{module_id}")
    patient_id = builders.patient(session, clinic_id, f"P-{module_id}")
    member_id = builders.member(session, clinic_id, patient_id, f"M-{module_id}")
    session.add_all([Assignment(module_id=module_id, member_id=member_id,
                                assigned_at=ASSIGNED_AT, status=status) for status in statuses])
    session.flush()


def test_a_module_with_assignments_is_retired_never_deleted(session: Session,
                                                            media_dir: Path) -> None:
    used = add(session, media_dir, media=("talk.mp3", TALK))
    spare = add(session, media_dir, draft("spare-module"), media=("spare.mp3", TALK))
    with session.begin():
        _assign(session, used, ["sent", "completed"])
    with pytest.raises(ContentError) as error, session.begin():
        delete_module(session, used, actor="test", media_dir=media_dir)
    assert str(error.value) == "module 'what-is-mat-en' has 2 assignments: retire it instead"
    with session.begin():
        retire_module(session, used, actor="test")
        retire_module(session, used, actor="test")  # already retired: nothing more happens
    assert get_module(session, used).retired
    kept = media_path(media_dir, get_module(session, used).location)
    assert kept is not None and kept.exists()  # a retired module keeps its file
    with session.begin():
        delete_module(session, spare, actor="test", media_dir=media_dir)
    assert session.get(ContentModule, spare) is None
    assert files_under(media_dir) == ["what-is-mat-en", "what-is-mat-en/talk.mp3"]
    assert [summary for _, summary in audit_summaries(session)][-2:] == [
        "module what-is-mat-en retired", "module spare-module deleted (never assigned)"]


def _library(session: Session, media_dir: Path) -> dict[str, int]:
    modules = {
        "naloxone-fa": draft("naloxone-fa", title="Naloxone saves lives", language="fa",
                             topics="overdose_and_naloxone;emergency_plan", kind="video"),
        "naloxone-en": draft("naloxone-en", title="Using NALOXONE at home",
                             topics="overdose_and_naloxone", kind="text"),
        "talking-en": draft("talking-en", title="Talking without blame",
                            summary="Communication that keeps 100% of the family in",
                            topics="communication", kind="link",
                            location="https://example.org/talk"),
        "old-taper-en": draft("old-taper-en", title="Taper basics", topics="taper_support"),
    }
    with session.begin():
        ids = {code: add_module(session, module, actor="test", media_dir=media_dir,
                                max_bytes=LIMIT) for code, module in modules.items()}
        retire_module(session, ids["old-taper-en"], actor="test")
    return ids


def codes(rows: list[ModuleRow]) -> list[str]:
    return [row.code for row in rows]


def test_list_search_and_filters(session: Session, media_dir: Path) -> None:
    _library(session, media_dir)
    assert codes(list_modules(session)) == ["naloxone-en", "naloxone-fa", "talking-en"]
    assert codes(list_modules(session, include_retired=True)) == [
        "naloxone-en", "naloxone-fa", "old-taper-en", "talking-en"]
    assert codes(list_modules(session, search="naloxone")) == ["naloxone-en", "naloxone-fa"]
    assert codes(list_modules(session, search="  BLAME ")) == ["talking-en"]  # title
    assert codes(list_modules(session, search="100%")) == ["talking-en"]  # summary, % literal
    assert codes(list_modules(session, search="_")) == []  # a literal "_", not a wildcard
    assert codes(list_modules(session, search="-fa")) == ["naloxone-fa"]  # code
    assert codes(list_modules(session, kinds=["video", "link"])) == ["naloxone-fa", "talking-en"]
    assert codes(list_modules(session, languages=["fa"])) == ["naloxone-fa"]
    assert codes(list_modules(session, topics=["emergency_plan", "communication"])) == [
        "naloxone-fa", "talking-en"]
    assert codes(list_modules(session, topics=["taper_support"])) == []
    assert codes(list_modules(session, topics=["taper_support"], include_retired=True)) == [
        "old-taper-en"]
    assert codes(list_modules(session, search="naloxone", languages=["en"],
                              topics=["overdose_and_naloxone"])) == ["naloxone-en"]
    with pytest.raises(ContentError, match="unknown topic 'cooking'"):
        list_modules(session, topics=["cooking"])
    with pytest.raises(ContentError, match="unknown kind 'podcast'"):
        list_modules(session, kinds=["podcast"])


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_reach_is_one_grouped_query(session: Session, media_dir: Path,
                                    statements: list[str]) -> None:
    ids = _library(session, media_dir)
    with session.begin():
        _assign(session, ids["naloxone-fa"],
                ["completed", "completed", "opened", "failed", "blocked_no_consent",
                 "cancelled_consent_revoked"])
        _assign(session, ids["old-taper-en"], ["sent"])
    session.commit()
    statements.clear()
    reach = module_reach(session)
    assert len(statements) == 1 and "GROUP BY" in statements[0]
    assert reach == {
        ids["naloxone-fa"]: Reach(assigned=4, completed=2),
        ids["naloxone-en"]: Reach(0, 0),
        ids["talking-en"]: Reach(0, 0),
        ids["old-taper-en"]: Reach(1, 0),
    }
    assert reach[ids["naloxone-fa"]].completion_rate == 0.5
    assert reach[ids["naloxone-en"]].completion_rate is None
    records = library_records(session, languages=["fa"])
    assert records == [{"code": "naloxone-fa", "title": "Naloxone saves lives", "kind": "video",
                        "language": "fa", "retired": False,
                        "topics": ["overdose_and_naloxone", "emergency_plan"],
                        "assigned": 4, "completed": 2}]


def test_media_path_stays_inside_the_media_folder(tmp_path: Path, media_dir: Path) -> None:
    media_dir.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("not for families")
    (media_dir / "linked").symlink_to(tmp_path)
    assert media_path(media_dir, None) is None
    assert media_path(media_dir, "https://example.org/a.mp3") is None
    assert media_path(media_dir, "mod-a/talk.mp3") == (media_dir / "mod-a/talk.mp3").resolve()
    for location in ("../secret.txt", "mod-a/../../secret.txt", str(outside),
                     "linked/secret.txt", "."):
        with pytest.raises(ContentError, match="is outside the media folder"):
            media_path(media_dir, location)


# --- the library CSV ---------------------------------------------------------------------------

HEADER = ",".join(LIBRARY_COLUMNS)


def csv_text(*rows: str, header: str = HEADER) -> io.StringIO:
    return io.StringIO("\n".join([header, *rows]) + "\n", newline="")


def run_import(session: Session, media_dir: Path, source: io.StringIO | io.BytesIO | Path, *,
               dry_run: bool = False) -> tuple[str, list[str], list[str]]:
    session.rollback()
    with session.begin() as transaction:
        result = import_library(session, source, actor="test", dry_run=dry_run,
                                media_dir=media_dir, name="library.csv")
        if not result.ok or dry_run:
            transaction.rollback()
    return result.summary(), [str(error) for error in result.errors], result.warnings


GOOD_ROWS = (
    "mat-basics-fa,What MAT is (synthetic),For families,audio,fa,,300,mother;father,,,"
    "methadone,,maintenance,,what_is_mat",
    "naloxone-en,Naloxone at home,,link,en,https://example.org/naloxone,,,,,,,,,"
    "overdose_and_naloxone;emergency_plan",
)


def test_import_is_all_or_nothing_and_lists_every_problem(session: Session,
                                                          media_dir: Path) -> None:
    source = csv_text(
        *GOOD_ROWS,
        "Bad Code,,,podcast,de,ftp://x,-1,aunt,,,,huge,,,cooking",
        "",
        "naloxone-en,Again,,text,en,,,,,,,,,,",
        "extra-cells,Title,,text,en,,,,,,,,,,,surplus",
    )
    summary, errors, _ = run_import(session, media_dir, source)
    assert summary == "inserted 0, updated 0, unchanged 0"
    assert errors == [
        "row 4, column code, value 'Bad Code': use 3 to 64 lower-case letters a-z, digits, - or _",
        "row 4, column title, value '': required",
        "row 4, column kind, value 'podcast': must be one of audio, video, text, link",
        "row 4, column language, value 'de': must be one of fa, en",
        "row 4, column location, value 'ftp://x': a web address must start with http:// or "
        "https://",
        "row 4, column duration_seconds, value '-1': not a whole number of seconds (0 or more)",
        "row 4, column relations, value 'aunt': unknown value 'aunt'; allowed: mother, father, "
        "spouse, partner, sibling, child, other_relative, friend, any",
        "row 4, column dose_band, value 'huge': unknown value 'huge'; allowed: low, standard, "
        "high, any",
        "row 4, column topics, value 'cooking': unknown value 'cooking'; allowed: what_is_mat, "
        "overdose_and_naloxone, relapse_prevention, communication, self_care_for_families, "
        "taper_support, hepatitis_and_hiv, emergency_plan",
        "row 6, column code, value 'naloxone-en': the same code as row 3",
        "row 7, column (row), value '': the row has 16 cells, the header has 15",
    ]
    assert session.scalar(select(func.count()).select_from(ContentModule)) == 0
    assert audit_summaries(session) == []


def test_import_inserts_updates_and_keeps_what_it_does_not_name(session: Session,
                                                                media_dir: Path) -> None:
    dry = run_import(session, media_dir, csv_text(*GOOD_ROWS), dry_run=True)
    assert dry == ("inserted 2, updated 0, unchanged 0", [], [])
    assert session.scalar(select(func.count()).select_from(ContentModule)) == 0
    assert run_import(session, media_dir, csv_text(*GOOD_ROWS))[0] == (
        "inserted 2, updated 0, unchanged 0")
    assert run_import(session, media_dir, csv_text(*GOOD_ROWS))[0] == (
        "inserted 0, updated 0, unchanged 2")
    basics = list_modules(session, search="mat-basics")[0]
    assert (basics.kind.value, basics.language, basics.duration_seconds) == ("audio", "fa", 300)
    assert basics.tags.relations == ("mother", "father")
    assert basics.tags.phases == ("maintenance",) and basics.tags.dose_band == "any"
    # A file uploaded in the app stays when the CSV leaves the location empty.
    as_imported = check_module(dict(zip(LIBRARY_COLUMNS, GOOD_ROWS[0].split(","),
                                        strict=True)))
    assert isinstance(as_imported, ModuleDraft)
    assert update(session, media_dir, basics.id, as_imported, media=("talk.mp3", TALK))
    # Fewer columns: the absent ones keep their stored values; a new module gets defaults.
    short = csv_text("mat-basics-fa,What MAT is (revised),audio,fa",
                     "hep-en,Hepatitis and HIV,text,en",
                     header="code,title,kind,language")
    assert run_import(session, media_dir, short) == ("inserted 1, updated 1, unchanged 0", [],
                                                     [])
    basics = get_module(session, basics.id)
    assert basics.title == "What MAT is (revised)" and basics.summary == "For families"
    assert basics.tags.topics == ("what_is_mat",) and basics.duration_seconds == 300
    assert basics.location == "mat-basics-fa/talk.mp3"
    assert (media_dir / "mat-basics-fa" / "talk.mp3").exists()
    hep = list_modules(session, search="hep-en")[0]
    assert hep.tags.topics == () and hep.tags.relations == ("any",) and hep.summary == ""
    # A kind the file does not suit is a row error; a web address replaces the file.
    wrong = csv_text("mat-basics-fa,What MAT is (revised),video,fa",
                     header="code,title,kind,language")
    assert run_import(session, media_dir, wrong)[1] == [
        "row 2, column kind, value 'video': the module's file 'talk.mp3' does not suit kind "
        "video: upload a new file or give a web address"]
    to_url = csv_text("mat-basics-fa,What MAT is (revised),video,fa,https://example.org/v.mp4",
                      header="code,title,kind,language,location")
    assert run_import(session, media_dir, to_url)[0] == "inserted 0, updated 1, unchanged 0"
    assert get_module(session, basics.id).location == "https://example.org/v.mp4"
    assert files_under(media_dir) == []
    imports = [summary for _, summary in audit_summaries(session)
               if summary.startswith("library import")]
    assert imports == [
        "library import from 'library.csv': inserted 2, updated 0, unchanged 0",
        "library import from 'library.csv': inserted 0, updated 0, unchanged 2",
        "library import from 'library.csv': inserted 1, updated 1, unchanged 0",
        "library import from 'library.csv': inserted 0, updated 1, unchanged 0",
    ]
    assert verify_audit_chain(session).broken is None


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "row 1, column (file), value '': the file is empty: a header row is needed"),
        (b"code,title\nabc,x\n", "row 1, column kind, value '': required column is missing"),
        (HEADER.encode() + b"\nabc,Caf\xe9,,text,en\n",
         "row 2, column (file), value '': not UTF-8 text (save the file as 'CSV UTF-8')"),
        (HEADER.encode() + b"\nabc," + b"x" * 200_000 + b"\n",
         "row 2, column (file), value '': not readable as CSV: field larger than field limit "
         "(131072)"),
    ],
)
def test_unreadable_files(session: Session, media_dir: Path, content: bytes,
                          error: str) -> None:
    summary, errors, _ = run_import(session, media_dir, io.BytesIO(content))
    assert errors[:1] == [error]


def test_a_file_on_disk_with_a_bom_and_an_unused_column(session: Session, media_dir: Path,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "library.csv"
    path.write_text("\ufeff" + HEADER + ",notes\n" + GOOD_ROWS[0] + ",a note\n",
                    encoding="utf-8")
    assert run_import(session, media_dir, path) == (
        "inserted 1, updated 0, unchanged 0", [],
        ["column 'notes' is not used and was ignored"])


def test_the_documented_example_imports(session: Session, media_dir: Path) -> None:
    document = (Path(__file__).resolve().parents[2] / "docs" / "content-library.md").read_text(
        encoding="utf-8")
    example = document.split("```csv\n", 1)[1].split("```", 1)[0]
    assert run_import(session, media_dir, io.StringIO(example, newline="")) == (
        "inserted 3, updated 0, unchanged 0", [], [])
    taper = list_modules(session, topics=["taper_support"])[0]
    assert (taper.tags.dose_band, taper.tags.living_situations) == ("high", ("with_family",))
