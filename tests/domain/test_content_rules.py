"""The rules of a content module and its media file, one check at a time."""

from __future__ import annotations

import pytest

from domain.content_rules import (
    BYTES_PER_MB,
    LIBRARY_COLUMNS,
    TAG_COLUMNS,
    FieldProblem,
    ModuleDraft,
    check_library_header,
    check_media,
    check_module,
    is_url,
    media_limit_bytes,
    media_type_for,
    parse_library_row,
    safe_file_name,
    url_problem,
)
from domain.content_tags import TAG_NAMES, ContentTags
from domain.vocabulary import ContentKind

GOOD = {
    "code": "what-is-mat_fa",
    "title": "What methadone treatment is (synthetic)",
    "summary": "  A short talk for families.  ",
    "kind": "Audio",
    "language": "FA",
    "location": "",
    "duration_seconds": "۳۰۰",  # Persian digits are read as 300
    "relations": "mother; father",
    "medications": "methadone",
    "topics": "what_is_mat",
}
LIMIT = 10 * BYTES_PER_MB


def problems(**changes: str | None) -> dict[str, str]:
    """The problems of GOOD with ``changes``, as column -> reason."""
    checked = check_module({**GOOD, **changes})
    assert isinstance(checked, list), checked
    return {problem.column: problem.reason for problem in checked}


def test_a_good_module_becomes_a_draft() -> None:
    draft = check_module(GOOD)
    assert draft == ModuleDraft(
        code="what-is-mat_fa", title="What methadone treatment is (synthetic)",
        summary="A short talk for families.", kind=ContentKind.AUDIO, language="fa",
        location=None, duration_seconds=300,
        tags=ContentTags(relations=("mother", "father"), medications=("methadone",),
                         topics=("what_is_mat",)),
    )


def test_a_draft_round_trips_through_its_cells() -> None:
    draft = check_module({**GOOD, "location": "https://example.org/a.mp3", "sexes": "f"})
    assert isinstance(draft, ModuleDraft)
    assert set(draft.cells()) == set(LIBRARY_COLUMNS)
    assert check_module(draft.cells()) == draft


def test_the_csv_carries_every_tag() -> None:
    assert set(TAG_COLUMNS) == set(TAG_NAMES)


@pytest.mark.parametrize("code", ["ab", "x" * 65, "What-Is-MAT", "mat module", "mat.fa", "مت-۱"])
def test_code_pattern(code: str) -> None:
    assert problems(code=code) == {
        "code": "use 3 to 64 lower-case letters a-z, digits, - or _"}


@pytest.mark.parametrize("code", ["abc", "x" * 64, "mod-1_fa", "123"])
def test_codes_that_fit_the_pattern(code: str) -> None:
    assert isinstance(check_module({**GOOD, "code": code}), ModuleDraft)


@pytest.mark.parametrize("typed", ["mod-۱۲", "mod-١٢"])
def test_a_code_typed_with_persian_or_arabic_indic_digits_is_the_ascii_code(typed: str) -> None:
    draft = check_module({**GOOD, "code": typed})
    assert isinstance(draft, ModuleDraft) and draft.code == "mod-12"


def test_required_fields() -> None:
    assert problems(code="", title=" ", kind=None, language="") == {
        "code": "required", "title": "required", "kind": "required", "language": "required"}


def test_title_length_and_one_line() -> None:
    assert isinstance(check_module({**GOOD, "title": "t" * 200}), ModuleDraft)
    assert problems(title="t" * 201) == {"title": "longer than 200 characters"}
    assert problems(title="two\nlines") == {"title": "a title is one line"}


def test_kind_and_language_come_from_their_lists() -> None:
    assert problems(kind="podcast", language="de") == {
        "kind": "must be one of audio, video, text, link",
        "language": "must be one of fa, en",
    }


@pytest.mark.parametrize("value", ["-5", "1.5", "ten", "5 min"])
def test_duration_is_a_whole_number_of_seconds(value: str) -> None:
    assert problems(duration_seconds=value) == {
        "duration_seconds": "not a whole number of seconds (0 or more)"}


def test_duration_may_be_empty_or_zero_but_not_days() -> None:
    empty = check_module({**GOOD, "duration_seconds": ""})
    zero = check_module({**GOOD, "duration_seconds": "0"})
    assert isinstance(empty, ModuleDraft) and empty.duration_seconds is None
    assert isinstance(zero, ModuleDraft) and zero.duration_seconds == 0
    assert problems(duration_seconds="90000") == {
        "duration_seconds": "more than 86400 seconds (24 hours)"}


def test_a_link_needs_a_web_address() -> None:
    assert problems(kind="link") == {
        "location": "a link module needs its web address (http:// or https://)"}
    link = check_module({**GOOD, "kind": "link", "location": "https://example.org/mat"})
    assert isinstance(link, ModuleDraft) and link.location == "https://example.org/mat"


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("ftp://example.org/a.mp3", "a web address must start with http:// or https://"),
        ("javascript:alert(1)", "a web address must start with http:// or https://"),
        ("media/a.mp3", "a web address must start with http:// or https://"),
        ("https://", "not a web address: the host name is missing"),
        ("https://example.org/a b.mp3", "not a web address: it contains spaces or line breaks"),
        ("http://[::1/a", "not a web address"),
        ("https://example.org/" + "a" * 500, "longer than 500 characters"),
    ],
)
def test_bad_web_addresses(location: str, reason: str) -> None:
    assert problems(location=location) == {"location": reason}
    assert url_problem(location) == reason


