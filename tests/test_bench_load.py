"""``make bench-load`` cannot rot: its memory sampling from /proc, the patterns that tell a page
is drawn in each language, its rows, and one real run of two Chromium sessions."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bench.datasets import BENCH_NOW, Scale, build_into
from bench.load import (
    CHROMIUM,
    RECORD,
    SIGN_IN,
    STEPS,
    WORKLIST,
    LoadError,
    LoadResult,
    Login,
    build_parser,
    load_rows,
    login_for,
    merged_options,
    record_heading_pattern,
    run_load,
    screens_for,
    server_exceptions,
    template_pattern,
)
from bench.process_memory import (
    PeakMemory,
    cpu_ticks,
    parent_pid,
    process_tree,
    tree_cpu_seconds,
    tree_rss_mb,
    vm_rss_kib,
)
from bench.report import Row, format_table, merge_rows, met_text, read_rows, write_json
from data_access.clock import PINNED_NOW_VARIABLE
from data_access.engine import make_engine

STATUS = "Name:\tstreamlit\nState:\tS (sleeping)\nVmPeak:\t  900000 kB\nVmRSS:\t  123456 kB\n"


def fake_process(proc: Path, pid: int, parent: int, rss_kib: int | None,
                 name: str = "python", ticks: tuple[int, int] = (0, 0)) -> None:
    """A /proc/<pid> with the two files the sampler reads; ``ticks`` are its user and system
    CPU time."""
    folder = proc / str(pid)
    folder.mkdir(parents=True, exist_ok=True)
    user, system = ticks
    (folder / "stat").write_text(f"{pid} ({name}) S {parent} {pid} {pid} 0 -1 4194560 "
                                 f"120 0 3 0 {user} {system} 0 0 20 0 8 0 500\n")
    rss = "" if rss_kib is None else f"VmRSS:\t{rss_kib:>9} kB\n"
    (folder / "status").write_text(f"Name:\t{name}\nState:\tS (sleeping)\n{rss}")


# --- memory of a process tree ----------------------------------------------------------------


def test_the_resident_memory_is_read_from_the_vmrss_line() -> None:
    assert vm_rss_kib(STATUS) == 123456
    assert vm_rss_kib("Name:\tkthreadd\nState:\tS (sleeping)\n") is None  # a kernel thread


def test_the_parent_is_read_after_the_command_name_even_when_it_holds_parentheses() -> None:
    assert parent_pid("4242 (python) S 17 4242 4242 0 -1") == 17
    assert parent_pid("4243 (web (content) 2) R 4242 4242 4242 0 -1") == 4242


def test_the_cpu_time_is_user_plus_system_ticks() -> None:
    # Fields 14 and 15 of proc(5); the name holds a space and a parenthesis.
    stat = "4243 (web (content) 2) R 4242 4242 4242 0 -1 4194560 120 0 3 0 250 40 0 0 20 0 8"
    assert cpu_ticks(stat) == 290


def test_the_tree_cpu_time_sums_the_root_and_its_children(tmp_path: Path) -> None:
    fake_process(tmp_path, 100, 1, 1024, ticks=(300, 100))
    fake_process(tmp_path, 101, 100, 1024, ticks=(50, 50))
    fake_process(tmp_path, 102, 1, 1024, ticks=(9000, 9000))  # not in the tree
    assert tree_cpu_seconds(100, tmp_path, ticks_per_second=100) == pytest.approx(5.0)
    assert tree_cpu_seconds(999, tmp_path, ticks_per_second=100) == 0.0


def test_a_process_tree_is_the_root_and_every_descendant() -> None:
    parents = {1: 0, 10: 1, 11: 10, 12: 11, 13: 1, 14: 12, 15: 13}
    assert process_tree(10, parents) == {10, 11, 12, 14}
    assert process_tree(14, parents) == {14}


def test_the_tree_memory_sums_the_root_and_its_children_only(tmp_path: Path) -> None:
    fake_process(tmp_path, 1, 0, 8192, name="init")
    fake_process(tmp_path, 100, 1, 1024)  # the server: 1 MiB
    fake_process(tmp_path, 101, 100, 2048, name="worker (child)")  # its child: 2 MiB
    fake_process(tmp_path, 103, 101, None)  # a grandchild that is a zombie: no VmRSS
    fake_process(tmp_path, 102, 1, 4096)  # not in the tree
    (tmp_path / "self").mkdir()  # not a process directory
    assert tree_rss_mb(100, tmp_path) == pytest.approx(3.0)
    assert tree_rss_mb(101, tmp_path) == pytest.approx(2.0)
    assert tree_rss_mb(999, tmp_path) == 0.0  # the server has gone


def test_the_sampler_keeps_the_first_and_the_largest_sample(tmp_path: Path) -> None:
    fake_process(tmp_path, 100, 1, 1024)
    memory = PeakMemory(100, proc=tmp_path)
    assert memory.sample() == pytest.approx(1.0)
    fake_process(tmp_path, 100, 1, 5120)
    fake_process(tmp_path, 101, 100, 1024)
    assert memory.sample() == pytest.approx(6.0)
    fake_process(tmp_path, 101, 100, 0)
    fake_process(tmp_path, 100, 1, 2048)
    assert memory.sample() == pytest.approx(2.0)
    assert memory.first_mb == pytest.approx(1.0)
    assert memory.peak_mb == pytest.approx(6.0) and memory.samples == 3


def test_the_sampler_runs_on_its_thread_until_the_block_ends(tmp_path: Path) -> None:
    fake_process(tmp_path, 100, 1, 3072)
    with PeakMemory(100, every_seconds=0.01, proc=tmp_path) as memory:
        pass
    assert memory.samples >= 1
    assert memory.peak_mb == pytest.approx(3.0)


def test_the_real_process_tree_of_this_test_holds_this_process() -> None:
    mine = tree_rss_mb(os.getpid())
    assert 10 < mine < 100_000  # a Python process with pytest loaded, in MB


# --- what a drawn page shows ----------------------------------------------------------------


def test_a_message_pattern_fills_any_text_into_the_placeholders() -> None:
    welcome = template_pattern("Welcome, {name}")
    assert re.search(welcome, "Welcome, Demo Supervisor")
    assert not re.search(welcome, "Welcome back, Demo Supervisor")
    assert not re.search(welcome, "Welcome, ")  # a name is there
    # Parentheses and full stops are literal, and a part pattern may sit inside a longer text
    # (the box's text begins with its icon's name).
    emergency = template_pattern("{n} emergency report(s) from families are not yet "
                                 "acknowledged.", whole=False)
    assert re.search(emergency, "emergency\n\n2 emergency report(s) from families are not yet "
                                "acknowledged.")
    assert not re.search(emergency, "2 emergency reports from families are not yet acknowledged")


def test_the_screens_are_recognised_in_persian_too() -> None:
    persian = screens_for("fa")
    assert re.search(persian.welcome, "خوش آمدید، روان‌شناس نمونه")
    assert re.search(persian.outreach, "پیگیری خانواده")
    assert re.search(persian.doses, "دوزها، ۱۸۰ روز گذشته")
    assert not re.search(persian.welcome, "Welcome, Demo Supervisor")
    banner = ("emergency\n\nگزارش\u200cهای اضطراری خانواده\u200cها که هنوز تأیید نشده\u200cاند: "
              "TEH-0173 در 2026-11-01 18:10")
    assert any(re.search(pattern, banner) for pattern in persian.expected_errors)
    english = screens_for("en")
    assert not any(re.search(pattern, "Sign-in failed: check the username and password.")
                   for pattern in english.expected_errors)


def test_the_record_opened_from_a_worklist_choice_is_that_patients() -> None:
    heading = record_heading_pattern("TEH-0042 · urgent · 3 doses missed in a row")
    assert re.search(heading, "TEH-0042 · Sara Ahmadi")
    assert not re.search(heading, "TEH-00421 · Sara Ahmadi")
    assert not re.search(heading, "LDN-0042 · Sara Ahmadi")


def test_the_exception_of_each_server_traceback_is_read_from_its_log() -> None:
    log = """  You can now view your Streamlit app in your browser.
