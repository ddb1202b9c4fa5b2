"""The patient summary PDF: essentials, 90 days of doses and screens as charts, the phase history,
the family with its consents, and the family's open questions.

It draws a :class:`data_access.patient_summary.PatientSummary`, already cut to the reader's role
(no phones or e-mails for the case team) and already audited; the charts are the record's own
(``components.patient_charts``), rendered to PNG. Labels, dates and the charts' axes follow the
exporter's language and calendar (``documents.pdf_layout``); the data are printed as recorded.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import altair as alt

from components import patient_charts
from data_access.patient_summary import PatientSummary
from documents.chart_images import chart_png
from documents.pdf_layout import HamrahPDF, document_language
from domain.calendars import Calendar
from domain.dose_calendar import DayKind
from domain.roster import flag_text, missed_dose_action_text
from domain.severity import oud_severity
from domain.text import in_local_digits, t

# Phases and severities by their stored value, as messages (the same English words).
_PHASE_NAMES = {"induction": "induction", "stabilisation": "stabilisation",
                "maintenance": "maintenance", "taper": "taper", "aftercare": "aftercare",
                "discharged": "discharged"}
_SEVERITY_NAMES = {"none": "none", "mild": "mild", "moderate": "moderate", "severe": "severe"}


def _phase_name(value: str) -> str:
    """A phase in the reader's language; a value this module does not know, as stored."""
    message = _PHASE_NAMES.get(str(value))
    return t(message) if message is not None else str(value)


def _day(day: date) -> alt.DateTime:
    return alt.DateTime(year=day.year, month=day.month, date=day.day)


def _essentials(pdf: HamrahPDF, summary: PatientSummary) -> None:
    header, signals = summary.header, summary.signals
    shown = pdf.shown_date
    phase_name = _phase_name(header.phase.value)
    if signals is None:
        phase = t("{phase} since {date}", phase=phase_name, date=shown(header.phase_since))
    else:
        phase = t("{phase} since {date} (day {day})", phase=phase_name,
                  date=shown(header.phase_since), day=signals.days_in_phase)
    admitted = shown(header.admission_date)
    if header.discharged_on is not None:
        treatment = t("admitted {admitted}, discharged {discharged}", admitted=admitted,
                      discharged=shown(header.discharged_on))
    elif signals is not None:
        treatment = t("admitted {admitted}, {days} days in treatment", admitted=admitted,
                      days=signals.days_in_treatment)
    else:
        treatment = t("admitted {admitted}", admitted=admitted)
    severity = ("-" if header.oud_criteria_count is None else
                t("{severity} ({count} of 11 criteria)",
                  severity=t(_SEVERITY_NAMES[oud_severity(header.oud_criteria_count).value]),
                  count=header.oud_criteria_count))
    pairs: list[tuple[str, object]] = [
        (t("Patient"), f"{header.code} · {header.first_name} {header.last_name}"),
        (t("Sex, born"), f"{header.sex}, {header.birth_year}"),
        (t("Medication"), f"{header.medication} {in_local_digits(f'{header.dose_mg:g}')} mg"),
        (t("Phase"), phase),
        (t("Treatment"), treatment),
        (t("Psychologist"), header.psychologist),
        (t("Substances"), ", ".join(s for s in (header.primary_substance,
                                                header.co_used_substances) if s)),
        (t("OUD severity (DSM-5)"), severity),
        (t("Living situation"), header.living_situation),
        (t("Employment"), header.employment),
        (t("Hepatitis B / C, HIV"), " / ".join(status or "-" for status in (
            header.hbv_status, header.hcv_status, header.hiv_status))),
    ]
    if signals is not None:
        adherence = ("-" if signals.adherence_28d is None
                     else in_local_digits(f"{signals.adherence_28d:.0%}"))
        take_home = ("-" if signals.take_home_max_doses is None else
                     t("up to {doses} doses (42 CFR 8.12(i); information for the prescriber, "
                       "never a decision)", doses=signals.take_home_max_doses))
        pairs += [
            (t("Adherence, 28 days"), adherence),
            (t("Missed in a row"), t("{days} days", days=signals.missed_streak)),
            (t("Missed-dose action"), missed_dose_action_text(signals.missed_dose_action)),
            (t("Step-down ready"), signals.step_down_ready),
            (t("Take-home"), take_home),
        ]
    pdf.facts(pairs)
    if signals is not None and signals.flags:
        pdf.subheading(t("Flags"))
        for flag in signals.flags:
            pdf.paragraph(f"- {flag_text(flag)}")


def _doses(pdf: HamrahPDF, summary: PatientSummary) -> None:
    pdf.heading(t("Doses, {start} to {end}", start=pdf.shown_date(summary.start),
                  end=pdf.shown_date(summary.as_of)))
    counts = Counter(day.kind for day in summary.days)
    scheduled = len(summary.days) - counts[DayKind.NOT_SCHEDULED]
    pdf.paragraph(t("{observed} observed, {take_home} take-home and {missed} missed of "
                    "{scheduled} days in treatment (a day in treatment without a dose counts "
                    "as missed).", observed=counts[DayKind.OBSERVED],
                    take_home=counts[DayKind.TAKE_HOME], missed=counts[DayKind.MISSED],
                    scheduled=scheduled))
    pdf.png(chart_png(patient_charts.dose_calendar_chart(
        summary.days, first_weekday=summary.first_weekday, calendar=pdf.calendar,
        language=pdf.language)),
        alt_text=t("Dose calendar"))
    if any(day.dose_mg is not None for day in summary.days):
        pdf.png(chart_png(patient_charts.dose_trend_chart(
            summary.days, calendar=pdf.calendar, language=pdf.language)),
            alt_text=t("Dose in mg over time"))


