"""A one-line progress bar on a terminal: done/total, rate, ETA, failures so far; silent elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24


def wanted(stream: TextIO = sys.stderr, quiet: bool = False) -> bool:
    """On a terminal and not --quiet: cron, CI and pipes get no bar."""
    return not quiet and hasattr(stream, "isatty") and stream.isatty()


class Progress:
    def __init__(self, total: int, stream: TextIO = sys.stderr, enabled: bool = True,
                 clock=time.monotonic, every: float = 0.2):
        self.total, self.done, self.failed = total, 0, 0
        self.stream, self.enabled, self.clock, self.every = stream, enabled and total > 0, clock, every
        self.start = clock()
        self._shown = float("-inf")

    def advance(self, n: int = 1, failed: int = 0) -> None:
        self.done += n
        self.failed += failed
        now = self.clock()
        if self.enabled and (now - self._shown >= self.every or self.done >= self.total):
            self._shown = now
            self.stream.write("\r" + self.line(now))
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        share = self.done / self.total if self.total else 1.0
        bar = "█" * int(WIDTH * share) + "·" * (WIDTH - int(WIDTH * share))
        left = (self.total - self.done) / rate if rate > 0 else None
        eta = "--:--" if left is None else _clock(left)
        return (f"{bar} {self.done}/{self.total}  {rate:.1f} 份/秒  剩余 {eta}  失败 {self.failed}")

    def close(self) -> None:
        if self.enabled and self.done:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()
        self.enabled = False


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"
