"""The content library: the modules psychologists send to families, their files, the library CSV.

Every change (add, update, retire, delete, import) happens in the caller's transaction and is
audited there (entity ``content_module``). Rules live in ``domain.content_rules``; a draft is
checked again here, so a hand-built :class:`ModuleDraft` cannot store what a form could not.

**Files and the transaction.** An uploaded file is stored as ``<media_dir>/<code>/<safe name>``
(``-2``, ``-3``, ... added when a different file already has that name; an identical file is
reused). Once the checks have passed (a duplicate code fails before any file exists) the name is
claimed with an empty placeholder created exclusively (``O_EXCL``: two uploads at the same
moment never share a name), the row is flushed and audited, and the content is written last: to
a temporary file in the same folder, moved over the placeholder with ``os.replace``, so a reader
never sees half a file. The file belongs to the session's outermost transaction: if that
transaction does not commit (an error later in the caller's block, a rollback, a session closed
without committing) the file is removed again. A file that an update or a delete makes unused is
removed only after the commit. So a rollback leaves no file without a row and no row without its
file. Only a crash between the write and the commit (or a rolled-back savepoint inside a
committed transaction) can leave an unused file behind: harmless, and never a missing one.

**Topics** are stored in the JSON ``tags`` column: :func:`list_modules` filters search, kind,
language and retirement in SQL and topics in Python, which is fine at library scale (hundreds
of modules, not millions).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, NamedTuple

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.importers import ImportResult
from data_access.models import Assignment, ContentModule
from domain.content_rules import (
    LANGUAGES,
    LIBRARY_COLUMNS,
    TAG_COLUMNS,
    ModuleDraft,
    check_library_header,
    check_media,
    check_module,
    is_url,
    media_type_for,
    media_type_problem,
    parse_library_row,
    safe_file_name,
)
from domain.content_tags import TOPICS, ContentTags, parse_tags
from domain.import_rules import (
    FILE_COLUMN,
    HEADER_ROW,
    ROW_COLUMN,
    RowError,
    duplicate_reason,
    ignored_column_warning,
)
from domain.overview import NOT_REACHED_STATUSES
from domain.text import t
from domain.vocabulary import AuditAction, ContentKind, DeliveryStatus

ENTITY = "content_module"
Media = tuple[str, bytes]  # (the uploaded file's name, its bytes)
Source = str | os.PathLike[str] | IO[str] | IO[bytes]

# Assignments that never reached a family count for nothing in a module's reach; the one
# definition is the overview's, so the library and the overview agree.
NOT_REACHED = sorted(status.value for status in NOT_REACHED_STATUSES)


class ContentError(ValueError):
    """A library change that cannot be made; the one-line message says what to change."""


@dataclass(frozen=True)
class ModuleRow:
    """One module as pages and the command show it; ``location`` is a URL, a path relative to
    the media folder (see :func:`media_path`) or None."""

    id: int
    code: str
    title: str
    summary: str
    kind: ContentKind
    language: str
    location: str | None
    media_type: str | None
    media_bytes: int | None
    duration_seconds: int | None
    tags: ContentTags
    retired: bool
    created_at: datetime
    updated_at: datetime

    @property
    def has_file(self) -> bool:
        return bool(self.location) and not is_url(self.location)


@dataclass(frozen=True)
class Reach:
    """How far a module got: assignments that went (or are going) to a family, and completions.

    Assignments blocked for want of consent or cancelled when a consent was revoked never
    reached anyone and are not counted.
    """

    assigned: int
    completed: int

    @property
    def completion_rate(self) -> float | None:
        return None if self.assigned == 0 else self.completed / self.assigned


# --- files tied to the transaction -------------------------------------------------------------

_FILES_KEY = "hamrah.content.files"


class _File(NamedTuple):
    path: Path
    folder: Path | None  # the module's folder, removed too when it is left empty


@dataclass
class _FileChanges:
    """Files written in the open transaction (removed unless it commits) and files it made
    unused (removed once it commits)."""

    written: list[_File] = field(default_factory=list)
    unused: list[_File] = field(default_factory=list)


def _remove(files: list[_File]) -> None:
    for file in files:
        # A file that cannot be removed is only an unused file: never fail a commit for it.
        with contextlib.suppress(OSError):
            file.path.unlink(missing_ok=True)
        if file.folder is not None:
            with contextlib.suppress(OSError):
                file.folder.rmdir()  # succeeds only when the folder is empty
    files.clear()


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint was released: the outer one still runs
        return
    changes: _FileChanges = session.info[_FILES_KEY]
    changes.written.clear()
    _remove(changes.unused)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    changes: _FileChanges = session.info[_FILES_KEY]
    changes.unused.clear()
    _remove(changes.written)  # still listed: the transaction ended without a commit


def _file_changes(session: Session) -> _FileChanges:
    changes = session.info.get(_FILES_KEY)
    if changes is None:
        changes = _FileChanges()
        session.info[_FILES_KEY] = changes
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_transaction_end", _after_transaction_end)
    assert isinstance(changes, _FileChanges)
    return changes


def media_path(media_dir: Path, location: str | None) -> Path | None:
    """The file a stored location names inside ``media_dir``; None for no location or a URL.

    Raises :class:`ContentError` for a location that would lead outside the media folder
    (``..``, an absolute path, a symbolic link pointing elsewhere): such a row was not written
    by Hamrah and its file is never read, served or removed.
    """
    if not location or is_url(location):
        return None
    root = media_dir.resolve()
    candidate = (root / location).resolve()
    if Path(location).is_absolute() or candidate == root or not candidate.is_relative_to(root):
        raise ContentError(f"the stored location {location!r} is outside the media folder")
    return candidate


def _stored_file(media_dir: Path, location: str | None) -> _File | None:
    """The module's file, or None (also for a location outside the folder: never touch it)."""
    try:
        path = media_path(media_dir, location)
    except ContentError:
        return None
    if path is None:
        return None
    return _File(path, None if path.parent == media_dir.resolve() else path.parent)


