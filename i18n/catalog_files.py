"""Keep the message catalogs in step with the code: extract, update, compile, check.

``make catalogs`` runs ``python -m i18n.catalog_files``, which

1. extracts every message the code translates (``i18n.extraction``, through babel's extraction
   interface) into a template (``i18n/locales/hamrah.pot``);
2. updates each language's ``.po`` file from it: new messages arrive empty (or ``fuzzy`` with a
   similar message's translation, for a translator to review), messages the code no longer uses
   are dropped; the English catalog is the messages themselves;
3. compiles each ``.po`` into the ``.mo`` file that ``i18n.catalog`` loads at run time;
4. prints what is still missing: untranslated or fuzzy messages and translations whose
   ``{placeholders}`` differ from the message's (a translation may leave one out only when a
   translator comment ``# omits {name}: why`` says so).

``python -m i18n.catalog_files --check`` writes nothing and exits 1 when a catalog is
incomplete or a ``.mo`` file is older than its ``.po`` (the completeness test runs the same
check). The ``.mo`` files are committed next to the ``.po`` files, so a fresh checkout (and CI)
translates without a build step; the check keeps them from going stale.
"""

from __future__ import annotations

import argparse
import copy
import io
import re
import string
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from i18n.catalog import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE
from i18n.extraction import PROJECT_ROOT, SOURCES, extract_messages, source_files

PROJECT = "Hamrah"
HEADER_COMMENT = (
    "# {language} messages of Hamrah (i18n/locales). Kept by `make catalogs`; see docs/i18n.md.\n"
    "# The Persian translation is a machine-made draft: a native-speaking clinician must review\n"
    "# it before clinical use.\n#"
)
PO_WIDTH = 100


def template_file(locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / f"{DOMAIN}.pot"


def po_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return po_path(language, locale_dir).with_suffix(".mo")


# -- extraction --------------------------------------------------------------------------------

def build_template(root: Path = PROJECT_ROOT, sources: Sequence[str] = SOURCES) -> Catalog:
    """Every message of the code, with the files that use it (no line numbers: they would
    change the catalogs on every edit)."""
    template = Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False,
                       header_comment=HEADER_COMMENT.format(language="Template of the"))
    # babel's type hints describe the extractor's result without the function name it passes.
    method = cast(Any, extract_messages)
    for file in source_files(root, sources):
        relative = file.relative_to(root).as_posix()
        with file.open("rb") as source:
            found = extract(method, source, keywords={"t": None}, options={"path": relative})
            for line, message, _comments, _context in found:
                existing = template.get(message)
                locations = existing.locations if existing is not None else []
                if all(path != relative for path, _line in locations):
                    template.add(message, locations=[*locations, (relative, line)])
    return template


# -- checks ------------------------------------------------------------------------------------

class ProblemKind(StrEnum):
    MISSING = "missing"  # the code uses the message; the catalog does not have it
    UNTRANSLATED = "untranslated"
    FUZZY = "fuzzy"  # a suggested translation nobody has reviewed yet
    PLACEHOLDERS = "placeholders"  # the translation's {placeholders} differ from the message's
    STALE_MO = "stale_mo"  # the compiled .mo file does not hold what the .po file says


@dataclass(frozen=True)
class CatalogProblem:
    language: str
    kind: ProblemKind
    message: str
    detail: str = ""

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"[{self.language}] {self.kind.value}{detail}: {self.message!r}"


def placeholders(text: str) -> set[str]:
    """The ``{names}`` that ``str.format`` fills in ``text``; ValueError for broken braces."""
    names: set[str] = set()
    for _literal, name, _spec, _conversion in string.Formatter().parse(text):
        if name is not None:
            names.add(name)
    return names


def omitted_placeholders(entry: Message) -> set[str]:
    """The placeholders a translator chose to leave out, each declared in a translator comment
    ``# omits {name}: why`` above the entry (a value the reader does not need, such as English
    weekday codes in a Persian text): ``str.format`` ignores a value nobody asks for."""
    omitted: set[str] = set()
    for comment in entry.user_comments:
        if comment.startswith("omits "):
            omitted |= set(re.findall(r"\{(\w+)\}", comment.split(":", 1)[0]))
    return omitted


def _placeholder_problem(message: str, translation: str, omitted: set[str]) -> str | None:
    try:
        wanted = placeholders(message)
    except ValueError as error:
        return f"the message itself has broken braces: {error}"
    try:
        found = placeholders(translation)
    except ValueError as error:
        return f"broken braces: {error}"
    missing, added = wanted - found - omitted, found - wanted
    parts = []
    if missing:
        parts.append("missing " + ", ".join(f"{{{name}}}" for name in sorted(missing)))
    if added:
        parts.append("added " + ", ".join(f"{{{name}}}" for name in sorted(added)))
    return "; ".join(parts) or None


def catalog_problems(language: str, messages: Iterable[str],
                     catalog: Catalog) -> list[CatalogProblem]:
    """What stops ``catalog`` from translating every one of ``messages`` correctly."""
    problems: list[CatalogProblem] = []
    for message in sorted(set(messages)):
        entry = catalog.get(message)
        translation = entry.string if entry is not None else None
        if entry is None:
            problems.append(CatalogProblem(language, ProblemKind.MISSING, message))
        elif not isinstance(translation, str) or not translation.strip():
            problems.append(CatalogProblem(language, ProblemKind.UNTRANSLATED, message))
        elif entry.fuzzy:
            problems.append(CatalogProblem(language, ProblemKind.FUZZY, message, translation))
        else:
            detail = _placeholder_problem(message, translation, omitted_placeholders(entry))
            if detail is not None:
                problems.append(CatalogProblem(language, ProblemKind.PLACEHOLDERS, message,
                                               detail))
    return problems


