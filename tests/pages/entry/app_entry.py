"""AppTest's entry point: runs ``app.py`` from a folder that has no ``pages/`` beside it.

AppTest re-detects a ``pages/`` folder before every run and then re-runs the last page file on
its own, skipping ``app.py`` (the real server stops doing that once ``st.navigation`` is
called). Starting from here keeps every test run going through ``app.py`` as the server does.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[3] / "app.py"), run_name="__main__")
