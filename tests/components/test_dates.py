"""Tables in the reader's calendar (issue 9): date columns as text for anyone but a Gregorian
English reader, whose frame and column settings stay as they are.

11 Aban 1405 is 2 November 2026; Esfand 29 1404 is 20 March 2026, the last day of the common
year 1404, and Nowruz 1405 the day after.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
import streamlit as st

from components.dates import date_columns_as_text, dates_as_shown
from components.state import SignedInUser
from domain.calendars import Calendar
from domain.vocabulary import Role


def reader(calendar: Calendar, language: str) -> SignedInUser:
    return SignedInUser(id=1, username="reader", display_name="Reader", role=Role.SUPERVISOR,
                        language=language, session_version=1, clinic_ids=(1,),
                        clinic_codes=("TST",), calendar=calendar)


def visits() -> pd.DataFrame:
    """Two rows, the second without dates; the index is not 0, 1 (a filtered roster's)."""
    return pd.DataFrame(
        {"code": ["A", "B"],
         "seen_on": [date(2026, 11, 2), None],  # object column of dates
         "asked": [datetime(2026, 11, 2, 14, 5, 9), None],  # datetime64 with NaT
         "contact": [datetime(2026, 3, 20, 23, 30), datetime(2026, 3, 21, 8, 0)],
         "dose_mg": [80.0, 60.0]},
        index=[7, 3],
    )


COLUMNS = {
    "code": st.column_config.TextColumn("Code"),
    "seen_on": st.column_config.DateColumn("Seen"),
    "asked": st.column_config.DatetimeColumn("Asked", format="YYYY-MM-DD HH:mm", width="medium"),
    "contact": st.column_config.DatetimeColumn("Last contact", format="YYYY-MM-DD"),
}


def test_a_gregorian_english_reader_gets_the_frame_and_settings_as_they_are() -> None:
    frame = visits()
    user = reader(Calendar.GREGORIAN, "en")
    assert dates_as_shown(frame, user, column_config=COLUMNS) is frame
    assert date_columns_as_text(COLUMNS, user) == COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(frame["asked"])  # Streamlit's own column


def test_a_solar_hijri_persian_reader_reads_text_in_persian_digits() -> None:
    frame = visits()
    shown = dates_as_shown(frame, reader(Calendar.JALALI, "fa"), column_config=COLUMNS)
    assert list(shown["seen_on"]) == ["۱۴۰۵/۰۸/۱۱", ""]
    assert list(shown["asked"]) == ["۱۴۰۵/۰۸/۱۱ ۱۴:۰۵", ""]
    # Formatted YYYY-MM-DD: the day only, as the English reader sees it.
    assert list(shown["contact"]) == ["۱۴۰۴/۱۲/۲۹", "۱۴۰۵/۰۱/۰۱"]
    # Other columns, the row order and the index (a selection's row positions) are kept.
    assert list(shown["code"]) == ["A", "B"] and list(shown["dose_mg"]) == [80.0, 60.0]
    assert list(shown.index) == [7, 3]
    # The caller's frame is not touched.
    assert frame.loc[7, "seen_on"] == date(2026, 11, 2)


def test_without_settings_a_moment_shows_its_time() -> None:
    shown = dates_as_shown(visits(), reader(Calendar.JALALI, "en"))
    assert list(shown["contact"]) == ["1404/12/29 23:30", "1405/01/01 08:00"]
    assert list(shown["asked"]) == ["1405/08/11 14:05", ""]


def test_a_gregorian_persian_reader_reads_iso_dates_in_persian_digits() -> None:
    shown = dates_as_shown(visits(), reader(Calendar.GREGORIAN, "fa"), column_config=COLUMNS)
    assert list(shown["seen_on"]) == ["۲۰۲۶-۱۱-۰۲", ""]
    assert list(shown["asked"]) == ["۲۰۲۶-۱۱-۰۲ ۱۴:۰۵", ""]


def test_seconds_are_shown_where_the_format_has_them() -> None:
    columns = {"asked": st.column_config.DatetimeColumn("at", format="YYYY-MM-DD HH:mm:ss")}
    shown = dates_as_shown(visits(), reader(Calendar.JALALI, "en"), column_config=columns)
    assert shown.loc[7, "asked"] == "1405/08/11 14:05:09"


def test_missing_values_stay_empty() -> None:
    frame = pd.DataFrame({"when": pd.to_datetime([None, "2026-11-02"]),
                          "day": [None, None], "note": ["x", None]})
    shown = dates_as_shown(frame, reader(Calendar.JALALI, "fa"))
    assert list(shown["when"]) == ["", "۱۴۰۵/۰۸/۱۱ ۰۰:۰۰"]
    # A column with no value at all is not known to hold dates: it is left as it is...
    assert list(shown["day"]) == [None, None] and shown["note"].equals(frame["note"])
    # ...unless the table sets it up as dates: then it is an empty text column.
    configured = dates_as_shown(frame, reader(Calendar.JALALI, "fa"),
                                column_config={"day": st.column_config.DateColumn("Day")})
    assert list(configured["day"]) == ["", ""]


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_shown_dates_sort_in_date_order(language: str) -> None:
    days = [date(2026, 3, 21), date(2025, 12, 31), date(2026, 11, 2), date(2026, 3, 20),
            date(2025, 4, 1)]
    shown = dates_as_shown(pd.DataFrame({"day": days}), reader(Calendar.JALALI, language))
    by_text = [day for _, day in sorted(zip(shown["day"], days, strict=True))]
    assert by_text == sorted(days)


def test_date_settings_become_text_settings_with_their_label() -> None:
    settings = date_columns_as_text(COLUMNS, reader(Calendar.JALALI, "fa"))
    assert settings["code"] == COLUMNS["code"]
    for name, label in (("seen_on", "Seen"), ("asked", "Asked"), ("contact", "Last contact")):
        assert settings[name]["label"] == label
        assert settings[name]["type_config"]["type"] == "text"
    assert settings["asked"]["width"] == "medium"
    assert COLUMNS["seen_on"]["type_config"]["type"] == "date"  # the caller's stay as they were