2026-11-26 05:01:34.483 Uncaught app execution
Traceback (most recent call last):
  File "/work/main/pages/outreach.py", line 40, in <module>
    view = outreach_data.worklist(user.clinic_ids, as_of, user.role, settings,
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^

TypeError: worklist() takes 4 positional arguments but 5 were given
2026-11-26 05:01:35.001 Uncaught app execution
Traceback (most recent call last):
  File "/work/main/pages/outreach.py", line 40, in <module>
TypeError: worklist() takes 4 positional arguments but 5 were given
Traceback (most recent call last):
  File "/work/main/data_access/engine.py", line 9, in connect
sqlite3.OperationalError: database is locked
  Stopping...
"""
    assert server_exceptions(log) == [
        "TypeError: worklist() takes 4 positional arguments but 5 were given",
        "sqlite3.OperationalError: database is locked"]
    assert server_exceptions("Traceback (most recent call last):\n  File \"x\"\n") == []


def test_sessions_take_the_logins_in_turn() -> None:
    logins = (Login("supervisor", "en"), Login("psych.ldn", "en"), Login("psych.teh", "fa"))
    assert [login_for(i, logins).username for i in range(5)] == [
        "supervisor", "psych.ldn", "psych.teh", "supervisor", "psych.ldn"]


# --- rows -----------------------------------------------------------------------------------


def measured(errors: tuple[LoadError, ...] = ()) -> LoadResult:
    result = LoadResult(logins=("supervisor", "psych.ldn"), peak_mb=512.5, started_mb=60.0,
                        rounds_seconds=40.0, server_cpu_seconds=30.0)
    result.times[SIGN_IN] += [1.0, 2.0, 3.0, 4.0]
    result.times[WORKLIST] += [0.2, 0.4, 0.6, 0.8]
    result.times[RECORD] += [0.5, 0.5, 0.9] if errors else [0.5, 0.5, 0.9, 0.7]
    result.clicks_again[RECORD] = 1
    result.errors.extend(errors)
    return result


def by_what(rows: list[Row]) -> dict[str, Row]:
    return {row.what: row for row in rows}


def test_the_rows_of_a_run_without_errors() -> None:
    rows = by_what(load_rows(measured(), sessions=2, rounds=2, scale="demo", database="sqlite"))
    assert list(rows) == ["load: sign in (2 sessions)", "load: open worklist (2 sessions)",
                          "load: open record (2 sessions)",
                          "load: server peak memory (2 sessions)", "load: errors (2 sessions)"]

    sign_in = rows["load: sign in (2 sessions)"]
    assert sign_in.median == pytest.approx(2.5)
    assert sign_in.p95 == pytest.approx(3.85)  # rank 3 x 0.95 = 2.85: 3.0 + 0.85 x 1.0
    assert sign_in.binding is False and sign_in.met is False
    assert met_text(sign_in) == "missed (info)"
    assert "2 concurrent Chromium sessions x 2 rounds (supervisor, psych.ldn" in sign_in.note
    assert "the server used 30 CPU-s in the 40 s of the rounds (75% of one core)" in sign_in.note

    worklist = rows["load: open worklist (2 sessions)"]
    assert worklist.p95 == pytest.approx(0.77)  # 0.6 + 0.85 x 0.2
    assert met_text(worklist) == "yes (info)" and worklist.note == ""
    assert "1 click(s) dropped" in rows["load: open record (2 sessions)"].note

    memory = rows["load: server peak memory (2 sessions)"]
    assert (memory.unit, memory.samples, memory.met) == ("MB", (512.5,), True)
    assert met_text(memory) == "yes (info)"  # the dashboard's target binds at network scale
    assert "60 MB once it answered" in memory.note

    errors = rows["load: errors (2 sessions)"]
    assert (errors.samples, errors.binding, errors.met) == ((0.0,), True, True)
    table = format_table(list(rows.values()))
    assert "0 errors" in table and "≤ 0 errors" in table


def test_an_error_fails_the_errors_row_and_voids_the_times() -> None:
    error = LoadError(step=RECORD, username="psych.ldn", round=2, message="not drawn within 60 s")
    rows = by_what(load_rows(measured((error,)), sessions=2, rounds=2, scale="demo",
                             database="sqlite"))
    errors = rows["load: errors (2 sessions)"]
    assert errors.samples == (1.0,) and met_text(errors) == "MISSED"
    assert errors.note == "round 2, psych.ldn, open record: not drawn within 60 s"
    result = measured((error,) * 5)
    result.server_exceptions = ("TypeError: worklist() takes 4 positional arguments",)
    many = by_what(load_rows(result, sessions=2, rounds=2, scale="demo", database="sqlite"))
    assert many["load: errors (2 sessions)"].note == (
        "round 2, psych.ldn, open record: not drawn within 60 s; "
        "round 2, psych.ldn, open record: not drawn within 60 s; "
        "round 2, psych.ldn, open record: not drawn within 60 s (and 2 more); "
        "the server's log: TypeError: worklist() takes 4 positional arguments")
    record = rows["load: open record (2 sessions)"]
    assert "3 of 4 sessions got this far" in record.note
    assert all(not rows[f"load: {step} (2 sessions)"].valid for step in STEPS)
    assert rows["load: open worklist (2 sessions)"].met is False  # 0.77 s, but not valid


def test_one_session_is_named_in_the_singular() -> None:
    rows = load_rows(measured(), sessions=1, rounds=1, scale="demo", database="sqlite")
    assert rows[0].what == "load: sign in (1 session)"
    assert rows[0].note.startswith("1 concurrent Chromium session x 1 round (supervisor")


def test_the_memory_target_binds_at_network_scale_on_sqlite() -> None:
    result = measured()
    result.peak_mb = 700.0
    rows = by_what(load_rows(result, sessions=10, rounds=3, scale="network", database="sqlite"))
    assert met_text(rows["load: server peak memory (10 sessions)"]) == "MISSED"
    assert rows["load: sign in (10 sessions)"].binding is False


def test_load_rows_join_the_results_file_beside_the_earlier_rows(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    earlier = [Row(part="pages", what="page Home, cold", scale="demo", database="sqlite",
                   unit="s", samples=(0.5, 0.6))]
    ten = load_rows(measured(), sessions=10, rounds=3, scale="demo", database="sqlite")
    write_json(out, {"format": 1, "options": {"runs": 5}, "rows": [
        row.as_json() for row in [*earlier, *ten]]})

    two = load_rows(measured(), sessions=2, rounds=1, scale="demo", database="sqlite")
    merged = merge_rows(read_rows(out), two)
    whats = [row.what for row in merged]
    assert "page Home, cold" in whats
    assert "load: sign in (10 sessions)" in whats and "load: sign in (2 sessions)" in whats
    assert len(merged) == 1 + len(ten) + len(two)

    options = merged_options(out, {"sessions": 2})
    assert options == {"runs": 5, "load": {"sessions": 2}}
    assert merged_options(tmp_path / "missing.json", {"sessions": 2}) == {
        "load": {"sessions": 2}}


def test_the_command_defaults_to_ten_sessions_on_the_demo_in_sqlite() -> None:
    args = build_parser().parse_args([])
    assert (args.sessions, args.scale, args.database, args.rounds) == (10, "demo", "sqlite", 3)


# --- one real run ---------------------------------------------------------------------------


@pytest.mark.browser
def test_two_sessions_sign_in_open_the_worklist_and_a_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: the CI image must install Debian's chromium")
        pytest.skip("Debian chromium not installed: run `make chromium`")
    # The database is built for the bench's day and the server is pinned to it, as make
    # bench-load does with its kept databases.
    monkeypatch.setenv(PINNED_NOW_VARIABLE, BENCH_NOW.isoformat())
    monkeypatch.setenv("HAMRAH_ENV", "development")
    database_url = f"sqlite:///{tmp_path / 'hamrah-load.db'}"
    engine = make_engine(database_url)
    try:
        build_into(engine, Scale("tiny", patients=30, days=120), seed=5)
    finally:
        engine.dispose()

    result = run_load(database_url, sessions=2, rounds=1, log=tmp_path / "server.log",
                      timeout_s=120)

    assert result.errors == [], (tmp_path / "server.log").read_text()[-3000:]
    assert {step: len(seconds) for step, seconds in result.times.items()} == {
        SIGN_IN: 2, WORKLIST: 2, RECORD: 2}
    assert all(0 < seconds < 120 for times in result.times.values() for seconds in times)
    assert result.logins[0] == "supervisor" and len(result.logins) >= 2
    assert result.started_mb is not None and 20 < result.started_mb <= result.peak_mb
    assert result.server_cpu_seconds is not None and result.server_cpu_seconds > 0
    rows = load_rows(result, sessions=2, rounds=1, scale="tiny", database="sqlite")
    assert [row.samples for row in rows if row.what == "load: errors (2 sessions)"] == [(0.0,)]
    assert json.loads(json.dumps([row.as_json() for row in rows]))  # results.json can hold them
