"""The page every Hamrah PDF shares: A4, a header naming the clinic and the document, the
confidentiality notice and page numbers in the footer, and helpers for headings, facts and tables.

Fonts: names, reasons and notes can be Persian (issue 9), so the PDF embeds DejaVu Sans, a
Unicode font that covers the Latin, Persian and Arabic scripts, from Debian's
``fonts-dejavu-core`` (``make fonts`` installs it; only the regular and bold faces, so muted
text is grey rather than italic). fpdf2's text shaping (uharfbuzz) joins the Persian letters and
lays out right-to-left runs by the Unicode bidirectional algorithm, so ``P-014 · علی رحیمی``
reads as typed. Without the font file the PDF falls back to fpdf2's core Helvetica, built into
every reader, and logs one warning: core fonts encode Latin-1 only, so :func:`latin1_text`
spells dashes, quotes and ticks in Latin-1, strips accents outside it and writes every other
character (Persian script among them) as ``?``.

A document is drawn in its exporter's language and calendar (issue 9): it is built inside
:func:`document_language`, so its labels, the domain texts and the chart labels it reuses all go
through ``domain.text.t`` in one language, and :class:`HamrahPDF` writes dates with
``domain.calendars``. A Persian document is laid out right to left: text and table cells are
right-aligned, a table's first column is on the right, and fpdf2 shapes each paragraph with a
right-to-left base direction (Latin runs inside it, such as patient codes, stay left to right).
Data (names, notes, decisions) are printed as recorded.
"""

from __future__ import annotations

import io
import logging
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from domain.calendars import Calendar, format_date, format_moment
from domain.text import in_local_digits, t
from i18n.catalog import interface_language, is_right_to_left