def translations(catalog: Catalog) -> dict[str, str]:
    """``{message: translation}`` as gettext would use them (no header, nothing fuzzy)."""
    return {str(entry.id): str(entry.string) for entry in catalog
            if entry.id and isinstance(entry.string, str) and entry.string and not entry.fuzzy}


def mo_problems(language: str, locale_dir: Path = LOCALE_DIR) -> list[CatalogProblem]:
    """A ``.mo`` file that is missing or does not hold what its ``.po`` file says."""
    po, mo = po_path(language, locale_dir), mo_path(language, locale_dir)
    if not po.is_file():
        return []
    if not mo.is_file():
        return [CatalogProblem(language, ProblemKind.STALE_MO, str(mo), "missing")]
    with po.open("rb") as po_file, mo.open("rb") as mo_file:
        wanted, compiled = translations(read_po(po_file)), translations(read_mo(mo_file))
    if wanted == compiled:
        return []
    differing = sorted(set(wanted.items()) ^ set(compiled.items()))
    return [CatalogProblem(language, ProblemKind.STALE_MO, str(mo),
                           f"{len(differing)} entries differ from the .po file")]


def read_catalog(language: str, locale_dir: Path = LOCALE_DIR) -> Catalog:
    """The language's ``.po`` file; an empty catalog when there is none yet."""
    path = po_path(language, locale_dir)
    if not path.is_file():
        return Catalog(locale=language, project=PROJECT, domain=DOMAIN, fuzzy=False,
                       header_comment=HEADER_COMMENT.format(language=language),
                       last_translator="machine draft, not yet reviewed",
                       language_team=f"Hamrah {language}")
    with path.open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def check(messages: Iterable[str], languages: Sequence[str] = LANGUAGES,
          locale_dir: Path = LOCALE_DIR) -> list[CatalogProblem]:
    """Every problem of every catalog (``.po`` completeness and ``.mo`` freshness)."""
    wanted = list(messages)
    problems: list[CatalogProblem] = []
    for language in languages:
        problems += catalog_problems(language, wanted, read_catalog(language, locale_dir))
        problems += mo_problems(language, locale_dir)
    return problems


# -- updating and compiling --------------------------------------------------------------------

def updated_catalog(language: str, template: Catalog, existing: Catalog) -> Catalog:
    """``existing`` brought in step with ``template``; the source language translates each
    message as itself."""
    # update() adopts the template's message objects: a copy keeps one language's strings out
    # of the next language's catalog.
    existing.update(copy.deepcopy(template), update_creation_date=False)
    if language == SOURCE_LANGUAGE:
        for entry in existing:
            if entry.id and (entry.fuzzy or not entry.string):
                entry.string = entry.id
                entry.flags.discard("fuzzy")
    return existing


def _po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, sort_by_file=True, ignore_obsolete=True,
             include_lineno=False)
    return buffer.getvalue()


def _body(po: bytes) -> bytes:
    """The file without its header's dates, to tell whether anything really changed."""
    return b"\n".join(line for line in po.splitlines()
                      if not line.startswith((b'"POT-Creation-Date', b'"PO-Revision-Date')))


def write_catalog(language: str, catalog: Catalog, locale_dir: Path = LOCALE_DIR) -> bool:
    """Write the ``.po`` file and compile its ``.mo`` file; False when nothing changed."""
    path = po_path(language, locale_dir)
    old = path.read_bytes() if path.is_file() else b""
    new = _po_bytes(catalog)
    changed = _body(new) != _body(old)
    if changed:
        catalog.revision_date = datetime.now().astimezone()
        new = _po_bytes(catalog)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(new)
    if changed or mo_problems(language, locale_dir):
        compile_catalog(language, locale_dir)
    return changed


def compile_catalog(language: str, locale_dir: Path = LOCALE_DIR) -> None:
    with po_path(language, locale_dir).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy translations stay out, as msgfmt leaves them out
    mo_path(language, locale_dir).write_bytes(buffer.getvalue())


def update_all(root: Path = PROJECT_ROOT, languages: Sequence[str] = LANGUAGES,
               locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Extract, update and compile every catalog; the messages the code uses."""
    template = build_template(root)
    template_bytes = io.BytesIO()
    write_po(template_bytes, template, width=PO_WIDTH, sort_by_file=True, include_lineno=False)
    template_path = template_file(locale_dir)
    if _body(template_bytes.getvalue()) != _body(
            template_path.read_bytes() if template_path.is_file() else b""):
        template_path.parent.mkdir(parents=True, exist_ok=True)
        template_path.write_bytes(template_bytes.getvalue())
    for language in languages:
        write_catalog(language, updated_catalog(language, template,
                                                read_catalog(language, locale_dir)), locale_dir)
    return [str(entry.id) for entry in template if entry.id]


def _report(problems: Sequence[CatalogProblem]) -> None:
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s): translate them in i18n/locales/<language>/"
              "LC_MESSAGES/hamrah.po (remove the '#, fuzzy' line once a suggestion is right), "
              "then run `make catalogs` again.")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m i18n.catalog_files",
                                     description="Extract, update, compile and check the "
                                                 "message catalogs.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a catalog is incomplete or stale")
    arguments = parser.parse_args(argv)
    if arguments.check:
        messages = [str(entry.id) for entry in build_template() if entry.id]
    else:
        messages = update_all()
    problems = check(messages)
    _report(problems)
    print(f"{len(messages)} messages; languages: {', '.join(LANGUAGES)}")
    return 1 if problems and arguments.check else 0


if __name__ == "__main__":
    sys.exit(main())
