"""The patient summary PDF: essentials, 90 days of doses and screens as charts, the phase history,
the family with its consents, and the family's open questions.

It draws a :class:`data_access.patient_summary.PatientSummary`, already cut to the reader's role
(no phones or e-mails for the case team) and already audited; the charts are the record's own
(``components.patient_charts``), rendered to PNG.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import altair as alt

from components import patient_charts
from data_access.patient_summary import PatientSummary
from documents.chart_images import chart_png
from documents.pdf_layout import HamrahPDF, english_texts
from domain.dose_calendar import DayKind
from domain.roster import flag_text, missed_dose_action_text
from domain.severity import oud_severity

TITLE = "Patient summary"


def _day(day: date) -> alt.DateTime:
    return alt.DateTime(year=day.year, month=day.month, date=day.day)


def _essentials(pdf: HamrahPDF, summary: PatientSummary) -> None:
    header, signals = summary.header, summary.signals
    phase = f"{header.phase.value} since {header.phase_since.isoformat()}"
    if signals is not None:
        phase += f" (day {signals.days_in_phase})"
    treatment = f"admitted {header.admission_date.isoformat()}"
    if header.discharged_on is not None:
        treatment += f", discharged {header.discharged_on.isoformat()}"
    elif signals is not None:
        treatment += f", {signals.days_in_treatment} days in treatment"
    severity = ("-" if header.oud_criteria_count is None else
                f"{oud_severity(header.oud_criteria_count).value} "
                f"({header.oud_criteria_count} of 11 criteria)")
    pairs: list[tuple[str, object]] = [
        ("Patient", f"{header.code} · {header.first_name} {header.last_name}"),
        ("Sex, born", f"{header.sex}, {header.birth_year}"),
        ("Medication", f"{header.medication} {header.dose_mg:g} mg"),
        ("Phase", phase),
        ("Treatment", treatment),
        ("Psychologist", header.psychologist),
        ("Substances", ", ".join(s for s in (header.primary_substance,
                                             header.co_used_substances) if s)),
        ("OUD severity (DSM-5)", severity),
        ("Living situation", header.living_situation),
        ("Employment", header.employment),
        ("Hepatitis B / C, HIV", " / ".join(status or "-" for status in (
            header.hbv_status, header.hcv_status, header.hiv_status))),
    ]
    if signals is not None:
        adherence = ("-" if signals.adherence_28d is None else f"{signals.adherence_28d:.0%}")
        take_home = ("-" if signals.take_home_max_doses is None else
                     f"up to {signals.take_home_max_doses} doses (42 CFR 8.12(i); information "
                     "for the prescriber, never a decision)")
        pairs += [
            ("Adherence, 28 days", adherence),
            ("Missed in a row", f"{signals.missed_streak} days"),
            ("Missed-dose action", missed_dose_action_text(signals.missed_dose_action)),
            ("Step-down ready", signals.step_down_ready),
            ("Take-home", take_home),
        ]
    pdf.facts(pairs)
    if signals is not None and signals.flags:
        pdf.subheading("Flags")
        for flag in signals.flags:
            pdf.paragraph(f"- {flag_text(flag)}")


def _doses(pdf: HamrahPDF, summary: PatientSummary) -> None:
    pdf.heading(f"Doses, {summary.start.isoformat()} to {summary.as_of.isoformat()}")
    counts = Counter(day.kind for day in summary.days)
    scheduled = len(summary.days) - counts[DayKind.NOT_SCHEDULED]
    pdf.paragraph(f"{counts[DayKind.OBSERVED]} observed, {counts[DayKind.TAKE_HOME]} take-home "
                  f"and {counts[DayKind.MISSED]} missed of {scheduled} days in treatment "
                  "(a day in treatment without a dose counts as missed).")
    pdf.png(chart_png(patient_charts.dose_calendar_chart(summary.days)),
            alt_text="Dose calendar")
    if any(day.dose_mg is not None for day in summary.days):
        pdf.png(chart_png(patient_charts.dose_trend_chart(summary.days)),
                alt_text="Dose in mg over time")


def _screens(pdf: HamrahPDF, summary: PatientSummary) -> None:
    pdf.heading("Urine screens")
    screens = summary.screens
    if screens.empty:
        pdf.paragraph("No screen in these days.", muted=True)
        return
    unexpected = int(screens["unexpected_positive"].sum())
    screening_days = screens["date"].nunique()
    pdf.paragraph(f"{screening_days} screening day{'' if screening_days == 1 else 's'}, "
                  f"{len(screens)} results, {unexpected} unexpected positive.")
    chart = patient_charts.screen_timeline_chart(screens).encode(
        x=alt.X("date:T", title=None, scale=alt.Scale(domain=[_day(summary.start),
                                                             _day(summary.as_of)])))
    pdf.png(chart_png(chart), alt_text="Screen results by substance")
    positives = screens[screens["result"] == "positive"]
    if positives.empty:
        pdf.paragraph("No positive result.", muted=True)
        return
    # The chart shows every result; the table spells out the positives, the ones discussed.
    pdf.subheading("Positive results")
    pdf.data_table(
        ["Date", "Substance", "Expected (prescribed)", "Unexpected positive"],
        positives[["date", "substance", "expected", "unexpected_positive"]]
        .itertuples(index=False),
        col_widths=(35, 55, 45, 45),
    )


def _phases(pdf: HamrahPDF, summary: PatientSummary) -> None:
    pdf.heading("Phase history")
    history = summary.phase_history
    if history.empty:
        pdf.paragraph("No phase change is recorded.", muted=True)
        return
    rows = [
        (row["date"], row["from_phase"], row["to_phase"],
         str(row["reason"]) + (f" (override: {row['override_reason']}; unmet: "
                               f"{row['unmet_criteria']})" if row["override_reason"] else ""),
         row["by"])
        for row in history.to_dict("records")
    ]
    pdf.data_table(["Date", "From", "To", "Reason", "By"], rows,
                   col_widths=(22, 25, 25, 78, 30))


def _family(pdf: HamrahPDF, summary: PatientSummary) -> None:
    pdf.heading("Support members")
    if not summary.members:
        pdf.paragraph("No support member is recorded.", muted=True)
    else:
        headings = ["Code", "Name", "Relation", "Channel", "Consent", "Until"]
        widths: tuple[float, ...] = (22, 40, 24, 24, 42, 28)
        if summary.contact_details:
            headings += ["Phone", "E-mail"]
            widths = (16, 26, 18, 18, 26, 20, 24, 32)
        rows = []
        for member in summary.members:
            row: list[object] = [
                member.code, member.name, member.relation, member.channel,
                f"active ({member.consent_scope})" if member.consent_active else "none active",
                member.consent_until,
            ]
            if summary.contact_details:
                row += [member.phone, member.email]
            rows.append(row)
        pdf.data_table(headings, rows, col_widths=widths)
        if not summary.contact_details:
            pdf.paragraph("Phones and e-mails are withheld from the case team.", muted=True)
    pdf.subheading("Active consents (42 CFR Part 2 §2.31)")
    if not summary.consents:
        pdf.paragraph("No active consent: nothing may be disclosed to the family.", muted=True)
    else:
        pdf.data_table(["Member", "Scope", "Signed", "Expires"],
                       [(c.member_code, c.scope, c.signed_on, c.expires_on)
                        for c in summary.consents],
                       col_widths=(40, 60, 40, 40))
    pdf.subheading("Open questions from the family")
    if summary.open_questions.empty:
        pdf.paragraph("None.", muted=True)
    else:
        pdf.data_table(["Asked", "Member", "Question", "Due"],
                       summary.open_questions.itertuples(index=False),
                       col_widths=(30, 25, 95, 30))


def patient_summary_pdf(summary: PatientSummary) -> bytes:
    """The summary as PDF bytes: one to three A4 pages with three charts."""
    with english_texts():
        header = summary.header
        pdf = HamrahPDF(clinic=header.clinic_code, title=f"{TITLE} · {header.code}")
        pdf.title_block(
            f"{TITLE}: {header.code}",
            f"As of {summary.as_of.isoformat()} · prepared by {summary.prepared_by}"
            + ("" if summary.contact_details else " · contact details withheld"),
        )
        _essentials(pdf, summary)
        _doses(pdf, summary)
        _screens(pdf, summary)
        _phases(pdf, summary)
        _family(pdf, summary)
        return pdf.to_bytes()