UNICODE_FONT = "dejavu"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# The faces of fonts-dejavu-core, by fpdf2 style: regular and bold.
UNICODE_FONT_FILES: Mapping[str, Path] = {"": FONT_DIR / "DejaVuSans.ttf",
                                          "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
CORE_FONT = "helvetica"
# 42 CFR 2.32 (2024 rule): each disclosure made with the patient's consent carries this notice.
NOTICE = ("Confidential - 42 CFR part 2 prohibits unauthorized use or disclosure of these "
          "records.")
MARGIN = 15.0
HEADING_FILL = (232, 236, 239)
MUTED = (96, 96, 96)
MISSING = "-"

_log = logging.getLogger(__name__)
_Cell = TypeVar("_Cell")

# Characters outside Latin-1 that have a faithful Latin-1 spelling.
_LATIN1_SPELLING = str.maketrans({
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2026": "...", "\u2022": "-", "\u2192": "->", "\u2190": "<-", "\u2265": ">=",
    "\u2264": "<=", "\u2713": "yes", "\u2714": "yes", "\u2717": "no", "\u2718": "no",
    "\u200c": "", "\u200d": "", "\u200e": "", "\u200f": "", "\u202f": " ", "\u2009": " ",
})


def document_language(language: str) -> AbstractContextManager[None]:
    """The whole document in ``language``: its texts translated and the numbers filled into
    them in the language's digits, as the exporter reads the interface."""
    return interface_language(language)


def latin1_text(value: object) -> str:
    """``value`` as text the core font can draw, for a PDF without the Unicode font (see the
    module docstring for what is lost)."""
    text = "" if value is None else str(value)
    text = text.translate(_LATIN1_SPELLING)
    if text.isascii():
        return text
    kept = []
    for char in text:
        if ord(char) < 256:
            kept.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        kept.append(base or "?")
    return "".join(kept)


def cell_text(value: object, calendar: Calendar = Calendar.GREGORIAN,
              language: str = "en") -> str:
    """One table cell as a reader expects it: dates in the reader's calendar (a moment as date
    and HH:MM), no ``nan``, ``80`` rather than ``80.0``, booleans as yes/no, and ``-`` for a
    missing value (text as it is: the PDF fits it to its font)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return MISSING
    if isinstance(value, float) and math.isnan(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return t("yes") if value else t("no")
    if isinstance(value, datetime):
        return format_moment(value, calendar, language)
    if isinstance(value, date):
        return format_date(value, calendar, language)
    if isinstance(value, float):
        return in_local_digits(f"{value:g}")
    if isinstance(value, int):
        return in_local_digits(str(value))
    return str(value)


class HamrahPDF(FPDF):
    """An A4 portrait document with Hamrah's header and footer on every page.

    ``font_files`` (fpdf2 style to TrueType file, the regular face ``""`` required) is the
    Unicode font to embed; when a file is missing the document uses the core font and logs why.
    ``language`` and ``calendar`` are the reader's: dates are written in that calendar, and a
    right-to-left language lays the page out right to left. Build the document inside
    :func:`document_language` so that its header and footer are in the same language.
    """

    def __init__(self, *, clinic: str, title: str,
                 font_files: Mapping[str, Path] = UNICODE_FONT_FILES, language: str = "en",
                 calendar: Calendar = Calendar.GREGORIAN) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.language = language
        self.calendar = calendar
        self.right_to_left = is_right_to_left(language)
        self.align = "R" if self.right_to_left else "L"
        missing = [str(path) for path in font_files.values() if not path.is_file()]
        self.unicode_font = "" in font_files and not missing
        if self.unicode_font:
            for style, path in font_files.items():
                self.add_font(UNICODE_FONT, style, path)
            self.set_text_shaping(use_shaping_engine=True,
                                  direction="rtl" if self.right_to_left else None)
            self.typeface = UNICODE_FONT
            self.muted_style = "I" if "I" in font_files else ""
        else:
            _log.warning("PDF font file missing (%s): using the core Helvetica font, which "
                         "prints Persian and other non-Latin-1 text as '?' "
                         "(install Debian's fonts-dejavu-core: make fonts)",
                         ", ".join(missing) or "no regular face")
            self.typeface = CORE_FONT
            self.muted_style = "I"
        self.clinic = self.fitted(clinic)
        self.document_title = self.fitted(title)
        self.set_margins(MARGIN, MARGIN + 4, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 5)
        self.set_title(self.document_title)
        self.set_author("Hamrah")
        self.set_creator("Hamrah")
        self.add_page()

    def fitted(self, value: object) -> str:
        """``value`` as text this document's font can draw: as it is with the Unicode font,
        in Latin-1 with the core font."""
        if self.unicode_font:
            return "" if value is None else str(value)
        return latin1_text(value)

    def shown_date(self, day: date) -> str:
        """``day`` in the reader's calendar and digits (``2026-11-02``, ``1405/08/11``)."""
        return format_date(day, self.calendar, self.language)

    def shown_cell(self, value: object) -> str:
        """A value as :func:`cell_text` writes it for this document's reader, fitted to its font."""
        return self.fitted(cell_text(value, self.calendar, self.language))

    def _row_in_reading_order(self, values: Sequence[_Cell]) -> list[_Cell]:
        """A table row's cells from left to right: reversed for a right-to-left reader, whose
        first column is on the right."""
        return list(reversed(values)) if self.right_to_left else list(values)

    def header(self) -> None:
        self.set_y(8)
        self.set_font(self.typeface, "B", 9)
        self.set_text_color(*MUTED)
        clinic = self.fitted(t("Hamrah · clinic {clinic}", clinic=self.clinic))
        left, right = ((self.document_title, clinic) if self.right_to_left
                       else (clinic, self.document_title))
        self.cell(self.epw / 2, 5, left)
        self.cell(self.epw / 2, 5, right, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(180, 180, 180)
        self.line(MARGIN, self.get_y() + 1, self.w - MARGIN, self.get_y() + 1)
        self.set_text_color(0, 0, 0)
        self.set_y(MARGIN + 4)

    def footer(self) -> None:
        self.set_y(-(MARGIN - 2))
        self.set_font(self.typeface, "", 7.5)
        self.set_text_color(*MUTED)
        notice = self.fitted(t(NOTICE))
        # ``{nb}`` is fpdf2's alias for the page count, filled in when the file is written.
        page = self.fitted(t("Page {page} of {pages}", page=self.page_no(), pages="{nb}"))
        if self.right_to_left:
            self.cell(25, 4, page)
            self.cell(self.epw - 25, 4, notice, align="R")
        else:
            self.cell(self.epw - 25, 4, notice)
            self.cell(25, 4, page, align="R")
        self.set_text_color(0, 0, 0)

    def title_block(self, title: str, subtitle: str = "") -> None:
        self.set_font(self.typeface, "B", 16)
        self.multi_cell(0, 8, self.fitted(title), align=self.align, new_x="LMARGIN",
                        new_y="NEXT")
        if subtitle:
            self.set_font(self.typeface, "", 10)
            self.set_text_color(*MUTED)
            self.multi_cell(0, 5, self.fitted(subtitle), align=self.align, new_x="LMARGIN",
                            new_y="NEXT")
            self.set_text_color(0, 0, 0)
        self.ln(3)

    def heading(self, text: str) -> None:
        """A section heading, moved to the next page when fewer than 30 mm are left under it."""
        if self.get_y() > self.h - self.b_margin - 30:
            self.add_page()
        self.ln(2)
        self.set_font(self.typeface, "B", 12)
        self.cell(0, 7, self.fitted(text), align=self.align, new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.typeface, "", 9.5)

    def subheading(self, text: str) -> None:
        if self.get_y() > self.h - self.b_margin - 20:
            self.add_page()
        self.ln(1)
        self.set_font(self.typeface, "B", 10)
        self.multi_cell(0, 5.5, self.fitted(text), align=self.align, new_x="LMARGIN",
                        new_y="NEXT")
        self.set_font(self.typeface, "", 9.5)

    def paragraph(self, text: str, *, muted: bool = False) -> None:
        self.set_font(self.typeface, self.muted_style if muted else "", 9.5)
        if muted:
            self.set_text_color(*MUTED)
        self.multi_cell(0, 5, self.fitted(text), align=self.align, new_x="LMARGIN",
                        new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font(self.typeface, "", 9.5)

    def facts(self, pairs: Sequence[tuple[str, object]], *, label_width: float = 45) -> None:
        """Label / value lines, the labels bold: the essentials at the top of a document (the
        labels on the right for a right-to-left reader)."""
        for label, value in pairs:
            self.set_font(self.typeface, "B", 9.5)
            if self.right_to_left:
                self.set_x(self.l_margin + self.epw - label_width)
                self.cell(label_width, 5.5, self.fitted(label), align="R")
                self.set_x(self.l_margin)
                self.set_font(self.typeface, "", 9.5)
                self.multi_cell(self.epw - label_width, 5.5, self.shown_cell(value), align="R",
                                new_x="LMARGIN", new_y="NEXT")
                continue
            self.cell(label_width, 5.5, self.fitted(label))
            self.set_font(self.typeface, "", 9.5)
            self.multi_cell(0, 5.5, self.shown_cell(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def data_table(self, headings: Sequence[str], rows: Iterable[Sequence[object]], *,
                   col_widths: Sequence[float] | None = None, font_size: float = 8.5) -> None:
        """A bordered table with a shaded heading row repeated on each page; cells wrap (its
        columns from right to left, right-aligned, for a right-to-left reader)."""
        self.set_font(self.typeface, "", font_size)
        with self.table(
            col_widths=tuple(self._row_in_reading_order(col_widths)) if col_widths else None,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            text_align="RIGHT" if self.right_to_left else "LEFT",
            line_height=font_size * 0.5,
            padding=1,
            repeat_headings=1,
        ) as table:
            heading_row = table.row()
            for heading in self._row_in_reading_order(headings):
                heading_row.cell(self.fitted(heading))
            for values in rows:
                row = table.row()
                for value in self._row_in_reading_order(values):
                    row.cell(self.shown_cell(value))
        self.set_font(self.typeface, "", 9.5)
        self.ln(2)

    def png(self, data: bytes, *, width: float | None = None, alt_text: str = "") -> None:
        """A PNG image at ``width`` mm (default: the text width), on the next page when the
        rest of this one is too short for it."""
        self.image(io.BytesIO(data), w=width or self.epw, alt_text=alt_text or None)
        self.ln(2)

    def blank_lines(self, count: int, *, label: str = "") -> None:
        """Ruled lines to write on by hand (a decisions area with nothing recorded yet)."""
        if label:
            self.paragraph(label, muted=True)
        self.set_draw_color(170, 170, 170)
        for _ in range(count):
            self.ln(8)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