def _same_content(path: Path, data: bytes) -> bool:
    if path.stat().st_size != len(data):
        return False
    with path.open("rb") as handle:
        return handle.read() == data


@dataclass(frozen=True)
class _Upload:
    """Where an upload goes: ``location`` relative to the media folder, and whether an
    identical file is already there (then nothing is written)."""

    path: Path
    location: str
    data: bytes
    media_type: str
    exists: bool


def _reserve_upload(session: Session, media_dir: Path, code: str, media: Media) -> _Upload:
    """Pick the file's name and claim it with an empty placeholder created exclusively, so
    that two uploads at the same moment never get the same name; the placeholder belongs to
    the transaction like the file will (removed unless the transaction commits)."""
    filename, data = media
    name = safe_file_name(filename)
    folder = media_dir / code
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    changes = _file_changes(session)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        number = 1
        while True:
            candidate = name if number == 1 else f"{stem}-{number}{dot}{extension}"
            path = folder / candidate
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            except FileExistsError:
                if path.is_file() and _same_content(path, data):
                    exists = True
                    break
                number += 1
                continue
            changes.written.append(_File(path, folder))
            exists = False
            break
    except OSError as error:
        raise ContentError(f"cannot store the file in {str(folder)!r}: "
                           f"{error.strerror or error}") from None
    # A file made unused earlier in this transaction may be used again: keep it.
    changes.unused[:] = [file for file in changes.unused if file.path != path.resolve()]
    return _Upload(path, f"{code}/{candidate}", data, media_type_for(name), exists)


def _write_upload(upload: _Upload) -> None:
    """Write the file over its placeholder atomically; the row is already flushed."""
    if upload.exists:
        return
    temporary: str | None = None
    try:
        with tempfile.NamedTemporaryFile(dir=upload.path.parent, prefix=".upload-",
                                         delete=False) as handle:
            temporary = handle.name
            handle.write(upload.data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, upload.path)
        temporary = None
    except OSError as error:
        raise ContentError(f"cannot store the file in {str(upload.path.parent)!r}: "
                           f"{error.strerror or error}") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _mark_unused(session: Session, file: _File | None) -> None:
    if file is not None:
        _file_changes(session).unused.append(file)


