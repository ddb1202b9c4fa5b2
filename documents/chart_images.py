"""Altair charts as PNG images for PDFs, rendered by vl-convert (no browser, no network).

The chart builders of ``components.patient_charts`` leave the width to the screen; a document
gives each chart a fixed width in pixels and renders it at twice that resolution, sharp in print.
The first conversion in a process starts vl-convert's JavaScript engine (about a second); later
ones take a tenth of that.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import vl_convert as vlc

CHART_WIDTH_PX = 640
SCALE = 2.0


def chart_png(chart: alt.Chart, *, width: int = CHART_WIDTH_PX,
              scale: float = SCALE) -> bytes:
    """The PNG bytes of ``chart`` drawn ``width`` pixels wide (before ``scale``)."""
    spec: dict[str, Any] = chart.properties(width=width).to_dict()
    png: bytes = vlc.vegalite_to_png(spec, scale=scale)
    return png