def _screens(pdf: HamrahPDF, summary: PatientSummary) -> None:
    pdf.heading(t("Urine screens"))
    screens = summary.screens
    if screens.empty:
        pdf.paragraph(t("No screen in these days."), muted=True)
        return
    unexpected = int(screens["unexpected_positive"].sum())
    screening_days = int(screens["date"].nunique())
    pdf.paragraph(t("{days} screening day, {results} results, {unexpected} unexpected positive."
                    if screening_days == 1 else
                    "{days} screening days, {results} results, {unexpected} unexpected "
                    "positive.", days=screening_days, results=len(screens),
                    unexpected=unexpected))
    chart = patient_charts.screen_timeline_chart(screens, calendar=pdf.calendar,
                                                 language=pdf.language)
    # The whole period on the time axis, its labels (in the reader's calendar) kept.
    period = chart.encoding.x.copy()
    period.scale = alt.Scale(domain=[_day(summary.start), _day(summary.as_of)])
    pdf.png(chart_png(chart.encode(x=period)), alt_text=t("Screen results by substance"))
    positives = screens[screens["result"] == "positive"]
    if positives.empty:
        pdf.paragraph(t("No positive result."), muted=True)
        return
    # The chart shows every result; the table spells out the positives, the ones discussed.
    pdf.subheading(t("Positive results"))
    pdf.data_table(
        [t("Date"), t("Substance"), t("Expected (prescribed)"), t("Unexpected positive")],
        positives[["date", "substance", "expected", "unexpected_positive"]]
        .itertuples(index=False),
        col_widths=(35, 55, 45, 45),
    )


def _phases(pdf: HamrahPDF, summary: PatientSummary) -> None:
    pdf.heading(t("Phase history"))
    history = summary.phase_history
    if history.empty:
        pdf.paragraph(t("No phase change is recorded."), muted=True)
        return
    rows = [
        (row["date"], _phase_name(row["from_phase"]), _phase_name(row["to_phase"]),
         t("{reason} (override: {override}; unmet: {unmet})", reason=str(row["reason"]),
           override=str(row["override_reason"]), unmet=str(row["unmet_criteria"]))
         if row["override_reason"] else str(row["reason"]),
         row["by"])
        for row in history.to_dict("records")
    ]
    pdf.data_table([t("Date"), t("From"), t("To"), t("Reason"), t("By")], rows,
                   col_widths=(22, 25, 25, 78, 30))


def _family(pdf: HamrahPDF, summary: PatientSummary) -> None:
    pdf.heading(t("Support members"))
    if not summary.members:
        pdf.paragraph(t("No support member is recorded."), muted=True)
    else:
        headings = [t("Code"), t("Name"), t("Relation"), t("Channel"), t("Consent"), t("Until")]
        widths: tuple[float, ...] = (22, 40, 24, 24, 42, 28)
        if summary.contact_details:
            headings += [t("Phone"), t("E-mail")]
            widths = (16, 26, 18, 18, 26, 20, 24, 32)
        rows = []
        for member in summary.members:
            row: list[object] = [
                member.code, member.name, member.relation, member.channel,
                (t("active ({scope})", scope=member.consent_scope) if member.consent_active
                 else t("none active")),
                member.consent_until,
            ]
            if summary.contact_details:
                row += [member.phone, member.email]
            rows.append(row)
        pdf.data_table(headings, rows, col_widths=widths)
        if not summary.contact_details:
            pdf.paragraph(t("Phones and e-mails are withheld from the case team."), muted=True)
    pdf.subheading(t("Active consents (42 CFR Part 2 §2.31)"))
    if not summary.consents:
        pdf.paragraph(t("No active consent: nothing may be disclosed to the family."),
                      muted=True)
    else:
        pdf.data_table([t("Member"), t("Scope"), t("Signed"), t("Expires")],
                       [(c.member_code, c.scope, c.signed_on, c.expires_on)
                        for c in summary.consents],
                       col_widths=(40, 60, 40, 40))
    pdf.subheading(t("Open questions from the family"))
    if summary.open_questions.empty:
        pdf.paragraph(t("None."), muted=True)
    else:
        pdf.data_table([t("Asked"), t("Member"), t("Question"), t("Due")],
                       summary.open_questions.itertuples(index=False),
                       col_widths=(30, 25, 95, 30))


def patient_summary_pdf(summary: PatientSummary, *, language: str = "en",
                        calendar: Calendar = Calendar.GREGORIAN) -> bytes:
    """The summary as PDF bytes: one to three A4 pages with three charts, in the exporter's
    ``language`` and ``calendar``."""
    with document_language(language):
        header = summary.header
        pdf = HamrahPDF(clinic=header.clinic_code, language=language, calendar=calendar,
                        title=t("Patient summary · {code}", code=header.code))
        as_of = pdf.shown_date(summary.as_of)
        pdf.title_block(
            t("Patient summary: {code}", code=header.code),
            t("As of {date} · prepared by {user}" if summary.contact_details else
              "As of {date} · prepared by {user} · contact details withheld",
              date=as_of, user=summary.prepared_by),
        )
        _essentials(pdf, summary)
        _doses(pdf, summary)
        _screens(pdf, summary)
        _phases(pdf, summary)
        _family(pdf, summary)
        return pdf.to_bytes()