# --- writing modules ---------------------------------------------------------------------------


def _checked(draft: ModuleDraft) -> ModuleDraft:
    """The draft after the same checks a form or a CSV row gets."""
    checked = check_module(draft.cells())
    if not isinstance(checked, ModuleDraft):
        raise ContentError("; ".join(str(problem) for problem in checked))
    return checked


def _check_upload(draft: ModuleDraft, media: Media | None, max_bytes: int) -> None:
    if media is None:
        return
    problem = check_media(media[0], len(media[1]), draft.kind, max_bytes)
    if problem is not None:
        raise ContentError(problem)
    if draft.location is not None:
        raise ContentError("give a web address or a file, not both")


def _kept_file_problem(module: ContentModule, kind: ContentKind) -> str | None:
    """Why the module's stored file cannot stay with a new kind, or None."""
    if not module.location or is_url(module.location):
        return None
    problem = media_type_problem(module.location, kind)
    if problem is None:
        return None
    return (f"the module's file '{Path(module.location).name}' does not suit kind "
            f"{kind.value}: upload a new file or give a web address")


def _values(draft: ModuleDraft, module: ContentModule | None,
            upload: _Upload | None) -> dict[str, Any]:
    """The stored columns for ``draft``: a new upload or URL replaces the location; with
    neither, an existing module keeps its location and file."""
    if upload is not None:
        media: tuple[str | None, str | None, int | None] = (
            upload.location, upload.media_type, len(upload.data))
    elif draft.location is not None:
        media = (draft.location, None, None)
    elif module is not None:
        media = (module.location, module.media_type, module.media_bytes)
    else:
        media = (None, None, None)
    return {
        "title": draft.title, "summary": draft.summary, "kind": draft.kind.value,
        "language": draft.language, "location": media[0], "media_type": media[1],
        "media_bytes": media[2], "duration_seconds": draft.duration_seconds,
        "tags": draft.tags.as_json(),
    }


def _changed(module: ContentModule, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(module, name) != value]


def _get(session: Session, module_id: int) -> ContentModule:
    module = session.get(ContentModule, module_id)
    if module is None:
        raise ContentError(f"no content module with id {module_id}")
    return module


def add_module(session: Session, draft: ModuleDraft, *, actor: str, media: Media | None = None,
               media_dir: Path, max_bytes: int) -> int:
    """Add a module, with an uploaded file (``media``) or a URL (``draft.location``) or
    neither (a file to come); return its id. The file is written after the row is flushed."""
    draft = _checked(draft)
    _check_upload(draft, media, max_bytes)
    if session.scalar(select(ContentModule.id).where(ContentModule.code == draft.code)):
        raise ContentError(f"a module with the code {draft.code!r} already exists")
    upload = None if media is None else _reserve_upload(session, media_dir, draft.code, media)
    now = utc_now()
    module = ContentModule(code=draft.code, retired=False, created_at=now, updated_at=now,
                           **_values(draft, None, upload))
    session.add(module)
    session.flush()
    file_note = "" if upload is None else f", file {upload.location}"
    record_audit(session, actor=actor, action=AuditAction.CREATE, entity=ENTITY,
                 entity_id=module.id, summary=f"module {draft.code} ({draft.kind.value}, "
                                              f"{draft.language}){file_note}")
    if upload is not None:
        _write_upload(upload)
    return module.id


