"""Tables as files: CSV bytes of one frame, Excel bytes of one or more frames (one sheet each).

CSV is for other programs: UTF-8 without a byte-order mark, ISO dates, an empty cell for a
missing value, the same text ``hamrah … --format csv`` prints. Excel is for people: a bold, frozen
heading row with filters, columns as wide as their content (within limits), dates as dates.

A text that starts with ``=`` is written to Excel as text, never as a formula: names and notes
can come from imports and families, and a cell must not run what someone typed (CSV injection,
OWASP). The CSV keeps the text as it is; it is read by programs, not by a spreadsheet.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import datetime

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

SHEET_NAME_LIMIT = 31  # Excel's limit
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH = 6
MAX_WIDTH = 60
WIDTH_SAMPLE = 500  # rows read to size a column; enough to see its usual width


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV, without its index."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def sheet_name(title: str, taken: set[str] | None = None) -> str:
    """A valid, unique Excel sheet name for ``title``: forbidden characters become ``-``, at most
    31 characters, and ``(2)``, ``(3)``… added when ``taken`` (compared ignoring case) has it."""
    base = _SHEET_NAME_FORBIDDEN.sub("-", title).strip("' ") or "Sheet"
    base = base[:SHEET_NAME_LIMIT]
    taken_folded = {name.casefold() for name in (taken or set())}
    name, number = base, 1
    while name.casefold() in taken_folded:
        number += 1
        suffix = f" ({number})"
        name = base[:SHEET_NAME_LIMIT - len(suffix)] + suffix
    return name


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel holds no time zones: aware datetimes become naive UTC."""
    ready = frame.copy()
    for column in ready.columns:
        series = ready[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            ready[column] = series.dt.tz_convert("UTC").dt.tz_localize(None)
        elif series.dtype == object:
            ready[column] = [
                value.replace(tzinfo=None) if isinstance(value, datetime) and value.tzinfo
                else value
                for value in series
            ]
    return ready


def _text_width(value: object) -> int:
    if isinstance(value, datetime):
        return 16
    return max((len(line) for line in str(value).splitlines()), default=0)


def _finish_sheet(sheet: Worksheet, frame: pd.DataFrame) -> None:
    sheet.freeze_panes = "A2"
    if len(frame.columns):
        sheet.auto_filter.ref = sheet.dimensions
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    sample = frame.head(WIDTH_SAMPLE)
    for index, column in enumerate(frame.columns, start=1):
        widest = max([len(str(column)), *(_text_width(v) for v in sample[column].dropna())])
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(widest + 2, MIN_WIDTH), MAX_WIDTH)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # a text that looks like a formula stays text
                cell.data_type = "s"


def excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per frame, in order; titles become valid sheet names."""
    if not sheets:
        raise ValueError("an Excel export needs at least one table")
    buffer = io.BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for title, frame in sheets.items():
            name = sheet_name(title, taken)
            taken.add(name)
            _excel_ready(frame).to_excel(writer, sheet_name=name, index=False)
            _finish_sheet(writer.sheets[name], frame)
    return buffer.getvalue()
