"""AppTest's entry point for the page benchmark: runs ``app.py`` as the server does.

AppTest re-runs the last page file on its own when a ``pages/`` folder sits beside the entry
script; this folder has none, so every timed run goes through ``app.py`` (sign-in gate,
navigation, badges) exactly as a browser's request would.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"), run_name="__main__")