def update_module(session: Session, module_id: int, draft: ModuleDraft, *, actor: str,
                  media: Media | None = None, media_dir: Path, max_bytes: int) -> bool:
    """Change a module's fields; a new upload or URL replaces its file or URL, otherwise it
    keeps them. The code cannot change. Returns whether anything changed (only then audited);
    a file no longer used is removed after the commit."""
    draft = _checked(draft)
    module = _get(session, module_id)
    if draft.code != module.code:
        raise ContentError(f"the code of a module cannot change (it is {module.code!r})")
    _check_upload(draft, media, max_bytes)
    if media is None and draft.location is None:
        problem = _kept_file_problem(module, draft.kind)
        if problem is not None:
            raise ContentError(problem)
    upload = None if media is None else _reserve_upload(session, media_dir, module.code, media)
    values = _values(draft, module, upload)
    changed = _changed(module, values)
    if not changed:
        return False
    if "location" in changed:
        _mark_unused(session, _stored_file(media_dir, module.location))
    for name, value in values.items():
        setattr(module, name, value)
    module.updated_at = utc_now()
    session.flush()
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity=ENTITY,
                 entity_id=module.id, summary=f"module {module.code}: {', '.join(changed)}")
    if upload is not None:
        _write_upload(upload)
    return True


def retire_module(session: Session, module_id: int, *, actor: str) -> None:
    """Take a module out of use: it is no longer offered, its assignments and file stay."""
    module = _get(session, module_id)
    if module.retired:
        return
    module.retired = True
    module.updated_at = utc_now()
    session.flush()
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity=ENTITY,
                 entity_id=module.id, summary=f"module {module.code} retired")


def assignment_count(session: Session, module_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Assignment).where(Assignment.module_id == module_id)
    ) or 0


def delete_module(session: Session, module_id: int, *, actor: str, media_dir: Path) -> None:
    """Delete a module that was never assigned (a mistake); its file goes after the commit.

    A module with any assignment is part of families' records: it is retired, never deleted.
    """
    module = _get(session, module_id)
    count = assignment_count(session, module_id)
    if count:
        raise ContentError(f"module {module.code!r} has {count} assignment"
                           f"{'s' if count != 1 else ''}: retire it instead")
    _mark_unused(session, _stored_file(media_dir, module.location))
    code = module.code
    session.delete(module)
    session.flush()
    # The audit vocabulary has no "delete": the summary says what happened.
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity=ENTITY,
                 entity_id=module_id, summary=f"module {code} deleted (never assigned)")


# --- reading -----------------------------------------------------------------------------------


def _row(module: ContentModule) -> ModuleRow:
    return ModuleRow(
        id=module.id, code=module.code, title=module.title, summary=module.summary,
        kind=ContentKind(module.kind), language=module.language, location=module.location,
        media_type=module.media_type, media_bytes=module.media_bytes,
        duration_seconds=module.duration_seconds, tags=parse_tags(module.tags or {}),
        retired=module.retired, created_at=module.created_at, updated_at=module.updated_at,
    )


def get_module(session: Session, module_id: int) -> ModuleRow:
    return _row(_get(session, module_id))


def _known(name: str, given: Collection[str], allowed: Collection[str]) -> list[str]:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ContentError(f"unknown {name} {unknown[0]!r}; use {', '.join(allowed)}")
    return list(given)


def list_modules(session: Session, *, search: str = "", kinds: Collection[str] = (),
                 languages: Collection[str] = (), topics: Collection[str] = (),
                 include_retired: bool = False) -> list[ModuleRow]:
    """Modules by code: ``search`` in code, title or summary (ignoring case); each filter
    keeps the modules with any of its values (no values: no filter)."""
    conditions = []
    term = search.strip()
    if term:
        conditions.append(or_(ContentModule.code.icontains(term, autoescape=True),
                              ContentModule.title.icontains(term, autoescape=True),
                              ContentModule.summary.icontains(term, autoescape=True)))
    if kinds:
        conditions.append(ContentModule.kind.in_(
            _known("kind", kinds, [kind.value for kind in ContentKind])))
    if languages:
        conditions.append(ContentModule.language.in_(_known("language", languages, LANGUAGES)))
    if not include_retired:
        conditions.append(ContentModule.retired.is_(False))
    wanted = set(_known("topic", topics, TOPICS))
    modules = session.scalars(
        select(ContentModule).where(*conditions).order_by(ContentModule.code)
    )
    rows = [_row(module) for module in modules]
    if wanted:  # topics live in JSON: filtered here, after the SQL filters
        rows = [row for row in rows if wanted.intersection(row.tags.topics)]
    return rows


