"""Chart dates in the reader's calendar (issue 9): the ticks and labels chosen in Python, and
what Vega draws with them (the charts are rendered to SVG with vl_convert, as the PDFs are).

Solar Hijri month starts of 1404-1405 (Nowruz 1405 is 21 March 2026; 1404 is a common year):
1 Bahman 1404 = 21 Jan 2026, 1 Esfand = 20 Feb, 1 Farvardin 1405 = 21 Mar, 1 Ordibehesht =
21 Apr, 1 Khordad = 22 May, 1 Tir = 22 Jun, 1 Mordad = 23 Jul, 1 Shahrivar = 23 Aug,
1 Mehr = 23 Sep, 1 Aban = 23 Oct; 2 November 2026 is 11 Aban 1405.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

from components.chart_dates import (
    axis_labels,
    date_axis,
    number_axis,
    persian_digits_expression,
    shown_dates,
)
from components.inbox_views import timeliness_chart
from components.overview_charts import adherence_chart, retention_curve_chart, transitions_chart
from components.patient_charts import (
    dose_calendar_chart,
    dose_trend_chart,
    engagement_timeline_chart,
    phase_timeline_chart,
    screen_timeline_chart,
)
from domain.calendars import MONDAY, SATURDAY, Calendar
from domain.deadlines import WeekTimeliness
from domain.dose_calendar import DoseRow, dose_calendar

JALALI, GREGORIAN = Calendar.JALALI, Calendar.GREGORIAN
AS_OF = date(2026, 11, 2)
START = AS_OF - timedelta(days=180)  # 6 May 2026, 16 Ordibehesht 1405


def svg_texts(chart: alt.Chart | alt.LayerChart) -> list[str]:
    """Every text Vega draws: axis labels, titles, legends."""
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def records(chart: alt.Chart) -> list[dict[str, Any]]:
    datasets = chart.to_dict()["datasets"]
    assert len(datasets) == 1
    rows: list[dict[str, Any]] = next(iter(datasets.values()))
    return rows


def half_a_year_of_doses() -> list[Any]:
    rows = [DoseRow(START + timedelta(days=n), "taken", "observed", 80.0 - n // 60 * 5)
            for n in range(181)]
    return dose_calendar(rows, START, AS_OF, date(2025, 1, 1), None)


# -- ticks and labels ----------------------------------------------------------------------------

def test_half_a_year_is_labelled_by_solar_hijri_month_with_the_year_once() -> None:
    assert axis_labels(START, AS_OF, JALALI, "fa") == {
        date(2026, 5, 22): "خرداد ۱۴۰۵", date(2026, 6, 22): "تیر",
        date(2026, 7, 23): "مرداد", date(2026, 8, 23): "شهریور",
        date(2026, 9, 23): "مهر", date(2026, 10, 23): "آبان",
    }


def test_the_year_is_shown_again_at_nowruz() -> None:
    assert list(axis_labels(date(2026, 1, 1), date(2026, 6, 30), JALALI, "en").items()) == [
        (date(2026, 1, 21), "Bahman 1404"), (date(2026, 2, 20), "Esfand"),
        (date(2026, 3, 21), "Farvardin 1405"), (date(2026, 4, 21), "Ordibehesht"),
        (date(2026, 5, 22), "Khordad"), (date(2026, 6, 22), "Tir"),
    ]


def test_gregorian_months_in_persian() -> None:
    assert list(axis_labels(date(2026, 9, 15), date(2027, 1, 10), GREGORIAN, "fa").values()) == [
        "اکتبر ۲۰۲۶", "نوامبر", "دسامبر", "ژانویه ۲۰۲۷"]


def test_a_long_span_keeps_at_most_ten_labels() -> None:
    # 12 Aban 1403 to 11 Aban 1405: 24 month starts, from 1 Azar 1403 (21 November 2024).
    labels = axis_labels(date(2024, 11, 2), AS_OF, JALALI, "en")
    assert len(labels) == 8  # every third month
    assert list(labels.values())[:3] == ["Azar 1403", "Esfand", "Khordad 1404"]


def test_a_few_weeks_are_labelled_by_their_first_day() -> None:
    assert axis_labels(date(2026, 10, 20), date(2026, 11, 30), GREGORIAN, "fa",
                       first_weekday=MONDAY) == {
        date(2026, 10, 26): "۲۶ اکتبر", date(2026, 11, 2): "۲ نوامبر",
        date(2026, 11, 9): "۹ نوامبر", date(2026, 11, 16): "۱۶ نوامبر",
        date(2026, 11, 23): "۲۳ نوامبر", date(2026, 11, 30): "۳۰ نوامبر",
    }
    saturdays = axis_labels(date(2026, 10, 20), date(2026, 11, 30), JALALI, "en",
                            first_weekday=SATURDAY)
    assert list(saturdays)[0] == date(2026, 10, 24) and saturdays[date(2026, 10, 24)] == "2 Aban"


def test_under_two_weeks_every_day_is_labelled() -> None:
    assert list(axis_labels(date(2026, 10, 29), AS_OF, JALALI, "fa").values()) == [
        "۷ آبان", "۸ آبان", "۹ آبان", "۱۰ آبان", "۱۱ آبان"]


def test_a_gregorian_english_reader_keeps_vega_lites_axis() -> None:
    assert date_axis([START, AS_OF], GREGORIAN, "en") is alt.Undefined
    assert date_axis([START, AS_OF], GREGORIAN, "en", labelAngle=-45).to_dict() == {
        "labelAngle": -45}
    axis = date_axis([START, AS_OF], JALALI, "en").to_dict()
    assert axis["values"][0] == {"year": 2026, "month": 5, "date": 22}
    assert '"2026-05-22": "Khordad 1405"' in axis["labelExpr"]


def test_tooltip_dates_as_shown() -> None:
    values = [pd.Timestamp("2026-11-02 14:05"), pd.NaT, date(2026, 3, 20)]
    assert shown_dates(values, JALALI, "fa") == ["۱۴۰۵/۰۸/۱۱", "", "۱۴۰۴/۱۲/۲۹"]
    assert shown_dates(values, JALALI, "en", time=True) == [
        "1405/08/11 14:05", "", "1404/12/29"]


# -- charts as Vega draws them --------------------------------------------------------------------

def test_the_dose_line_reads_solar_hijri_months_in_persian() -> None:
    days = half_a_year_of_doses()
    texts = svg_texts(dose_trend_chart(days, calendar=JALALI, language="fa"))
    for label in ("خرداد ۱۴۰۵", "تیر", "مرداد", "شهریور", "مهر", "آبان"):
        assert label in texts
    assert not {"June", "July", "November"} & set(texts)
    first = records(dose_trend_chart(days, calendar=JALALI, language="fa"))[0]
    assert first["date_shown"] == "۱۴۰۵/۰۲/۱۶"


def test_the_dose_line_of_a_gregorian_english_reader_is_unchanged() -> None:
    days = half_a_year_of_doses()
    chart = dose_trend_chart(days)
    assert chart.to_dict()["encoding"]["x"] == {"field": "date", "title": None,
                                                "type": "temporal"}
    texts = svg_texts(chart)
    assert {"June", "July", "November"} <= set(texts)
    assert not any("\u0600" <= char <= "\u06ff" for text in texts for char in text)


def test_the_heat_map_names_weekdays_and_weeks_in_persian() -> None:
    days = dose_calendar([DoseRow(date(2026, 11, 1), "taken", "observed", 80.0)],
                         date(2026, 10, 29), AS_OF, date(2025, 1, 1), None)
    chart = dose_calendar_chart(days, first_weekday=SATURDAY, calendar=JALALI, language="fa")
    encoding = chart.to_dict()["encoding"]
    assert encoding["y"]["sort"] == ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه",
                                     "پنجشنبه", "جمعه"]
    assert encoding["x"]["sort"] == ["۲ آبان", "۹ آبان"]  # Saturdays 24 and 31 October
    texts = svg_texts(chart)
    assert {"۲ آبان", "۹ آبان", "شنبه", "پنجشنبه"} <= set(texts)
    assert "Sat" not in texts
    assert [row["date_shown"] for row in records(chart)] == [
        "۱۴۰۵/۰۸/۰۷", "۱۴۰۵/۰۸/۰۸", "۱۴۰۵/۰۸/۰۹", "۱۴۰۵/۰۸/۱۰", "۱۴۰۵/۰۸/۱۱"]


def test_screens_phases_and_family_events_in_the_readers_calendar() -> None:
    screens = pd.DataFrame({"date": [date(2026, 9, 23), date(2026, 10, 23)],
                            "substance": ["opioids", "thc"], "result": ["positive", "negative"],
                            "expected": [True, False], "unexpected_positive": [False, False]})
    chart = screen_timeline_chart(screens, calendar=JALALI, language="en")
    assert [row["date_shown"] for row in records(chart)] == ["1405/07/01", "1405/08/01"]
    # A month: the Mondays, 28 September (6 Mehr) to 19 October.
    assert {"6 Mehr", "13 Mehr", "20 Mehr", "27 Mehr"} <= set(svg_texts(chart))

    history = pd.DataFrame({"date": [date(2026, 3, 21), date(2026, 7, 23)],
                            "to_phase": ["induction", "maintenance"]})
    chart = phase_timeline_chart(history, AS_OF, calendar=JALALI, language="fa")
    assert [(row["start_shown"], row["end_shown"]) for row in records(chart)] == [
        ("۱۴۰۵/۰۱/۰۱", "۱۴۰۵/۰۵/۰۱"), ("۱۴۰۵/۰۵/۰۱", "۱۴۰۵/۰۸/۱۱")]
    assert {"فروردین ۱۴۰۵", "مرداد", "آبان"} <= set(svg_texts(chart))

    events = pd.DataFrame({"when": [datetime(2026, 10, 25, 9, 30), datetime(2026, 11, 1, 14, 5)],
                           "member": ["F1", "F2"], "kind": ["opened", "completed"]})
    chart = engagement_timeline_chart(events, calendar=GREGORIAN, language="fa")
    assert [row["when_shown"] for row in records(chart)] == [
        "۲۰۲۶-۱۰-۲۵ ۰۹:۳۰", "۲۰۲۶-۱۱-۰۱ ۱۴:۰۵"]
    assert {"۲۶ اکتبر", "۱ نوامبر"} <= set(svg_texts(chart))


def test_questions_per_week_in_solar_hijri_months() -> None:
    weeks = [WeekTimeliness(date(2026, 8, 8) + timedelta(weeks=n), 2, 1, 0, n % 2)
             for n in range(12)]  # Saturdays from 17 Mordad to 2 Aban 1405
    chart = timeliness_chart(weeks, calendar=JALALI, language="fa")
    assert {"شهریور ۱۴۰۵", "مهر", "آبان"} <= set(svg_texts(chart))
    assert records(chart)[0]["week_shown"] == "۱۴۰۵/۰۵/۱۷"
    english = timeliness_chart(weeks)
    assert english.to_dict()["encoding"]["tooltip"][0] == {"field": "week", "type": "temporal"}


# -- number axes in the reader's digits -----------------------------------------------------------

ASCII_DIGIT = re.compile(r"[0-9]")


def test_a_number_axis_reads_persian_digits_and_separators() -> None:
    frame = pd.DataFrame({"x": ["a", "b"], "y": [1200.0, 35.5]})
    chart = alt.Chart(frame).mark_bar().encode(
        x="x:N", y=alt.Y("y:Q", axis=number_axis("fa", format=",.1f")))
    texts = svg_texts(chart)
    # Vega's ticks every 200 (its own choice), formatted ",.1f", then written in Persian.
    assert ["۰٫۰", "۲۰۰٫۰", "۴۰۰٫۰", "۶۰۰٫۰", "۸۰۰٫۰", "۱٬۰۰۰٫۰", "۱٬۲۰۰٫۰"] == [
        text for text in texts if text not in {"a", "b", "x", "y"}]
    assert chart.to_dict()["encoding"]["y"]["axis"]["labelExpr"] == persian_digits_expression()


def test_a_number_axis_of_any_other_language_is_vega_lites() -> None:
    assert number_axis("en") is alt.Undefined
    english, persian = number_axis("en", format="%"), number_axis("fa", format="%")
    assert isinstance(english, alt.Axis) and isinstance(persian, alt.Axis)
    assert english.to_dict() == {"format": "%"}
    assert persian.to_dict() == {"format": "%", "labelExpr": persian_digits_expression()}


def test_the_dose_axis_and_the_answer_counts_read_persian_digits() -> None:
    days = half_a_year_of_doses()  # 80 mg, then 75, 70 and 65
    texts = svg_texts(dose_trend_chart(days, calendar=JALALI, language="fa"))
    assert {"۰", "۲۰", "۴۰", "۶۰", "۸۰"} <= set(texts)
    assert not any(ASCII_DIGIT.search(text) for text in texts)
    assert {"0", "20", "40", "60", "80"} <= set(svg_texts(dose_trend_chart(days)))

    weeks = [WeekTimeliness(date(2026, 8, 8) + timedelta(weeks=n), 2, 1, 0, n % 2)
             for n in range(12)]  # at most 4 questions a week
    texts = svg_texts(timeliness_chart(weeks, calendar=GREGORIAN, language="fa"))
    # Vega ticks a count of 4 every half, as it always did; only the digits are new.
    assert {"۰٫۰", "۰٫۵", "۱٫۰", "۴٫۰"} <= set(texts)
    assert not any(ASCII_DIGIT.search(text) for text in texts)


def test_overview_counts_percentages_and_days_read_persian_digits() -> None:
    row = {"adherence_0_50": 1, "adherence_50_80": 2, "adherence_80_90": 3,
           "adherence_90_100": 12, "adherence_unknown": 0}
    texts = svg_texts(adherence_chart(row, language="fa"))
    assert {"۰–۵۰ %", "۹۰–۱۰۰ %", "۰", "۲", "۱۲"} <= set(texts)
    # The title is a message: the Persian catalog writes its own digits.
    assert [text for text in texts if ASCII_DIGIT.search(text)] == ["28-day adherence"]
    assert {"0–50 %", "12"} <= set(svg_texts(adherence_chart(row)))

    curves = pd.DataFrame({"medication": ["methadone"] * 3, "day": [0, 90, 180],
                           "survival": [1.0, 0.8, 0.5], "lower": [1.0, 0.7, 0.4],
                           "upper": [1.0, 0.9, 0.6], "at_risk": [10, 8, 5]})
    texts = svg_texts(retention_curve_chart(curves, language="fa"))
    assert {"۰%", "۶۰%", "۱۰۰%", "۱۸۰"} <= set(texts)
    assert not any(ASCII_DIGIT.search(text) for text in texts)


def test_monthly_phase_changes_read_persian_months_and_counts() -> None:
    figures = pd.DataFrame({
        "period_start": pd.to_datetime(["2026-09-23", "2026-10-23"]),  # 1 Mehr, 1 Aban 1405
        "period_end": pd.to_datetime(["2026-10-22", "2026-11-21"]),
        "by_psychologist": [False, False], "psychologist": [None, None],
        "step_downs": [3, 1], "step_ups": [0, 2]})
    texts = svg_texts(transitions_chart(figures, calendar=JALALI, language="fa"))
    assert {"مهر ۱۴۰۵", "آبان ۱۴۰۵", "۰٫۰", "۰٫۵", "۳٫۰"} <= set(texts)  # Vega ticks halves
    assert not any(ASCII_DIGIT.search(text) for text in texts)
