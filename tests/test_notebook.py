"""The analysts' notebook runs top to bottom on a demo database and says what the Overview says.

Executed with nbclient in a real kernel, as an analyst would run it, so that a renamed function or
a changed frame breaks this test rather than the next clinic review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from data_access.clinics import list_clinics
from data_access.clock import utc_now
from data_access.database import open_database
from data_access.demo import build_demo
from data_access.overview import overview_records
from data_access.schema import upgrade_to_head
from domain.overview_report import overview_figures
from domain.report_periods import OVERVIEW_MONTHS, PeriodChoice, chosen_period
from tests.pinned_clock import PINNED_TODAY, pin_clock

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "clinic_review.ipynb"


def test_the_clinic_review_notebook_reproduces_the_overview(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    database = open_database(url)
    upgrade_to_head(database.engine)
    with database.sessions() as session, session.begin():
        build_demo(session, patients=30, days=400, seed=3, as_of=PINNED_TODAY)
    monkeypatch.setenv("HAMRAH_DATABASE_URL", url)
    monkeypatch.setenv("HAMRAH_ENV", "test")
    monkeypatch.setenv("HAMRAH_REVIEW_PERIOD", "last_12_months")
    monkeypatch.delenv("HAMRAH_REVIEW_CLINIC", raising=False)
    pin_clock(monkeypatch)

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "commit the notebook without outputs: they would hold patients' data")
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    summary = ast.literal_eval(notebook.cells[-1].outputs[0]["data"]["text/plain"])
    with database.sessions() as session:
        first = min(list_clinics(session), key=lambda clinic: clinic.code)
        period = chosen_period(PeriodChoice.LAST_12_MONTHS, PINNED_TODAY)
        inputs = overview_records(session, clinic_ids=[first.id], as_of=PINNED_TODAY,
                                  months=OVERVIEW_MONTHS, moments=(period.end,),
                                  backlog_moments=(period.end,))
    figures = overview_figures(inputs, period, utc_now())
    assert summary["clinic"] == first.code
    assert summary["months"] == OVERVIEW_MONTHS
    assert (summary["active_patients"], summary["admissions"]) == (
        figures.active_patients, figures.admissions)
    assert figures.active_patients > 0
    charts = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", [])
              if "vegaEmbed(" in output.get("data", {}).get("text/html", "")]
    assert len(charts) == 4  # trend, transitions, curves, the three bars side by side
    database.engine.dispose()
