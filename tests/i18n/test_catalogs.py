"""The message catalogs: complete for the code as it is, and a checker that notices when not.

The first test is the one a developer meets: it fails when the code translates a message that a
catalog lacks, leaves empty or only fuzzy, or translates with other ``{placeholders}``, and when
a compiled ``.mo`` file no longer matches its ``.po`` file. ``make catalogs`` updates the files
and lists what is left to translate (docs/i18n.md).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from babel.messages.catalog import Catalog

from domain.text import t
from i18n.catalog import LANGUAGES, translating, translator_for
from i18n.catalog_files import (
    CatalogProblem,
    ProblemKind,
    build_template,
    catalog_problems,
    check,
    mo_path,
    mo_problems,
    po_path,
    read_catalog,
    update_all,
    write_catalog,
)
from i18n.extraction import UnresolvedCall, scan_source, unresolved_calls

# Translating calls whose message the extractor cannot follow, each reviewed: where its
# messages come from instead.
REVIEWED_DYNAMIC_CALLS = {
    # PageAccess(...) titles and sections: i18n.extraction.MESSAGE_ARGUMENTS.
    ("components/navigation.py", "navigation_for", "page.title"),
    ("components/navigation.py", "navigation_for", "page.section"),
    # _Situation(...) sentences: MESSAGE_ARGUMENTS.
    ("domain/tailoring.py", "_topic_bonus", "situation.sentence"),
    # _LIVING_LABELS.get(living, living): an unknown living situation is shown as recorded.
    ("domain/tailoring.py", "_tag_matches", "(patient.living_situation or '').strip().lower()"),
    # Enum values: i18n.extraction.MESSAGE_ENUMS.
    ("components/overview_charts.py", "phase_chart", "phase.value"),
    ("components/overview_charts.py", "backlog_chart", "tier.value"),
    # The bot's wrappers: their callers' arguments are extracted (TRANSLATING_CALLS).
    ("worker/intake.py", "say", "message"),
}


def _messages() -> list[str]:
    return [str(entry.id) for entry in build_template() if entry.id]


# -- the project's catalogs ------------------------------------------------------------------------

def test_every_message_of_the_code_is_translated_in_every_catalog() -> None:
    messages = _messages()
    problems = check(messages)

    assert len(messages) > 600  # the extractor found the code's messages, not an empty list
    listed = "\n".join(str(problem) for problem in problems[:40])
    assert problems == [], (
        f"{len(problems)} catalog problem(s); run `make catalogs` and translate:\n{listed}")


def test_only_reviewed_calls_hide_their_message_from_the_extractor() -> None:
    found = {(call.path, call.function, call.argument) for call in unresolved_calls()}

    unexpected = sorted(found - REVIEWED_DYNAMIC_CALLS)
    assert unexpected == [], (
        "t(...) receives a message the catalogs cannot see: pass a string literal or a "
        "module-level constant (or a dict of them), or declare where the messages come from "
        "(i18n.extraction.MESSAGE_ARGUMENTS / MESSAGE_ENUMS) and add the call to "
        f"REVIEWED_DYNAMIC_CALLS: {unexpected}")


def test_persian_catalog_translates_at_run_time_and_unknown_languages_read_english() -> None:
    assert LANGUAGES == ("en", "fa")
    assert translator_for("fa")("Sign out") == "خروج"
    assert translator_for("en")("Sign out") == "Sign out"
    with translating("fa"):
        assert t("Signed out after {minutes:g} minutes without activity.",
                 minutes=30.0) == "پس از 30 دقیقه بی‌فعالیتی خارج شدید."
        assert t("a message no catalog has") == "a message no catalog has"
    with translating("de"):
        assert t("Sign out") == "Sign out"
    assert t("Sign out") == "Sign out"  # outside the block: untranslated again


def test_the_persian_catalog_uses_the_clinics_words() -> None:
    fa = translator_for("fa")

    assert fa("for methadone") == "برای متادون"
    assert fa("for buprenorphine") == "برای بوپرنورفین"
    assert fa("maintenance") == "درمان نگهدارنده"
    assert fa("Screen result") == "نتیجهٔ آزمایش ادرار"
    assert "رضایت‌نامه" in fa("no active consent")


# -- the checker -----------------------------------------------------------------------------------

def _catalog(entries: dict[str, str], *, fuzzy: frozenset[str] = frozenset(),
             comments: dict[str, str] | None = None) -> Catalog:
    catalog = Catalog(locale="fa", fuzzy=False)
    for message, translation in entries.items():
        catalog.add(message, translation, flags=("fuzzy",) if message in fuzzy else (),
                    user_comments=[comments[message]] if comments and message in comments
                    else ())
    return catalog


def test_the_checker_names_each_kind_of_gap() -> None:
    catalog = _catalog({
        "Hello {name}": "سلام {name}",
        "Bye {name}": "خدا نگهدار {nam}",
        "{count} left": "",
        "Nearly": "تقریباً",
        "Welcome": "خوش آمدید {name}",
    }, fuzzy=frozenset({"Nearly"}))
    messages = ["Hello {name}", "Bye {name}", "{count} left", "Nearly", "Welcome",
                "A fake message nobody translated"]

    problems = catalog_problems("fa", messages, catalog)

    assert problems == [
        CatalogProblem("fa", ProblemKind.MISSING, "A fake message nobody translated"),
        CatalogProblem("fa", ProblemKind.PLACEHOLDERS, "Bye {name}",
                       "missing {name}; added {nam}"),
        CatalogProblem("fa", ProblemKind.FUZZY, "Nearly", "تقریباً"),
        CatalogProblem("fa", ProblemKind.PLACEHOLDERS, "Welcome", "added {name}"),
        CatalogProblem("fa", ProblemKind.UNTRANSLATED, "{count} left"),
    ]


def test_a_placeholder_may_be_left_out_only_when_a_comment_says_so() -> None:
    message = "1 working day (working days: {days})"
    declared = _catalog({message: "یک روز کاری"},
                        comments={message: "omits {days}: English weekday codes"})
    undeclared = _catalog({message: "یک روز کاری"},
                          comments={message: "a note that declares nothing"})

    assert catalog_problems("fa", [message], declared) == []
    assert catalog_problems("fa", [message], undeclared) == [
        CatalogProblem("fa", ProblemKind.PLACEHOLDERS, message, "missing {days}")]


def test_broken_braces_and_format_specs() -> None:
    catalog = _catalog({"{minutes:g} min": "{minutes:.1f} دقیقه", "a {b} c": "الف {b ج"})

    problems = catalog_problems("fa", ["{minutes:g} min", "a {b} c"], catalog)

    # Another format spec is the translator's choice; a brace left open is a crash.
    assert [(problem.message, problem.kind) for problem in problems] == [
        ("a {b} c", ProblemKind.PLACEHOLDERS)]
    assert problems[0].detail.startswith("broken braces")


def test_update_adds_new_messages_empty_and_keeps_translations(tmp_path: Path) -> None:
    root, locales = tmp_path / "project", tmp_path / "locales"
    (root / "pages").mkdir(parents=True)
    (root / "pages" / "demo.py").write_text(textwrap.dedent('''
        from domain.text import t

        t("Sign out")
        t("A brand-new message for {name}", name="x")
    '''), encoding="utf-8")
    write_catalog("fa", _catalog({"Sign out": "خروج", "Gone": "رفته"}), locales)

    messages = update_all(root, ("en", "fa"), locales)

    assert sorted(messages) == ["A brand-new message for {name}", "Sign out"]
    fa, en = read_catalog("fa", locales), read_catalog("en", locales)
    assert fa.get("Sign out").string == "خروج"
    assert fa.get("Gone") is None  # no longer used: dropped
    assert en.get("A brand-new message for {name}").string == "A brand-new message for {name}"
    assert [(problem.language, problem.kind, problem.message)
            for problem in check(messages, ("en", "fa"), locales)] == [
        ("fa", ProblemKind.UNTRANSLATED, "A brand-new message for {name}")]
    assert po_path("fa", locales).is_file() and mo_path("fa", locales).is_file()


def test_a_stale_mo_file_is_reported(tmp_path: Path) -> None:
    write_catalog("fa", _catalog({"Sign out": "خروج"}), tmp_path)
    assert mo_problems("fa", tmp_path) == []

    edited = read_catalog("fa", tmp_path)
    edited.get("Sign out").string = "خروج از سامانه"
    po_path("fa", tmp_path).write_bytes(
        po_path("fa", tmp_path).read_bytes().replace("خروج".encode(), "خروج از سامانه".encode()))

    [problem] = mo_problems("fa", tmp_path)
    assert problem.kind is ProblemKind.STALE_MO
    mo_path("fa", tmp_path).unlink()
    assert mo_problems("fa", tmp_path)[0].detail == "missing"


# -- the extractor ---------------------------------------------------------------------------------

SOURCE = '''
from domain.text import t

LABELS = {"a": "Label A", "b": ("Label B", "Label C")}
GREETING = "Hello {name}"
_ANY = "any"


@dataclass
class PageAccess:
    key: str
    path: str
    title: str
    icon: str
    roles: str
    section: str = "Clinic"


PAGES = (PageAccess("k", "p.py", "Page title", "i", "r", section="Admin"),)


def show(code, known, label):
    t("A literal {n}", n=1)
    t("joined " "literal")
    t(LABELS[code])
    t(LABELS.get(code, "Fallback"))
    t(GREETING, name="x")
    t("Yes" if known else "No")
    chosen = "Chosen one" if known else _ANY
    t(chosen)
    for word in ("First", "Second"):
        t(word)
    t(label)
    t(f"{code} made up")
    say("fa", "Said by the bot")
    N_("Marked for later")
'''


def test_the_extractor_follows_names_to_their_strings() -> None:
    messages, unresolved = scan_source(SOURCE, "pages/example.py")

    assert sorted({message.text for message in messages}) == sorted({
        "Clinic", "Page title", "Admin", "A literal {n}", "joined literal", "Label A",
        "Label B", "Label C", "Fallback", "Hello {name}", "Yes", "No", "Chosen one", "any",
        "First", "Second", "Said by the bot", "Marked for later"})
    assert unresolved == [
        UnresolvedCall("pages/example.py", 33, "show", "label"),
        UnresolvedCall("pages/example.py", 34, "show", "f'{code} made up'"),
    ]


def test_the_values_of_a_listed_enum_are_messages() -> None:
    source = textwrap.dedent('''
        class Tier(StrEnum):
            """How soon."""

            URGENT = "urgent"
            ROUTINE = "routine"


        class Other(StrEnum):
            CODE = "not a message"
    ''')

    listed, _ = scan_source(source, "domain/outreach.py")
    elsewhere, _ = scan_source(source, "domain/somewhere_else.py")

    assert [message.text for message in listed] == ["urgent", "routine"]
    assert elsewhere == []