def test_is_url() -> None:
    assert is_url("HTTPS://example.org/x") and is_url("http://example.org")
    assert not is_url("what-is-mat/talk.mp3") and not is_url(None) and not is_url("")


def test_tag_problems_name_their_column() -> None:
    assert problems(relations="mother;aunt", dose_band="huge", topics="any") == {
        "relations": "unknown value 'aunt'; allowed: mother, father, spouse, partner, sibling, "
                     "child, other_relative, friend, any",
        "dose_band": "unknown value 'huge'; allowed: low, standard, high, any",
        "topics": "name the topics; 'any' is not a topic",
    }
    assert problems(phases="any;taper") == {
        "phases": "'any' cannot be combined with other values"}


def test_every_problem_of_a_row_is_reported_with_its_value() -> None:
    checked = check_module({**GOOD, "code": "A", "kind": "podcast", "topics": "cooking"})
    assert checked == [
        FieldProblem("code", "A", "use 3 to 64 lower-case letters a-z, digits, - or _"),
        FieldProblem("kind", "podcast", "must be one of audio, video, text, link"),
        FieldProblem("topics", "cooking", "unknown value 'cooking'; allowed: what_is_mat, "
                     "overdose_and_naloxone, relapse_prevention, communication, "
                     "self_care_for_families, taper_support, hepatitis_and_hiv, "
                     "emergency_plan"),
    ]
    assert str(checked[1]) == "kind: must be one of audio, video, text, link"


def test_a_library_row_reports_row_and_column() -> None:
    errors = parse_library_row(7, {**GOOD, "language": "de"})
    assert isinstance(errors, list)
    assert [str(error) for error in errors] == [
        "row 7, column language, value 'de': must be one of fa, en"]


def test_library_header() -> None:
    assert check_library_header(list(LIBRARY_COLUMNS)) == ([], [])
    errors, ignored = check_library_header(["code", "title", "title", "kind", "notes"])
    assert [str(error) for error in errors] == [
        "row 1, column title, value 'title': the column appears twice",
        "row 1, column language, value '': required column is missing",
    ]
    assert ignored == ["notes"]


# --- media -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name"),
    [(ContentKind.AUDIO, "talk.mp3"), (ContentKind.AUDIO, "Talk.M4A"),
     (ContentKind.AUDIO, "talk.ogg"), (ContentKind.AUDIO, "talk.wav"),
     (ContentKind.VIDEO, "clip.mp4"), (ContentKind.VIDEO, "clip.webm"),
     (ContentKind.TEXT, "leaflet.pdf"), (ContentKind.TEXT, "notes.md"),
     (ContentKind.TEXT, "notes.txt")],
)
def test_allowed_media(kind: ContentKind, name: str) -> None:
    assert check_media(name, 1000, kind, LIMIT) is None


@pytest.mark.parametrize(
    ("kind", "name", "reason"),
    [
        (ContentKind.AUDIO, "clip.mp4", "audio modules take .mp3, .m4a, .ogg or .wav files, "
                                        "not 'clip.mp4'"),
        (ContentKind.VIDEO, "talk.mp3", "video modules take .mp4 or .webm files, "
                                        "not 'talk.mp3'"),
        (ContentKind.TEXT, "C:\\docs\\setup.exe", "text modules take .md, .txt or .pdf files, "
                                                  "not 'setup.exe'"),
        (ContentKind.TEXT, "README", "text modules take .md, .txt or .pdf files, not 'README'"),
        (ContentKind.LINK, "page.pdf", "a link module has no file: give its web address "
                                       "instead"),
    ],
)
def test_wrong_media_type(kind: ContentKind, name: str, reason: str) -> None:
    assert check_media(name, 1000, kind, LIMIT) == reason


def test_media_size() -> None:
    assert check_media("talk.mp3", LIMIT, ContentKind.AUDIO, LIMIT) is None
    assert check_media("talk.mp3", LIMIT + 1, ContentKind.AUDIO, LIMIT) == (
        "the file is 10.1 MB; the limit is 10 MB")
    assert check_media("talk.mp3", 0, ContentKind.AUDIO, LIMIT) == "the file is empty"
    assert media_limit_bytes(200) == 200 * 1024 * 1024
    assert check_media("big.mp4", 300 * BYTES_PER_MB, ContentKind.VIDEO,
                       media_limit_bytes(200)) == "the file is 300 MB; the limit is 200 MB"


def test_media_types() -> None:
    assert media_type_for("talk.MP3") == "audio/mpeg"
    assert media_type_for("clip.webm") == "video/webm"
    assert media_type_for("leaflet.pdf") == "application/pdf"
    assert media_type_for("notes.md") == "text/markdown"
    assert media_type_for("odd.xyz") == "application/octet-stream"


@pytest.mark.parametrize(
    ("uploaded", "safe"),
    [
        ("Talk One.MP3", "talk-one.mp3"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\Café Notes.pdf", "cafe-notes.pdf"),
        ("گفتگو.mp3", "media.mp3"),
        (".mp3", "media.mp3"),
        ("..", "media"),
        ("a" * 200 + ".wav", "a" * 80 + ".wav"),
    ],
)
def test_safe_file_names(uploaded: str, safe: str) -> None:
    assert safe_file_name(uploaded) == safe
