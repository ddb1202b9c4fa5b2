"""The dashboard process freezes its start-up objects once, with every component imported."""

from __future__ import annotations

import gc
import pkgutil
import sys

import components
from components.collector import YOUNG_COLLECTIONS_PER_FULL, freeze_start_up_objects


def test_start_up_objects_are_frozen_once_with_every_component_imported() -> None:
    frozen = freeze_start_up_objects()
    # Streamlit, pandas, Altair, SQLAlchemy: hundreds of thousands (a few are freed since).
    assert frozen > 100_000 and gc.get_freeze_count() > 100_000
    assert all(f"components.{module.name}" in sys.modules
               for module in pkgutil.iter_modules(components.__path__))
    assert gc.get_threshold()[2] == YOUNG_COLLECTIONS_PER_FULL

    # A second call (every later run of app.py) neither collects nor freezes again.
    garbage = [[]]
    garbage[0].append(garbage)  # a reference cycle, created after the freeze
    del garbage
    assert freeze_start_up_objects() == frozen
    assert gc.collect() >= 1  # still collectable: the second call froze nothing new
