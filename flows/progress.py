"""What an archive run shows on a terminal, silent elsewhere: a status line from its first
second ("正在预热…", with the seconds it has taken), then a one-line progress bar: done/total,
rate, time left (from the files' pages, when known) and failures so far."""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import TextIO

WIDTH = 24
CLEAR = "\r\x1b[K"  # back to the start of the line, and erase it: a shorter line leaves nothing behind
TICK = 1.0  # seconds between redraws while nothing happens: the seconds and the time left keep moving
# A file whose pages pypdf cannot count is weighed by its size: this many bytes a page until
# some files of the run have been counted (then their own bytes a page).
BYTES_PER_PAGE = 60_000


def wanted(stream: TextIO = sys.stderr, quiet: bool = False) -> bool:
    """On a terminal and not --quiet: cron, CI and pipes get no bar."""
    return not quiet and hasattr(stream, "isatty") and stream.isatty()


class _Line:
    """One line redrawn in place, by the caller and by a ticking thread, under one lock."""

    def __init__(self, stream: TextIO, enabled: bool, clock, tick: float | None):
        self.stream, self.enabled, self.clock, self.tick = stream, enabled, clock, tick
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _draw(self, text: str) -> None:
        with self._lock:
            if self.enabled:
                self.stream.write(CLEAR + text)
                self.stream.flush()

    def _start_ticking(self) -> None:
        if self.enabled and self.tick and self._thread is None:
            self._thread = threading.Thread(target=self._ticking, name="jixiao-progress", daemon=True)
            self._thread.start()

    def _ticking(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                self.redraw()
            except Exception:  # noqa: BLE001 — a closed terminal: the run goes on without its line
                return

    def _stop_ticking(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def redraw(self) -> None:
        raise NotImplementedError


class Status(_Line):
    """What the run is doing while no bar shows, with the seconds spent on it so far:
    `show("正在启动临时 Prefect 服务器…")`; a bar (or `clear`) replaces it, and nothing is
    shown while a bar is."""

    def __init__(self, stream: TextIO = sys.stderr, enabled: bool = True, clock=time.monotonic,
                 tick: float | None = TICK):
        super().__init__(stream, enabled, clock, tick)
        self.text, self.since = "", clock()

    def show(self, text: str) -> None:
        if _bars:
            return
        self._stop.clear()
        self.text, self.since = text, self.clock()
        self._draw(text)
        self._start_ticking()

    def redraw(self) -> None:
        if self.text:
            seconds = int(self.clock() - self.since)
            self._draw(self.text + (f"  {seconds} 秒" if seconds else ""))

    def clear(self) -> None:
        """Erase the line (a later `show` draws it again)."""
        self._stop_ticking()
        with self._lock:
            if self.enabled and self.text:
                self.stream.write(CLEAR)
                self.stream.flush()
            self.text = ""


# The run's status line: off until the command line turns it on (`begin`); the flow's steps
# say what they do through `say`, which does nothing when it is off or while a bar shows.
_status = Status(enabled=False, tick=None)
_bars: weakref.WeakSet = weakref.WeakSet()  # the bars on the terminal (one left unclosed goes with it)


def begin(stream: TextIO = sys.stderr, enabled: bool = True) -> Status:
    """Turn the run's status line on (when `enabled`: see `wanted`)."""
    global _status
    _status.clear()
    _status.enabled = False
    _status = Status(stream, enabled)
    return _status


def say(text: str) -> None:
    """Show `text` on the run's status line, if it is on."""
    _status.show(text)


def end() -> None:
    """Erase the run's status line (before the bar, or anything else, is printed)."""
    _status.clear()


class Progress(_Line):
    """done/total, files a second, time left and failures; `weights` (key → pages, filled in
    as they are counted, missing ones taken as the mean of the counted ones) makes the time
    left count pages rather than files: a 60-page scan is not one file among a hundred of two
    pages. `advance(key=…)` says which file is done."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, enabled: bool = True,
                 clock=time.monotonic, every: float = 0.2, weights: Mapping[str, float | None] | None = None,
                 tick: float | None = None, start: float | None = None):
        super().__init__(stream, enabled and total > 0, clock, tick)
        self.total, self.done, self.failed = total, 0, 0
        self.every, self.weights = every, weights
        self.start = clock() if start is None else start  # (earlier when some of the work began before the bar)
        self._shown = float("-inf")
        self._done_keys: list[str | None] = []
        if self.enabled:
            end()  # the bar replaces the status line
            _bars.add(self)
            self._shown = self.start
            self._draw(self.line(self.start))
            self._start_ticking()

    def advance(self, n: int = 1, failed: int = 0, key: str | None = None) -> None:
        self.done += n
        self.failed += failed
        self._done_keys += [key] * n
        now = self.clock()
        if self.enabled and (now - self._shown >= self.every or self.done >= self.total):
            self._shown = now
            self._draw(self.line(now))

    def redraw(self) -> None:
        self._draw(self.line())

    def share(self) -> float:
        """The part of the work done, 0 to 1: files, or their pages when `weights` are given."""
        if not self.total:
            return 1.0
        if not self.weights:
            return self.done / self.total
        known = [w for w in self.weights.values() if w]
        mean = sum(known) / len(known) if known else 1.0
        total = sum(self.weights.get(k) or mean for k in self.weights) + max(self.total - len(self.weights), 0) * mean
        done = sum((self.weights.get(k) or mean) if k is not None else mean for k in self._done_keys)
        return min(done / total, 1.0) if total else 1.0

    def line(self, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        share = self.done / self.total if self.total else 1.0
        bar = "█" * int(WIDTH * share) + "·" * (WIDTH - int(WIDTH * share))
        work = self.share()
        # time left: the work still to do at the pace so far (it grows while a long file holds up the run)
        left = elapsed * (1 - work) / work if work > 0 else None
        eta = "--:--" if left is None else _clock(left)
        return (f"{bar} {self.done}/{self.total}  {rate:.1f} 份/秒  剩余 {eta}  失败 {self.failed}")

    def close(self) -> None:
        self._stop_ticking()
        if self.enabled and self.done:
            self._draw(self.line() + "\n")
        elif self.enabled:
            self._draw("")  # nothing was done: leave no bar behind
        self.enabled = False
        _bars.discard(self)


def count_pages(files: Iterable[tuple[str, str]]) -> dict[str, float | None]:
    """key → pages of each (key, path), counted by pypdf in a thread of its own (about 2 ms a
    file, 2.4 s for 1,000 files on a loaded 2-core machine: not worth delaying the first file
    for) into the dict returned, which fills in as the run goes; a file pypdf cannot read is
    weighed by its size."""
    files = list(files)
    pages: dict[str, float | None] = dict.fromkeys(key for key, _ in files)
    if files:
        threading.Thread(target=_count, args=(files, pages), name="jixiao-pages", daemon=True).start()
    return pages


def _count(files: list[tuple[str, str]], pages: dict[str, float | None]) -> None:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file's warnings: the check will say
    sizes: dict[str, int] = {}
    counted_bytes = counted_pages = 0
    for key, path in files:
        try:
            size = os.path.getsize(path)
            n = len(PdfReader(path, strict=False).pages)
        except Exception:  # noqa: BLE001 — encrypted, damaged, gone: weigh it by its size below
            try:
                sizes[key] = os.path.getsize(path)
            except OSError:
                pages[key] = None  # the mean
            continue
        if n:
            pages[key] = n
            counted_bytes, counted_pages = counted_bytes + size, counted_pages + n
    per_page = counted_bytes / counted_pages if counted_pages else BYTES_PER_PAGE
    for key, size in sizes.items():
        pages[key] = max(size / per_page, 1.0)


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"
