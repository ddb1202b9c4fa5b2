"""The rules of a content module and of its media file: check, or say what is wrong.

Pure Python, no I/O. :func:`check_module` takes a module's fields as text (a form, or one row of
the library CSV: column name -> cell) and returns a :class:`ModuleDraft`, or every problem as a
:class:`FieldProblem` that names the column, the value and the reason. :func:`check_media`
judges an uploaded file by its name and size for the module's kind. ``data_access.content``
stores drafts and files; ``docs/content-library.md`` describes the CSV and the media rules.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.content_tags import ContentTags, TagError, parse_tags
from domain.digits import to_ascii_digits
from domain.import_rules import HEADER_ROW, RowError, allowed_text, normalise_digits
from domain.text import t
from domain.vocabulary import ContentKind

CODE_PATTERN = re.compile(r"[a-z0-9_-]{3,64}")
TITLE_LENGTH = 200  # content_module.title
SUMMARY_LENGTH = 4000
LOCATION_LENGTH = 500  # content_module.location
MAX_DURATION_SECONDS = 24 * 60 * 60  # longer is a typo (minutes or milliseconds), not a module
LANGUAGES = ("fa", "en")
URL_SCHEMES = ("http", "https")
BYTES_PER_MB = 1024 * 1024  # the megabyte of HAMRAH_MAX_MEDIA_MB (and of Streamlit's upload limit)

# The library CSV, in file order: the tag columns are ';'-separated lists (domain.content_tags).
TAG_COLUMNS = ("relations", "sexes", "substances", "medications", "dose_band", "phases",
               "living_situations", "topics")
LIBRARY_COLUMNS = ("code", "title", "summary", "kind", "language", "location",
                   "duration_seconds", *TAG_COLUMNS)
REQUIRED_COLUMNS = frozenset({"code", "title", "kind", "language"})
# The columns of ``hamrah content list`` (JSON keys, CSV header), in order.
LIST_FIELDS = ("code", "title", "kind", "language", "retired", "topics", "assigned", "completed")

MEDIA_EXTENSIONS: dict[ContentKind, tuple[str, ...]] = {
    ContentKind.AUDIO: ("mp3", "m4a", "ogg", "wav"),
    ContentKind.VIDEO: ("mp4", "webm"),
    ContentKind.TEXT: ("md", "txt", "pdf"),
    ContentKind.LINK: (),
}
MEDIA_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "md": "text/markdown",
    "txt": "text/plain",
    "pdf": "application/pdf",
}
UNKNOWN_MEDIA_TYPE = "application/octet-stream"

_Fail = Callable[[str, str], None]  # check_module's fail(column, reason)
_KINDS = {kind.value: kind for kind in ContentKind}
_SAFE_STEM = re.compile(r"[^a-z0-9_-]+")
_EXTENSION = re.compile(r"[a-z0-9]{1,10}")
SAFE_STEM_LENGTH = 80


@dataclass(frozen=True)
class ModuleDraft:
    """A checked module as a person described it; ``location`` is an http(s) URL or None."""

    code: str
    title: str
    summary: str
    kind: ContentKind
    language: str
    location: str | None
    duration_seconds: int | None
    tags: ContentTags

    def cells(self) -> dict[str, str]:
        """The draft as the text fields :func:`check_module` reads (one library CSV row)."""
        tags = self.tags.as_json()
        return {
            "code": self.code,
            "title": self.title,
            "summary": self.summary,
            "kind": self.kind.value,
            "language": self.language,
            "location": self.location or "",
            "duration_seconds": "" if self.duration_seconds is None
            else str(self.duration_seconds),
            **{name: _tag_cell(tags[name]) for name in TAG_COLUMNS},
        }


def _tag_cell(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ";".join(str(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class FieldProblem:
    """One problem in one field; ``str()`` is the line a form shows next to the field."""

    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.column}: {self.reason}"


def is_url(location: str | None) -> bool:
    """Whether a stored location is a web address (else it is a file in the media folder)."""
    if not location:
        return False
    scheme, sep, _rest = location.partition("://")
    return bool(sep) and scheme.lower() in URL_SCHEMES


def url_problem(text: str) -> str | None:
    """Why ``text`` is not an http(s) address a family's phone can open, or None."""
    if len(text) > LOCATION_LENGTH:
        return t("longer than {limit} characters", limit=LOCATION_LENGTH)
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in text):
        return t("not a web address: it contains spaces or line breaks")
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return t("not a web address")
    if parts.scheme.lower() not in URL_SCHEMES:
        return t("a web address must start with http:// or https://")
    if not host:
        return t("not a web address: the host name is missing")
    return None


