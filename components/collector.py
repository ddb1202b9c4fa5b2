"""The garbage collector of a dashboard process, set up once at start-up.

A page's first run at network scale creates a few hundred thousand objects (the roster's rows,
the worklist's facts), enough to set off a full collection, and a full collection walks every
object of the process: the 240,000 or so of Streamlit, pandas, Altair and SQLAlchemy too, about
0.2 s of such a run (bench/README.md). Frozen once they are imported (``gc.freeze``), those are
left out of every later collection. A frozen object is still freed when nothing refers to it;
only a reference cycle among frozen objects would stay, and modules live as long as the process.

Full collections are also made rarer (:data:`YOUNG_COLLECTIONS_PER_FULL`): with the start-up
objects frozen, Python's own rule (a full collection once the objects created since the last one
exceed a quarter of those that survived it) set off two in a first run of the Patients page.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import threading

import components

YOUNG_COLLECTIONS_PER_FULL = 50
"""Collections of the middle generation between two full ones (Python's default is 10): about
350,000 objects created, a heavy first run, where 10 meant several full collections in one."""

_FREEZING = threading.Lock()
_frozen: list[int] = []  # once per process, not per session: holds no user's data


def freeze_start_up_objects() -> int:
    """Import every component (and through them what the pages import), collect, then freeze
    what is left; the number of objects frozen.

    Called at the top of ``app.py``: the first run after start, a sign-in screen, so that no
    user's data is among the frozen objects. It pays the imports a first page would otherwise
    pay, about 1.5 s once per process.
    """
    with _FREEZING:
        if not _frozen:
            for module in pkgutil.iter_modules(components.__path__):
                importlib.import_module(f"{components.__name__}.{module.name}")
            gc.collect()
            gc.freeze()
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, YOUNG_COLLECTIONS_PER_FULL)
            _frozen.append(gc.get_freeze_count())
        return _frozen[0]
