"""Tables as files, read back: CSV by pandas, Excel by pandas and openpyxl."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import pandas as pd
import pytest

from documents.tables import csv_bytes, excel_bytes, sheet_name

ROSTER = pd.DataFrame({
    "code": ["P-001", "P-002", "P-003"],
    "name": ["Test Demo-Ahmadi", "Test, \"Quoted\" Demo", "علی تست"],
    "dose_mg": [80.0, 8.5, None],
    "missed_streak": [0, 4, 1],
    "last_screen": [date(2026, 10, 13), None, date(2026, 9, 1)],
})


def test_csv_round_trip_keeps_every_value() -> None:
    data = csv_bytes(ROSTER)
    assert data.splitlines()[0] == b"code,name,dose_mg,missed_streak,last_screen"
    assert data.splitlines()[2] == b'P-002,"Test, ""Quoted"" Demo",8.5,4,'
    back = pd.read_csv(io.BytesIO(data), keep_default_na=False)
    assert back.to_dict("records") == [
        {"code": "P-001", "name": "Test Demo-Ahmadi", "dose_mg": "80.0", "missed_streak": 0,
         "last_screen": "2026-10-13"},
        {"code": "P-002", "name": "Test, \"Quoted\" Demo", "dose_mg": "8.5",
         "missed_streak": 4, "last_screen": ""},
        {"code": "P-003", "name": "علی تست", "dose_mg": "", "missed_streak": 1,
         "last_screen": "2026-09-01"},
    ]


def test_excel_has_a_sheet_per_table_and_reads_back() -> None:
    members = pd.DataFrame({"member": ["FAM1"], "relation": ["mother"]})
    data = excel_bytes({"Patients": ROSTER, "Family members": members})
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert list(sheets) == ["Patients", "Family members"]
    patients = sheets["Patients"]
    assert list(patients.columns) == list(ROSTER.columns)
    assert list(patients["code"]) == ["P-001", "P-002", "P-003"]
    assert list(patients["name"]) == list(ROSTER["name"])
    assert patients["dose_mg"].iloc[0] == 80.0 and pd.isna(patients["dose_mg"].iloc[2])
    assert list(patients["missed_streak"]) == [0, 4, 1]
    assert patients["last_screen"].iloc[0] == pd.Timestamp(2026, 10, 13)
    assert sheets["Family members"].to_dict("records") == [
        {"member": "FAM1", "relation": "mother"}]


def test_excel_heading_is_bold_frozen_filtered_and_columns_fit() -> None:
    frame = pd.DataFrame({"code": ["P-1"], "flags": ["x" * 30], "notes": ["y" * 200]})
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Roster": frame}))).active
    assert sheet is not None
    assert [cell.font.bold for cell in sheet[1]] == [True, True, True]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C2"
    # "code" is 4 wide and "P-1" 3: 4 + 2 is under the minimum of 6; 30 + 2; 200 capped at 60.
    assert [sheet.column_dimensions[c].width for c in "ABC"] == [6, 32, 60]


def test_text_that_looks_like_a_formula_stays_text() -> None:
    frame = pd.DataFrame({"name": ['=HYPERLINK("http://example.org","click")', "plain"]})
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Members": frame}))).active
    assert sheet is not None
    assert (sheet["A2"].value, sheet["A2"].data_type) == (
        '=HYPERLINK("http://example.org","click")', "s")


def test_time_zones_are_dropped_at_utc() -> None:
    frame = pd.DataFrame({
        "contact": [datetime(2026, 11, 2, 9, 30, tzinfo=UTC)],
        "stamp": pd.to_datetime(["2026-11-02T12:00:00+03:30"]),
    })
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Times": frame}))).active
    assert sheet is not None
    assert [sheet["A2"].value, sheet["B2"].value] == [
        datetime(2026, 11, 2, 9, 30), datetime(2026, 11, 2, 8, 30)]


def test_sheet_names_are_valid_and_unique() -> None:
    assert sheet_name("Overview: phases/month") == "Overview- phases-month"
    assert sheet_name("A very long overview table title here") == "A very long overview table titl"
    assert sheet_name("Patients", {"patients"}) == "Patients (2)"
    assert sheet_name("Patients", {"Patients", "Patients (2)"}) == "Patients (3)"
    assert len(sheet_name("A very long overview table title here",
                          {"A very long overview table titl"})) == 31
    assert sheet_name("[]") == "--"
    assert sheet_name("") == "Sheet"


def test_an_excel_file_needs_a_table() -> None:
    with pytest.raises(ValueError, match="at least one table"):
        excel_bytes({})