def module_reach(session: Session) -> dict[int, Reach]:
    """Every module's reach (zero for a module never assigned), in one grouped query."""
    reached = Assignment.status.not_in(NOT_REACHED)
    completed = Assignment.status == DeliveryStatus.COMPLETED.value
    rows = session.execute(
        select(ContentModule.id, func.count(Assignment.id).filter(reached),
               func.count(Assignment.id).filter(completed))
        .outerjoin(Assignment, Assignment.module_id == ContentModule.id)
        .group_by(ContentModule.id)
    )
    return {row[0]: Reach(assigned=int(row[1]), completed=int(row[2])) for row in rows}


# --- the library CSV ---------------------------------------------------------------------------


def _read_text(source: Source, name: str | None) -> tuple[str, str] | RowError:
    """The whole file as text and its name (a library has hundreds of rows, not millions)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        shown = name or path.name
        try:
            raw: str | bytes = path.read_bytes()
        except OSError as error:
            raise ContentError(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    else:
        shown = name or Path(str(getattr(source, "name", "") or "upload")).name
        raw = source.read()
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff"), shown
    try:
        return raw.decode("utf-8-sig"), shown
    except UnicodeDecodeError as error:
        row = raw[:error.start].count(b"\n") + 1
        return RowError(row, FILE_COLUMN, "", t("not UTF-8 text (save the file as 'CSV UTF-8')"))


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of every record, the header (row 1) included."""
    row = 0
    try:
        for cells in csv.reader(io.StringIO(text, newline="")):
            row += 1
            yield row, cells
    except csv.Error as error:
        raise _CsvProblem(RowError(row + 1, FILE_COLUMN, "",
                                   t("not readable as CSV: {error}", error=str(error)))) from None


class _CsvProblem(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class _LibraryRow:
    row: int
    draft: ModuleDraft


def _stored_cells(module: ContentModule) -> dict[str, str]:
    """The stored module as CSV cells, for the optional columns a file does not carry."""
    tags = parse_tags(module.tags or {}).as_json()
    cells = {
        "summary": module.summary,
        "location": (module.location or "") if is_url(module.location) else "",
        "duration_seconds": "" if module.duration_seconds is None
        else str(module.duration_seconds),
    }
    for name in TAG_COLUMNS:
        value = tags[name]
        cells[name] = ";".join(value) if isinstance(value, list) else str(value)
    return cells


def _validate(header: list[str], rows: Iterator[tuple[int, list[str]]],
              existing: dict[str, ContentModule]) -> tuple[list[_LibraryRow], list[RowError]]:
    drafts: list[_LibraryRow] = []
    errors: list[RowError] = []
    first_rows: dict[str, int] = {}
    absent = [name for name in LIBRARY_COLUMNS if name not in header]
    for row, values in rows:
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header) and any(value.strip() for value in values[len(header):]):
            errors.append(RowError(row, ROW_COLUMN, "", t(
                "the row has {cells} cells, the header has {columns}", cells=len(values),
                columns=len(header))))
            continue
        cells: dict[str, str | None] = dict(zip(header, values, strict=False))
        code = (cells.get("code") or "").strip()
        module = existing.get(code)
        if module is not None:  # a column the file lacks keeps the stored value
            stored = _stored_cells(module)
            cells.update({name: stored[name] for name in absent if name in stored})
        draft = parse_library_row(row, cells)
        if isinstance(draft, list):
            errors.extend(draft)
            continue
        first = first_rows.setdefault(draft.code, row)
        if first != row:
            errors.append(RowError(row, "code", cells.get("code") or "",
                                   duplicate_reason(("code",), first)))
            continue
        if module is not None and draft.location is None:
            problem = _kept_file_problem(module, draft.kind)
            if problem is not None:
                errors.append(RowError(row, "kind", cells.get("kind") or "", problem))
                continue
        drafts.append(_LibraryRow(row, draft))
    return drafts, errors


