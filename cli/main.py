"""Entry point of the ``hamrah`` command: parse arguments and dispatch to one subcommand.

Errors a person can act on print one line and exit non-zero (2 for bad arguments, 1 for a
failed check), never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy.orm import Session

from data_access.clinics import ClinicError, add_clinic, clinic_ids_by_code, list_clinics
from data_access.database import Database, open_database
from data_access.engine import DatabaseConfigError
from data_access.questions import QuestionError, clinic_deadline, set_clinic_deadline
from data_access.recommendations import RECOMMENDATION_FIELDS, RecommendationError
from data_access.schema import is_up_to_date, upgrade_to_head
from data_access.staff import PasswordPolicy, StaffError, add_user, list_users, unlock_user
from domain.content_rules import LANGUAGES
from domain.content_rules import LIST_FIELDS as CONTENT_FIELDS
from domain.content_tags import TOPICS
from domain.deadlines import AnswerDeadline, describe_deadline
from domain.digits import to_ascii_digits
from domain.import_rules import ImportKind
from domain.outreach import WORKLIST_FIELDS
from domain.vocabulary import ContentKind, Role, values
from settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from data_access.importers import ImportResult

CLI_ACTOR = "cli"
PROGRESS_MIN_BYTES = 1_000_000  # smaller imports finish before a progress bar would help


class UnknownClinicError(Exception):
    """A --clinic code that names no clinic: a bad argument, so exit 2 like argparse's errors."""


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments give one line and exit 2, as the issue asks, rather than a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(to_ascii_digits(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _positive(text: str) -> int:
    try:
        number = int(to_ascii_digits(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return number


def _code(text: str) -> str:
    """A clinic, patient or member code as typed: a Persian keyboard types Persian digits,
    the database holds ASCII ones (issue 9)."""
    return to_ascii_digits(text).strip()


def _existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="hamrah", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    commands.add_parser("init", help="create or upgrade the schema at HAMRAH_DATABASE_URL")

    demo = commands.add_parser("demo", help="fill an empty database with a synthetic clinic")
    demo.add_argument("--patients", type=_positive, default=300)
    demo.add_argument("--days", type=_positive, default=365, help="days of history")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--as-of", type=_date, default=None, help="last day of history (today)")
    demo.add_argument("--if-empty", action="store_true",
                      help="do nothing (exit 0) when the database already has data")
    demo.add_argument("--export-samples", type=Path, default=None, metavar="DIR",
                      help="build nothing: write patients.csv, doses.csv, screens.csv and "
                           "members.csv in the import formats from the existing database")

    imports = commands.add_parser(
        "import", help="import a CSV file of patients, doses, screens or members (all or nothing)"
    )
    imports.add_argument("kind", choices=values(ImportKind), metavar="KIND",
                         help="one of: " + ", ".join(values(ImportKind)))
    imports.add_argument("file", type=_existing_file, metavar="FILE",
                         help="CSV, UTF-8, header row (see docs/import-formats.md)")
    imports.add_argument("--dry-run", action="store_true",
                         help="check the whole file and count the changes; write nothing")

    clinics = commands.add_parser("clinics", help="add or list clinics")
    clinic_commands = clinics.add_subparsers(dest="action", required=True,
                                             parser_class=OneLineParser)
    clinic_add = clinic_commands.add_parser("add", help="add a clinic")
    clinic_add.add_argument("code", type=_code)
    clinic_add.add_argument("--name", required=True)
    clinic_commands.add_parser("list", help="list clinics with their answer deadlines")
    clinic_deadline = clinic_commands.add_parser(
        "deadline", help="set how soon families get an answer, and the clinic's working days")
    clinic_deadline.add_argument("code", type=_code)
    clinic_deadline.add_argument("--rule", required=True,
                                 choices=[rule.value for rule in AnswerDeadline])
    clinic_deadline.add_argument("--working-days", required=True,
                                 help="e.g. sat-wed (Iran), sat-thu, mon-fri")

    users = commands.add_parser("users", help="add, list or unlock staff users")
    user_commands = users.add_subparsers(dest="action", required=True, parser_class=OneLineParser)
    user_add = user_commands.add_parser(
        "add", help="add a user; the password is read from stdin or a prompt"
    )
    user_add.add_argument("username")
    user_add.add_argument("--role", required=True, choices=values(Role))
    user_add.add_argument("--clinic", action="append", required=True, dest="clinics", type=_code,
                          help="clinic code (repeat for several)")
    user_add.add_argument("--name", default=None, help="display name")
    user_add.add_argument("--language", default="en", choices=["en", "fa"])
    user_commands.add_parser("list", help="list users")
    user_unlock = user_commands.add_parser("unlock", help="lift a lockout now")
    user_unlock.add_argument("username")

    signals = commands.add_parser(
        "signals", help="per active patient: adherence, missed doses, retention, flags"
    )
    signals.add_argument("--as-of", type=_date, default=None, help="the day to judge (today)")
    signals.add_argument("--clinic", action="append", dest="clinics", default=None, type=_code,
                         help="clinic code (repeat for several; default all)")
    signals.add_argument("--format", choices=["json", "csv"], default="json")

    outreach = commands.add_parser(
        "outreach", help="the family outreach worklist: urgent first, with reason codes",
        description="The families to reach on --as-of: urgent first, then high, then "
                    "routine, by score within a tier. JSON prints one array of objects. CSV "
                    "prints a header and the columns " + ", ".join(WORKLIST_FIELDS)
                    + "; member_codes are joined with ';', reasons are written 'code: text' "
                    "and joined with ' | ', and null is an empty cell.",
    )
    outreach.add_argument("--as-of", type=_date, default=None, help="the day to judge (today)")
    outreach.add_argument("--clinic", action="append", dest="clinics", default=None, type=_code,
                          help="clinic code (repeat for several; default all)")
    outreach.add_argument("--format", choices=["json", "csv"], default="json",
                          help="json (default), or csv with member_codes joined by ';' and "
                               "reasons as 'code: text' joined by ' | '")

    content = commands.add_parser(
        "content", help="import or list the content library (modules sent to families)")
    content_commands = content.add_subparsers(dest="action", required=True,
                                              parser_class=OneLineParser)
    content_import = content_commands.add_parser(
        "import", help="add or update modules from a library CSV (all or nothing)")
    content_import.add_argument("file", type=_existing_file, metavar="FILE",
                                help="CSV, UTF-8, header row (see docs/content-library.md)")
    content_import.add_argument("--dry-run", action="store_true",
                                help="check the whole file and count the changes; write nothing")
    content_list = content_commands.add_parser(
        "list", help="every module with its topics and reach",
        description="Every module, retired ones included, by code: the columns "
                    + ", ".join(CONTENT_FIELDS) + ". CSV joins topics with ';'.")
    content_list.add_argument("--format", choices=["json", "csv"], default="json")
    content_list.add_argument("--search", default="", type=to_ascii_digits,
                              help="text in the code, title or summary")
    content_list.add_argument("--kind", action="append", dest="kinds", default=[],
                              choices=values(ContentKind), help="repeat for several")
    content_list.add_argument("--language", action="append", dest="languages", default=[],
                              choices=list(LANGUAGES), help="repeat for several")
    content_list.add_argument("--topic", action="append", dest="topics", default=[],
                              choices=list(TOPICS), help="repeat for several")

    recommend = content_commands.add_parser(
        "recommend", help="the modules that fit a patient's family members, with reasons",
        description="For each active family member of the patient (or one, --member): the "
                    "modules ranked by fit, with the reasons in words. Columns: "
                    + ", ".join(RECOMMENDATION_FIELDS) + ".")
    recommend.add_argument("patient_code", metavar="PATIENT_CODE", type=_code)
    recommend.add_argument("--clinic", required=True, type=_code,
                           help="the patient's clinic code")
    recommend.add_argument("--member", default=None, type=_code, help="one member's code")
    recommend.add_argument("--as-of", type=_date, default=None, help="the day (today)")
    recommend.add_argument("--limit", type=_positive, default=5, help="modules per member (5)")
    recommend.add_argument("--format", choices=["json", "csv"], default="json")

    worker = commands.add_parser(
        "worker", help="deliver the outbox to families (Telegram, e-mail) and take replies in",
        description="The family-channel worker: every HAMRAH_WORKER_POLL_SECONDS it delivers "
                    "due outbox messages and records a heartbeat; see docs/family-channel.md.")
    worker.add_argument("--once", action="store_true",
                        help="run one cycle and exit (for cron and tests)")

    overview = commands.add_parser("overview", help="count the Overviews staff open by default")
    overview_commands = overview.add_subparsers(dest="action", required=True,
                                                parser_class=OneLineParser)
    overview_refresh = overview_commands.add_parser(
        "refresh", help="count and store the standing Overviews of today, as the worker does "
                        "every ten minutes")
    overview_refresh.add_argument("--all", action="store_true",
                                  help="count them all again, even those counted recently")

    audit = commands.add_parser("audit", help="check the audit log")
    audit_commands = audit.add_subparsers(dest="action", required=True, parser_class=OneLineParser)
    audit_commands.add_parser("verify", help="exit 0 when the hash chain is intact, else 1")
    return parser


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != first:
            raise StaffError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def run_init(db: Database, _args: argparse.Namespace, _settings: Settings) -> int:
    upgrade_to_head(db.engine)
    print(f"schema is up to date at {db.engine.url.render_as_string(hide_password=True)}")
    return 0


def run_demo(db: Database, args: argparse.Namespace, _settings: Settings) -> int:
    from cli.progress import ProgressBar
    from data_access.clock import today
    from data_access.demo import build_demo, database_is_empty

    if args.export_samples is not None:
        return _export_samples(db, args.export_samples)
    upgrade_to_head(db.engine)
    with db.sessions() as session, session.begin():
        if not database_is_empty(session):
            if args.if_empty:
                print("the database already has data: demo not loaded")
                return 0
            raise ValueError("the database already has data: demo data goes into an empty one")
        summary = build_demo(session, patients=args.patients, days=args.days, seed=args.seed,
                             as_of=args.as_of or today(), progress=ProgressBar())
    counts = ", ".join(f"{name} {count}" for name, count in summary.counts.items())
    print(f"demo loaded: {counts}")
    print("logins: " + ", ".join(f"{u} ({role})" for u, _p, role in summary.logins)
          + f"; password: {summary.logins[0][1]}" if summary.logins else "")
    return 0


def _export_samples(db: Database, directory: Path) -> int:
    from data_access.demo import database_is_empty
    from data_access.exports import SAMPLE_FILE_NAMES, export_samples

    upgrade_to_head(db.engine)
    with db.sessions() as session, session.begin():
        if database_is_empty(session):
            raise ValueError("the database is empty: load the demo first (hamrah demo), or point "
                             "HAMRAH_DATABASE_URL at a database with data")
        try:
            counts = export_samples(session, directory, actor=CLI_ACTOR)
        except OSError as error:
            raise ValueError(f"cannot write the samples to {str(directory)!r}: "
                             f"{error.strerror or error}") from None
    files = ", ".join(f"{SAMPLE_FILE_NAMES[kind]} ({count} rows)" for kind, count in counts.items())
    print(f"exported to {directory}: {files}")
    return 0


def run_import(db: Database, args: argparse.Namespace, _settings: Settings) -> int:
    from cli.progress import ProgressBar
    from data_access.clock import today
    from data_access.importers import import_file

    path: Path = args.file
    progress = ProgressBar() if path.stat().st_size >= PROGRESS_MIN_BYTES else None
    with db.sessions() as session:
        with session.begin() as transaction:
            result = import_file(session, args.kind, path, dry_run=args.dry_run,
                                 actor=CLI_ACTOR, today=today(), progress=progress)
            if not result.ok or args.dry_run:
                transaction.rollback()
    return _report_import(result, path, dry_run=args.dry_run)


def _report_import(result: ImportResult, path: Path, *, dry_run: bool) -> int:
    """Print an import's warnings and errors (stderr) or its counts (stdout); the exit code."""
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not result.ok:
        for error in result.errors:
            print(error, file=sys.stderr)
        if result.unlisted_errors:
            print(f"... and {result.unlisted_errors} more errors", file=sys.stderr)
        total = len(result.errors) + result.unlisted_errors
        rows = len({error.row for error in result.errors})
        more = "+" if result.unlisted_errors else ""
        print(f"hamrah: {path.name}: {total} error{'s' if total != 1 else ''} in {rows}{more} "
              f"row{'s' if rows != 1 or more else ''}; nothing was written", file=sys.stderr)
        return 1
    suffix = " (dry run: nothing was written)" if dry_run else ""
    print(result.summary() + suffix)
    return 0


def run_clinics(db: Database, args: argparse.Namespace, _settings: Settings) -> int:
    with db.sessions() as session, session.begin():
        if args.action == "add":
            clinic = add_clinic(session, code=args.code, name=args.name, actor=CLI_ACTOR)
            print(f"added clinic {clinic.code}: {clinic.name}")
        elif args.action == "deadline":
            clinic_id = _clinic_ids(session, [args.code])[0]
            set_clinic_deadline(session, clinic_id, rule=args.rule,
                                working_days=args.working_days, actor=CLI_ACTOR)
            rule, week = clinic_deadline(session, clinic_id)
            print(f"{args.code}: families get an answer within {describe_deadline(rule, week)}")
        else:
            for listed in list_clinics(session):
                rule, week = clinic_deadline(session, listed.id)
                print(f"{listed.code}\t{listed.name}\t{describe_deadline(rule, week)}")
    return 0


def run_users(db: Database, args: argparse.Namespace, settings: Settings) -> int:
    policy = PasswordPolicy(settings.min_password_length, settings.max_password_length)
    if args.action == "add":
        password = _read_password()
        with db.sessions() as session, session.begin():
            user = add_user(session, username=args.username, password=password,
                            role=Role(args.role), clinic_codes=args.clinics, actor=CLI_ACTOR,
                            display_name=args.name, language=args.language, policy=policy)
        print(f"added {user.username} ({user.role.value}) for {', '.join(user.clinic_codes)}")
    elif args.action == "unlock":
        with db.sessions() as session, session.begin():
            unlock_user(session, username=args.username, actor=CLI_ACTOR)
        print(f"unlocked {args.username}")
    else:
        with db.sessions() as session:
            for user in list_users(session):
                state = "locked" if user.locked_until else ("active" if user.active else "off")
                print(f"{user.username}\t{user.role.value}\t{','.join(user.clinic_codes)}\t"
                      f"{state}")
    return 0


def run_signals(db: Database, args: argparse.Namespace, settings: Settings) -> int:
    from cli.records import write_records
    from data_access.audit import record_audit
    from data_access.clock import today
    from data_access.signals import patient_signal_list
    from domain.signals import SIGNAL_FIELDS
    from domain.vocabulary import AuditAction

    as_of = args.as_of or today()
    with db.sessions() as session, session.begin():
        clinic_ids = _clinic_ids(session, args.clinics)
        signals = patient_signal_list(session, clinic_ids=clinic_ids, as_of=as_of,
                                      thresholds=settings.clinical)
        record_audit(session, actor=CLI_ACTOR, action=AuditAction.EXPORT, entity="signals",
                     summary=f"{len(signals)} patients as of {as_of} ({args.format})")
    write_records([s.as_record() for s in signals], SIGNAL_FIELDS, args.format, sys.stdout)
    return 0


def _clinic_ids(session: Session, codes: Sequence[str] | None) -> list[int]:
    """The ids of the --clinic codes (all clinics when none is given), in code order."""
    if not codes:
        return [clinic.id for clinic in list_clinics(session)]
    found = clinic_ids_by_code(session, list(codes))
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise UnknownClinicError(
            f"no clinic with the code{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))} "
            "(`hamrah clinics list` shows the codes)"
        )
    return [found[code] for code in sorted(found)]


def run_outreach(db: Database, args: argparse.Namespace, settings: Settings) -> int:
    from cli.records import write_records
    from data_access.audit import record_audit
    from data_access.clock import today
    from data_access.outreach import outreach_worklist
    from domain.vocabulary import AuditAction

    as_of = args.as_of or today()
    with db.sessions() as session, session.begin():
        clinic_ids = _clinic_ids(session, args.clinics)
        items = outreach_worklist(session, clinic_ids=clinic_ids, as_of=as_of,
                                  clinical=settings.clinical, outreach=settings.outreach)
        record_audit(session, actor=CLI_ACTOR, action=AuditAction.EXPORT,
                     entity="outreach_worklist", entity_id=as_of.isoformat(),
                     summary=f"{len(items)} patients as of {as_of} ({args.format})")
    records = [item.as_flat_record() if args.format == "csv" else item.as_record()
               for item in items]
    write_records(records, WORKLIST_FIELDS, args.format, sys.stdout)
    return 0


def _recommend(db: Database, args: argparse.Namespace) -> int:
    from cli.records import write_records
    from data_access.audit import record_audit
    from data_access.clock import today
    from data_access.recommendations import recommendation_records
    from domain.vocabulary import AuditAction

    with db.sessions() as session, session.begin():
        records = recommendation_records(
            session, clinic_code=args.clinic, patient_code=args.patient_code,
            member_code=args.member, as_of=args.as_of or today(), limit=args.limit)
        record_audit(session, actor=CLI_ACTOR, action=AuditAction.EXPORT, entity="patient",
                     entity_id=f"{args.clinic}/{args.patient_code}",
                     summary=f"content recommendations ({len(records)} rows)")
    write_records(records, RECOMMENDATION_FIELDS, args.format, sys.stdout)
    return 0


def run_content(db: Database, args: argparse.Namespace, settings: Settings) -> int:
    from data_access.content import import_library, library_records

    if args.action == "recommend":
        return _recommend(db, args)
    if args.action == "list":
        from cli.records import write_records

        with db.sessions() as session:
            records = library_records(session, search=args.search, kinds=args.kinds,
                                      languages=args.languages, topics=args.topics)
        write_records(records, CONTENT_FIELDS, args.format, sys.stdout)
        return 0
    path: Path = args.file
    with db.sessions() as session:
        with session.begin() as transaction:
            result = import_library(session, path, actor=CLI_ACTOR, dry_run=args.dry_run,
                                    media_dir=settings.media_dir)
            if not result.ok or args.dry_run:
                transaction.rollback()
    return _report_import(result, path, dry_run=args.dry_run)


def run_audit(db: Database, _args: argparse.Namespace, _settings: Settings) -> int:
    from data_access.audit import verify_audit_chain

    with db.sessions() as session:
        result = verify_audit_chain(session)
    if result.broken is None:
        print(f"audit chain intact: {result.entries} entries")
        return 0
    print(f"audit chain broken at entry {result.broken.seq}: {result.broken.reason}")
    return 1


def run_overview(db: Database, args: argparse.Namespace, settings: Settings) -> int:
    from data_access.clock import today, utc_now
    from data_access.overview_snapshots import REFRESH_INTERVAL, refresh_overviews

    result = refresh_overviews(db.sessions, as_of=today(), now_fn=utc_now,
                               clinical=settings.clinical, outreach=settings.outreach,
                               fresh_for=None if args.all else REFRESH_INTERVAL)
    print(result.summary())
    return 0


def run_worker(db: Database, args: argparse.Namespace, settings: Settings) -> int:
    from worker.main import run

    return run(settings, once=args.once, database=db)


COMMANDS: dict[str, Callable[[Database, argparse.Namespace, Settings], int]] = {
    "init": run_init,
    "demo": run_demo,
    "import": run_import,
    "clinics": run_clinics,
    "users": run_users,
    "signals": run_signals,
    "outreach": run_outreach,
    "content": run_content,
    "audit": run_audit,
    "overview": run_overview,
    "worker": run_worker,
}


# These create or upgrade the schema themselves; every other command needs it up to date.
SCHEMA_CREATING_COMMANDS = frozenset({"init", "demo"})


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        db = open_database(settings.database_url)
        if args.command not in SCHEMA_CREATING_COMMANDS and not is_up_to_date(db.engine):
            raise DatabaseConfigError(
                "the database schema is missing or out of date: run `hamrah init` first"
            )
        return COMMANDS[args.command](db, args, settings)
    except (SettingsError, DatabaseConfigError, UnknownClinicError) as error:
        print(f"hamrah: {error}", file=sys.stderr)
        return 2
    except (ClinicError, StaffError, QuestionError, RecommendationError, ValueError) as error:
        print(f"hamrah: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader (e.g. `head`) stopped early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