def check_module(fields: Mapping[str, str | None]) -> ModuleDraft | list[FieldProblem]:
    """The module described by ``fields`` (column -> text), or every problem in them.

    Missing tag fields mean ``any`` (``topics``: none). Spaces around values are removed; the
    kind and language are matched without regard to case.
    """
    problems: list[FieldProblem] = []

    def cell(column: str) -> str:
        return (fields.get(column) or "").strip()

    def fail(column: str, reason: str) -> None:
        problems.append(FieldProblem(column, fields.get(column) or "", reason))

    code = to_ascii_digits(cell("code"))  # a code typed with Persian digits is the same code
    if not code:
        fail("code", t("required"))
    elif CODE_PATTERN.fullmatch(code) is None:
        fail("code", t("use 3 to 64 lower-case letters a-z, digits, - or _"))
    title = cell("title")
    if not title:
        fail("title", t("required"))
    elif len(title) > TITLE_LENGTH:
        fail("title", t("longer than {limit} characters", limit=TITLE_LENGTH))
    elif "\n" in title or "\r" in title:
        fail("title", t("a title is one line"))
    summary = cell("summary")
    if len(summary) > SUMMARY_LENGTH:
        fail("summary", t("longer than {limit} characters", limit=SUMMARY_LENGTH))
    kind_text = cell("kind").lower()
    kind = _KINDS.get(kind_text)
    if not kind_text:
        fail("kind", t("required"))
    elif kind is None:
        fail("kind", t("must be one of {allowed}", allowed=allowed_text(ContentKind)))
    language = cell("language").lower()
    if not language:
        fail("language", t("required"))
    elif language not in LANGUAGES:
        fail("language", t("must be one of {allowed}", allowed=allowed_text(LANGUAGES)))
    location = cell("location") or None
    if location is not None:
        problem = url_problem(location)
        if problem is not None:
            fail("location", problem)
    elif kind is ContentKind.LINK:
        fail("location", t("a link module needs its web address (http:// or https://)"))
    duration = _duration(cell("duration_seconds"), fail)
    tags = _tags(fields, fail)
    if problems:
        return problems
    assert kind is not None and tags is not None
    return ModuleDraft(code=code, title=title, summary=summary, kind=kind, language=language,
                       location=location, duration_seconds=duration, tags=tags)


def _duration(text: str, fail: _Fail) -> int | None:
    value = normalise_digits(text)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        fail("duration_seconds", t("not a whole number of seconds (0 or more)"))
        return None
    seconds = int(value)
    if seconds > MAX_DURATION_SECONDS:
        fail("duration_seconds", t("more than {limit} seconds (24 hours)",
                                   limit=MAX_DURATION_SECONDS))
        return None
    return seconds


def _tags(fields: Mapping[str, str | None], fail: _Fail) -> ContentTags | None:
    """The tags, each column checked on its own so that a problem names its column."""
    failed = False
    for column in TAG_COLUMNS:
        try:
            parse_tags({column: fields.get(column)})
        except TagError as error:
            fail(column, str(error).removeprefix(f"{column}: "))
            failed = True
    if failed:
        return None
    return parse_tags({column: fields.get(column) for column in TAG_COLUMNS})