def import_library(session: Session, source: Source, *, actor: str, dry_run: bool,
                   media_dir: Path, name: str | None = None) -> ImportResult:
    """Check a whole library CSV, then (unless ``dry_run`` or a problem) add new modules and
    update those whose code exists, in the caller's transaction: all or nothing.

    Every problem comes back in ``errors`` as "row R, column C, value 'V': reason" and nothing
    is written. An import never retires, deletes or un-retires a module, and an empty location
    keeps a module's uploaded file; a URL replaces it (the file is removed after the commit).
    One audit row records each import that wrote. A file on disk that cannot be read raises
    :class:`ContentError`; a database error propagates (the caller's transaction rolls back).
    """
    read = _read_text(source, name)
    if isinstance(read, RowError):
        return ImportResult(0, 0, 0, [read], dry_run=dry_run)
    text, shown = read
    rows = _rows(text)
    try:
        first = next(rows, None)
        if first is None or not any(cell.strip() for cell in first[1]):
            return ImportResult(0, 0, 0, [RowError(HEADER_ROW, FILE_COLUMN, "", t(
                "the file is empty: a header row is needed"))], dry_run=dry_run)
        header = [cell.strip().lower() for cell in first[1]]
        header_errors, ignored = check_library_header(header)
        warnings = [ignored_column_warning(column) for column in ignored if column]
        if header_errors:
            return ImportResult(0, 0, 0, header_errors, warnings, dry_run=dry_run)
        existing = {module.code: module for module in session.scalars(select(ContentModule))}
        drafts, errors = _validate(header, rows, existing)
    except _CsvProblem as problem:
        return ImportResult(0, 0, 0, [problem.error], dry_run=dry_run)
    if errors:
        return ImportResult(0, 0, 0, errors, warnings, dry_run=dry_run)
    inserted = updated = unchanged = 0
    now = utc_now()
    for item in drafts:
        module = existing.get(item.draft.code)
        values = _values(item.draft, module, None)
        if module is None:
            inserted += 1
            if not dry_run:
                session.add(ContentModule(code=item.draft.code, retired=False, created_at=now,
                                          updated_at=now, **values))
            continue
        changed = _changed(module, values)
        if not changed:
            unchanged += 1
            continue
        updated += 1
        if not dry_run:
            if "location" in changed:
                _mark_unused(session, _stored_file(media_dir, module.location))
            for column, value in values.items():
                setattr(module, column, value)
            module.updated_at = now
    result = ImportResult(inserted, updated, unchanged, [], warnings, dry_run=dry_run)
    if not dry_run:
        session.flush()
        record_audit(session, actor=actor,
                     action=AuditAction.UPDATE if updated else AuditAction.CREATE,
                     entity=ENTITY, summary=f"library import from {shown!r}: {result.summary()}")
    return result


def library_records(session: Session, *, search: str = "", kinds: Collection[str] = (),
                    languages: Collection[str] = (), topics: Collection[str] = (),
                    include_retired: bool = True) -> list[dict[str, object]]:
    """The library as records of ``domain.content_rules.LIST_FIELDS``, each module with its
    reach (two queries)."""
    rows = list_modules(session, search=search, kinds=kinds, languages=languages, topics=topics,
                        include_retired=include_retired)
    reach = module_reach(session)
    none = Reach(0, 0)
    return [
        {"code": row.code, "title": row.title, "kind": row.kind.value, "language": row.language,
         "retired": row.retired, "topics": list(row.tags.topics),
         "assigned": reach.get(row.id, none).assigned,
         "completed": reach.get(row.id, none).completed}
        for row in rows
    ]

