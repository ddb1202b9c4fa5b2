"""The page's writing direction: right-to-left for a user who reads Persian (issue 9).

Two parts, both drawn by ``app.py`` on every run:

- a style sheet that turns the main block, the sidebar, Markdown, captions, tables and metrics
  right-to-left, while charts stay left-to-right (a Vega axis mirrored would run time backwards);
- a one-line script that sets the document's own ``dir`` and ``lang`` attributes, so that the
  browser (and a screen reader, and a browser test) knows the page's direction and language.

Neither part carries user data: the only values put in the HTML are the constants below, chosen
by the language code, so ``unsafe_allow_javascript`` runs nothing but this module's text.
"""

from __future__ import annotations

import streamlit as st

from i18n.catalog import LANGUAGES, SOURCE_LANGUAGE, is_right_to_left

DIRECTION_KEY = "hamrah_direction"

RIGHT_TO_LEFT_STYLE = """
<style>
[data-testid="stMain"], [data-testid="stSidebar"] {
    direction: rtl;
    text-align: right;
}
[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"],
[data-testid="stTable"], [data-testid="stTable"] th, [data-testid="stTable"] td,
[data-testid="stMetricLabel"], [data-testid="stMetricValue"], [data-testid="stMetricDelta"],
[data-testid="stWidgetLabel"], [data-testid="stAlertContainer"] {
    direction: rtl;
    text-align: right;
}
[data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"], .vega-embed {
    direction: ltr;
    text-align: left;
}
.st-key-hamrah_direction {
    display: none;
}
</style>
"""

# The document's attributes, one script per direction and language; nothing else is filled in.
_DOCUMENT_SCRIPT = ('<script>document.documentElement.dir = "{direction}"; '
                    'document.documentElement.lang = "{language}";</script>')


def document_script(language: str) -> str:
    """The script that sets the document's ``dir`` and ``lang`` for ``language``; an unknown
    language code is never written into the page (it reads as the source language)."""
    language = language if language in LANGUAGES else SOURCE_LANGUAGE
    direction = "rtl" if is_right_to_left(language) else "ltr"
    return _DOCUMENT_SCRIPT.format(direction=direction, language=language)


def page_direction(language: str) -> None:
    """Draw the page right-to-left when ``language`` is written so, left-to-right otherwise.

    Drawn also for left-to-right languages: a user who switches back to English, or signs out
    of a Persian session, gets a left-to-right document again.
    """
    if is_right_to_left(language):
        st.html(RIGHT_TO_LEFT_STYLE)
    with st.container(key=DIRECTION_KEY):
        st.html(document_script(language), unsafe_allow_javascript=True)
