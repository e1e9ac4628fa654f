"""Files checked while the temporary Prefect server boots: an archive run's head start.

A bare `jixiao archive` starts its own Prefect server, which takes 3-4 s to answer on two
cores; the run's process has imported Prefect and warmed up well before that, and used to
wait idle. Now it checks files meanwhile, the way the flow's tasks do (each in a forked
child under the same limits), and stores each result the moment its file is done, as the
flow does — a run killed during the head start loses only the files in flight. When the
server answers, the flow takes over: it counts the head start's files as checked by this
run (not as cached) and checks the rest.
"""

from __future__ import annotations

import logging
import threading
import time

from flows import pipeline, store, summary

log = logging.getLogger(__name__)


class HeadStart:
    """Check the files a run will check, `workers` at a time, until `finish()`."""

    def __init__(self, to_check: list[tuple[str, str, str]], kept: store.Store, workers: int, *,
                 password: str | None = None, patterns: str | None = None, formats: list[str] | None = None,
                 timeout: float | None = None, memory_mb: int | None = None, **_) -> None:
        """`to_check` and `kept`: the command line's triage of the run (archive_cli.triaged)."""
        self.formats = pipeline.archive_formats(formats)
        self.kept = kept
        self.pending = list(to_check)
        self.options = (password, patterns, timeout, None if memory_mb is None else memory_mb << 20)
        self.records: dict[str, dict] = {}  # sha256 → the record kept in memory (store.held)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.began: float | None = None
        self.threads = [threading.Thread(target=self._work, name=f"jixiao-head-start-{n}", daemon=True)
                        for n in range(max(1, workers))]

    def start(self) -> HeadStart:
        self.began = time.monotonic()  # (the progress bar's pace counts from here)
        for thread in self.threads:
            thread.start()
        return self

    def _work(self) -> None:
        password, patterns, timeout, memory = self.options
        while not self.stop.is_set():
            with self.lock:
                if not self.pending:
                    return
                item = self.pending.pop(0)
            for one in pipeline.check_batch([item], self.formats, password, patterns, timeout, memory):
                self._take(one)

    def _take(self, one: dict) -> None:
        """Store a file's result as the flow's collect() does (one thread at a time). A failure
        that is not final (the file changed meanwhile, the run is stopping) is left to the flow,
        which checks the file again."""
        with self.lock:
            failure = one.get("failure")
            if failure and not failure["final"]:
                return
            if failure:
                record = summary.failure_record(failure["kind"], failure["exit_code"], failure["reason"])
                self.kept.put(one["sha256"], record, {})
                self.records[one["sha256"]] = record
            else:
                stored = self.kept.put(one["sha256"], one["record"], one["renderings"])
                self.records[one["sha256"]] = store.held({**one["record"], "renderings": stored})

    def finish(self) -> dict[str, dict]:
        """Stop after the files in flight; what was checked and stored: sha256 → record."""
        self.stop.set()
        for thread in self.threads:
            thread.join()
        log.info("head start: %d files checked while the Prefect server started", len(self.records))
        return dict(self.records)
