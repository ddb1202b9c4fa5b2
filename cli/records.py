"""Printing lists of JSON-ready records as JSON or CSV, the two formats tools read."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import TextIO


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(_csv_cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_records(records: Sequence[dict[str, object]], fields: Sequence[str], fmt: str,
                  stream: TextIO) -> None:
    """JSON: one array of objects. CSV: a header, lists joined with ';', empty cells for null."""
    if fmt == "json":
        json.dump(list(records), stream, ensure_ascii=False, indent=2)
        stream.write("\n")
        return
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(fields)
    for record in records:
        writer.writerow([_csv_cell(record.get(field)) for field in fields])