# --- the library CSV ---------------------------------------------------------------------------


def check_library_header(header: Sequence[str]) -> tuple[list[RowError], list[str]]:
    """Problems of the header row (missing or repeated columns) and the columns to ignore."""
    errors: list[RowError] = []
    seen: set[str] = set()
    ignored: list[str] = []
    for name in header:
        if name and name in seen:
            errors.append(RowError(HEADER_ROW, name, name, t("the column appears twice")))
        seen.add(name)
        if name not in LIBRARY_COLUMNS and name not in ignored:
            ignored.append(name)
    for name in LIBRARY_COLUMNS:
        if name in REQUIRED_COLUMNS and name not in seen:
            errors.append(RowError(HEADER_ROW, name, "", t("required column is missing")))
    return errors, ignored


def parse_library_row(row: int, cells: Mapping[str, str | None]) -> ModuleDraft | list[RowError]:
    """One row of the library CSV as a draft, or its problems as "row R, column C, ..." errors."""
    checked = check_module(cells)
    if isinstance(checked, ModuleDraft):
        return checked
    return [RowError(row, problem.column, problem.value, problem.reason) for problem in checked]


# --- media files -------------------------------------------------------------------------------


def file_extension(filename: str) -> str:
    """The lower-case extension of the last part of ``filename`` (without the dot), or ''."""
    name = re.split(r"[\\/]", filename)[-1]
    _stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot else ""


def media_type_for(filename: str) -> str:
    """The MIME type stored with (and served for) a file of this name."""
    return MEDIA_TYPES.get(file_extension(filename), UNKNOWN_MEDIA_TYPE)


def media_type_problem(filename: str, kind: ContentKind) -> str | None:
    """Why a file of this name cannot belong to a module of ``kind``, or None."""
    if kind is ContentKind.LINK:
        return t("a link module has no file: give its web address instead")
    allowed = MEDIA_EXTENSIONS[kind]
    if file_extension(filename) not in allowed:
        shown = [f".{extension}" for extension in allowed]
        return t("{kind} modules take {allowed} files, not '{name}'", kind=kind.value,
                 allowed=t("{some} or {last}", some=", ".join(shown[:-1]), last=shown[-1]),
                 name=re.split(r"[\\/]", filename)[-1])
    return None


def check_media(filename: str, size_bytes: int, kind: ContentKind, max_bytes: int) -> str | None:
    """Why an uploaded file cannot be stored for a module of ``kind``, or None when it can."""
    problem = media_type_problem(filename, kind)
    if problem is not None:
        return problem
    if size_bytes <= 0:
        return t("the file is empty")
    if size_bytes > max_bytes:
        return t("the file is {size} MB; the limit is {limit} MB", size=_mb_up(size_bytes),
                 limit=f"{round(max_bytes / BYTES_PER_MB, 1):g}")
    return None


def media_limit_bytes(max_media_mb: float) -> int:
    """``Settings.max_media_mb`` in bytes, for :func:`check_media`."""
    return int(max_media_mb * BYTES_PER_MB)


def _mb_up(size_bytes: int) -> str:
    """Megabytes rounded up to a tenth, so that a file just over the limit never shows as equal."""
    return f"{math.ceil(size_bytes * 10 / BYTES_PER_MB) / 10:g}"


def safe_file_name(filename: str) -> str:
    """A name that is safe as one path component on any file system: the last part of the
    uploaded name, accents folded to ASCII, other characters as ``-``, lower case."""
    name = re.split(r"[\\/]", filename)[-1]
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    safe_stem = _SAFE_STEM.sub("-", folded.lower()).strip("-_")[:SAFE_STEM_LENGTH] or "media"
    extension = extension.lower()
    return f"{safe_stem}.{extension}" if _EXTENSION.fullmatch(extension) else safe_stem
