"""The resident memory and CPU time of a running process and its children, read from ``/proc``,
and a sampler that keeps the peak memory.

``ru_maxrss`` (``bench.timing.peak_rss_mb``) gives a process its own peak only; the load bench
measures a server it started, whose memory grows and shrinks while browsers drive it, so it reads
``VmRSS`` of the whole process tree every few tenths of a second and keeps the largest sum.
psutil is not a dependency of Hamrah, and ``/proc`` is all that is needed on Linux.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")
SAMPLE_EVERY_SECONDS = 0.2


def vm_rss_kib(status: str) -> int | None:
    """The ``VmRSS`` line of a ``/proc/<pid>/status`` text, in KiB; None for a process without
    one (a zombie, or a kernel thread)."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            fields = line.split()
            return int(fields[1]) if len(fields) >= 2 else None
    return None


def parent_pid(stat: str) -> int:
    """The parent's pid from a ``/proc/<pid>/stat`` text. The command name in parentheses may
    itself hold spaces and parentheses, so the fields are read after its last ``)``."""
    after_name = stat[stat.rindex(")") + 1:].split()
    return int(after_name[1])  # state, then ppid


def cpu_ticks(stat: str) -> int:
    """User plus system CPU time, in clock ticks, from a ``/proc/<pid>/stat`` text."""
    after_name = stat[stat.rindex(")") + 1:].split()
    return int(after_name[11]) + int(after_name[12])  # utime, stime (fields 14 and 15)


def process_tree(root: int, parents: Mapping[int, int]) -> set[int]:
    """``root`` and every process descended from it, given each process's parent."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    tree: set[int] = set()
    waiting = [root]
    while waiting:
        pid = waiting.pop()
        if pid in tree:
            continue
        tree.add(pid)
        waiting.extend(children.get(pid, ()))
    return tree


def _read(path: Path) -> str | None:
    """A ``/proc`` file, or None when its process ended between listing and reading."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _process_ids(proc: Path) -> Iterable[int]:
    for entry in proc.iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def _stats(proc: Path) -> dict[int, str]:
    stats: dict[int, str] = {}
    for pid in _process_ids(proc):
        stat = _read(proc / str(pid) / "stat")
        if stat is not None:
            stats[pid] = stat
    return stats


def _tree(root: int, stats: Mapping[int, str]) -> set[int]:
    if root not in stats:
        return set()
    return process_tree(root, {pid: parent_pid(stat) for pid, stat in stats.items()})


def tree_cpu_seconds(root: int, proc: Path = PROC, ticks_per_second: int | None = None) -> float:
    """The CPU time ``root`` and its living descendants have used so far, in seconds."""
    stats = _stats(proc)
    ticks = sum(cpu_ticks(stats[pid]) for pid in _tree(root, stats))
    return ticks / (ticks_per_second or os.sysconf("SC_CLK_TCK"))


def tree_rss_mb(root: int, proc: Path = PROC) -> float:
    """The resident memory of ``root`` and its descendants now, in MB (MiB); 0 once ``root``
    is gone."""
    total_kib = 0
    for pid in _tree(root, _stats(proc)):
        status = _read(proc / str(pid) / "status")
        total_kib += (vm_rss_kib(status) or 0) if status is not None else 0
    return total_kib / 1024


class PeakMemory:
    """Samples a process tree's resident memory on a thread of its own until stopped, keeping
    the first and the largest sample: ``with PeakMemory(pid) as memory: …; memory.peak_mb``."""

    def __init__(self, root: int, every_seconds: float = SAMPLE_EVERY_SECONDS,
                 proc: Path = PROC) -> None:
        self.root = root
        self.every_seconds = every_seconds
        self.proc = proc
        self.first_mb: float | None = None
        self.peak_mb = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped,
                                        name=f"rss-{root}", daemon=True)

    def sample(self) -> float:
        current = tree_rss_mb(self.root, self.proc)
        if self.first_mb is None:
            self.first_mb = current
        self.peak_mb = max(self.peak_mb, current)
        self.samples += 1
        return current

    def _sample_until_stopped(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.every_seconds):
                return

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
