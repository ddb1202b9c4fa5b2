"""A plain-text progress bar on stderr: long commands show that they are alive."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Redraws one line per stage at most every 0.2 s, and ends it when the stage completes."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self._last_draw = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if stage == self._stage and not finished and now - self._last_draw < 0.2:
            return
        if stage != self._stage and self._stage:
            self.stream.write("\n")
        self._stage = stage
        self._last_draw = now
        share = 0.0 if total <= 0 else min(done / total, 1.0)
        filled = int(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{stage:<12} [{bar}] {share:6.1%} ({done}/{total})")
        if finished:
            self.stream.write("\n")
            self._stage = ""
        self.stream.flush()
