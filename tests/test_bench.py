"""The benchmark suite cannot rot: its statistics, its table and results file, and the naive
worklist that the speed-up is measured against (it must give Hamrah's answer, on both engines)."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bench.datasets import (
    Scale,
    drop_postgres_database,
    postgres_database_name,
    prepare_postgres,
)
from bench.machine_speed import SPEED_ROW, machine_speed_row, reference_work
from bench.naive_worklist import compare_worklists, naive_worklist
from bench.report import (
    DASHBOARD_MEMORY,
    PAGE_COLD,
    PAGE_WARM,
    WORKLIST_SPEED_UP,
    Row,
    format_table,
    merge_rows,
    met_text,
    read_rows,
    results_document,
    write_json,
)
from bench.run import _earlier_load_options, build_parser
from bench.timing import median, p95, percentile
from data_access.demo import build_demo
from data_access.engine import make_engine
from data_access.outreach import outreach_worklist
from data_access.signals import all_clinic_ids
from domain.outreach import REASON_TIERS, Reason, ReasonCode, Tier, WorklistItem
from tests.conftest import POSTGRES_URL, _postgres_unreachable

AS_OF = date(2026, 11, 2)


def page_row(samples: tuple[float, ...], *, scale: str = "network", warm: bool = False,
             database: str = "sqlite") -> Row:
    return Row(part="pages", what=f"page Home, {'warm' if warm else 'cold'}", scale=scale,
               database=database, unit="s", samples=samples,
               target=PAGE_WARM if warm else PAGE_COLD)


def test_percentiles_interpolate_between_ranks() -> None:
    assert median([3.0, 1.0, 2.0, 4.0]) == 2.5
    # Five runs: rank (5 - 1) * 0.95 = 3.8, between the 4th (4.0) and the 5th (5.0) value.
    assert p95([5.0, 1.0, 4.0, 2.0, 3.0]) == pytest.approx(4.8)
    assert percentile([7.0], 95.0) == 7.0
    with pytest.raises(ValueError):
        median([])


def test_a_page_target_is_judged_on_the_p95_and_binds_only_at_network_scale_on_sqlite() -> None:
    cold = page_row((0.5, 0.7, 0.9, 1.1, 1.3))
    assert cold.median == pytest.approx(0.9)
    assert cold.p95 == pytest.approx(1.26)  # 1.1 + 0.8 * (1.3 - 1.1): over 1.0 s
    assert cold.binding and cold.met is False and met_text(cold) == "MISSED"

    warm = page_row((0.1, 0.2), scale="demo", warm=True)
    assert warm.p95 == pytest.approx(0.195) and warm.met is True
    assert not warm.binding and met_text(warm) == "yes (info)"

    on_postgres = page_row((2.0, 2.0), database="postgresql")
    assert not on_postgres.binding and met_text(on_postgres) == "missed (info)"

    single = page_row((0.4,))
    assert single.p95 is None and single.met is None and met_text(single) == "—"


def test_a_ratio_or_memory_target_is_met_by_its_value_and_never_by_an_invalid_row() -> None:
    def ratio(value: float, valid: bool = True) -> Row:
        return Row(part="worklist", what="worklist: naive / Hamrah", scale="network",
                   database="sqlite", unit="x", samples=(value,), target=WORKLIST_SPEED_UP,
                   valid=valid)

    assert ratio(25.0).met is True
    assert ratio(19.9).met is False
    assert ratio(25.0, valid=False).met is False  # the two worklists disagreed
    memory = Row(part="memory", what="peak memory: dashboard", scale="network",
                 database="sqlite", unit="MB", samples=(612.0,), target=DASHBOARD_MEMORY)
    assert memory.met is False and met_text(memory) == "MISSED"


def test_the_table_shows_each_row_with_its_target_and_the_notes_below() -> None:
    rows = [
        page_row((0.5, 0.7, 0.9, 1.1, 1.3)),
        Row(part="worklist", what="worklist: naive / Hamrah", scale="network",
            database="sqlite", unit="x", samples=(25.0,), target=WORKLIST_SPEED_UP),
        Row(part="core", what="core: signals", scale="demo", database="postgresql", unit="s",
            samples=(12.5, 14.0), note="slow disk"),
    ]
    lines = format_table(rows).splitlines()
    assert lines[0].split() == ["what", "scale", "database", "median", "p95", "target", "met?"]
    assert lines[2].split() == ["page", "Home,", "cold", "network", "sqlite", "0.900", "s",
                                "1.260", "s", "p95", "≤", "1", "s", "MISSED"]
    assert lines[3].split() == ["worklist:", "naive", "/", "Hamrah", "network", "sqlite",
                                "25.0×", "—", "≥", "20×", "yes"]
    assert lines[4].split() == ["core:", "signals", "demo", "postgresql", "13.2", "s", "13.9",
                                "s", "—", "—"]
    assert lines[-2:] == ["notes:", "  core: signals (demo, postgresql): slow disk"]


def test_results_json_keeps_rows_of_earlier_runs_that_were_not_measured_again(
        tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    network = page_row((0.5, 0.6), scale="network")
    demo_before = page_row((0.9, 0.9), scale="demo")
    write_json(path, results_document([network, demo_before], {"runs": 2}, tmp_path))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert set(document) == {"format", "date", "git", "machine", "options", "rows"}
    assert document["options"] == {"runs": 2}
    assert document["machine"]["cpus"] >= 1
    first = document["rows"][0]
    assert (first["what"], first["scale"], first["samples"], first["binding"], first["met"]) == (
        "page Home, cold", "network", [0.5, 0.6], True, True)
    assert first["target"] == {"statistic": "p95", "limit": 1.0, "at_most": True,
                               "text": "p95 ≤ 1 s"}

    demo_now = page_row((0.2, 0.3), scale="demo")
    merged = merge_rows(read_rows(path), [demo_now])
    assert [(row.scale, row.samples) for row in merged] == [("demo", (0.2, 0.3)),
                                                            ("network", (0.5, 0.6))]
    assert read_rows(tmp_path / "missing.json") == []


def test_the_runner_accepts_lists_of_scales_and_refuses_unknown_ones() -> None:
    parser = build_parser()
    args = parser.parse_args(["--scale", "demo", "--database", "sqlite,postgresql"])
    assert args.scale == ["demo"] and args.database == ["sqlite", "postgresql"]
    assert args.runs == 5 and args.rows == 1_000_000
    assert args.parts == ["pages", "core", "worklist", "import"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--scale", "huge"])


def test_the_naive_worklist_gives_hamrahs_answer(session: Session) -> None:
    with session.begin():
        build_demo(session, patients=30, days=120, seed=8, as_of=AS_OF)
    with session.begin():
        clinic_ids = all_clinic_ids(session)
        hamrah = outreach_worklist(session, clinic_ids=clinic_ids, as_of=AS_OF)
        naive = naive_worklist(session, clinic_ids=clinic_ids, as_of=AS_OF)
    # The demo's patterns put patients on every tier, so agreement is not agreement on nothing.
    assert {item.tier for item in hamrah} == set(Tier)
    comparison = compare_worklists(hamrah, naive)
    assert comparison.same_tiers and comparison.same_reasons, comparison.describe()
    assert [item.as_record() for item in naive] == [item.as_record() for item in hamrah]


def item(patient_id: int, tier: Tier, *codes: ReasonCode) -> WorklistItem:
    return WorklistItem(patient_id=patient_id, patient_code=f"P-{patient_id}", clinic_code="C",
                        tier=tier, score=1000 * len(codes),
                        reasons=tuple(Reason(code, REASON_TIERS[code], str(code), None)
                                      for code in codes),
                        last_contact_on=None, snoozed_until=None)


def test_the_comparison_names_the_pairs_that_differ() -> None:
    hamrah = [item(1, Tier.URGENT, ReasonCode.OVERDOSE_RISK_TOLERANCE),
              item(2, Tier.ROUTINE, ReasonCode.RECRUIT_SUPPORT)]
    same_pairs = [item(1, Tier.URGENT, ReasonCode.EMERGENCY_REPORT),
                  item(2, Tier.ROUTINE, ReasonCode.RECRUIT_SUPPORT)]
    other_tier = [item(1, Tier.HIGH, ReasonCode.LOW_ADHERENCE),
                  item(2, Tier.ROUTINE, ReasonCode.RECRUIT_SUPPORT)]

    assert compare_worklists(hamrah, list(reversed(hamrah))).describe() == (
        "same (patient, tier) pairs and reasons")
    reasons_differ = compare_worklists(hamrah, same_pairs)
    assert reasons_differ.same_tiers and not reasons_differ.same_reasons
    tiers_differ = compare_worklists(hamrah, other_tier)
    assert not tiers_differ.same_tiers
    assert tiers_differ.only_hamrah == ((1, "urgent"),)
    assert tiers_differ.only_naive == ((1, "high"),)


def test_a_bench_run_keeps_the_load_runs_options(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    assert _earlier_load_options(results) == {}
    results.write_text(json.dumps({"options": {"runs": 5, "load": {"sessions": 10}}}))
    assert _earlier_load_options(results) == {"load": {"sessions": 10}}
    results.write_text(json.dumps({"options": {"runs": 5}}))
    assert _earlier_load_options(results) == {}


def test_the_machine_row_times_the_same_work_in_every_run() -> None:
    # 1,000 records: 1,000 texts, the first after sorting is 970 (group 0, the largest
    # number), and the grouped read counts all 1,000 again.
    assert reference_work(1_000) == 1_000 + 970 + 1_000
    assert reference_work() == reference_work()
    row = machine_speed_row(3)
    assert row.what == SPEED_ROW and len(row.samples) == 3 and min(row.samples) > 0
    # A yardstick, not a target: it is shown, never met or missed.
    assert row.target is None and row.met is None and not row.binding
    assert SPEED_ROW in format_table([row])


def test_the_bench_leaves_its_postgresql_database_as_autovacuum_would() -> None:
    """The test server runs without autovacuum: the bench vacuums its databases itself, built
    or reused, so that index-only reads skip the table (the visibility map) and the planner
    knows the sizes."""
    scale = Scale(f"vacuum{uuid.uuid4().hex[:8]}", patients=3, days=30)
    sizes = text("SELECT relallvisible, reltuples, (SELECT count(*) FROM dose_event) "
                 "FROM pg_class WHERE relname = 'dose_event'")
    try:
        url, built = prepare_postgres(scale, 1, server_url=POSTGRES_URL)
    except OperationalError as error:
        _postgres_unreachable(str(error.orig).strip().splitlines()[0])
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            visible, estimated, rows = connection.execute(sizes).one()
        assert built and rows > 0 and visible > 0 and estimated == rows
        with engine.begin() as connection:  # a change the reused database's statistics miss
            connection.execute(text("DELETE FROM dose_event WHERE id % 2 = 0"))
        assert prepare_postgres(scale, 1, server_url=POSTGRES_URL) == (url, False)
        with engine.connect() as connection:
            visible, estimated, left = connection.execute(sizes).one()
        assert left < rows and visible > 0 and estimated == left
    finally:
        engine.dispose()
        drop_postgres_database(POSTGRES_URL, postgres_database_name(scale, 1))
