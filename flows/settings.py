"""Prefect's settings for archive runs, set before Prefect is imported; a user's own settings win."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path

from flows.server import TemporaryServer

# Measured on this project's machines (see shared PREFECT.md): the 20 s default start-up
# timeout failed under load; analytics log a traceback offline; the temporary server logs a
# long traceback when it stops. DO_NOT_TRACK turns off Prefect's client telemetry: an archive
# run sends nothing anywhere, and prints no notice about it on a terminal.
DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "DO_NOT_TRACK": "1",
}


def data_home(environ: MutableMapping[str, str] = os.environ) -> Path:
    """jixiao's folder for state that outlives a run: $XDG_DATA_HOME/jixiao."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "jixiao"


def configure(environ: MutableMapping[str, str] = os.environ) -> dict[str, str]:
    """Fill in the settings above where neither the environment nor a Prefect profile has them.

    PREFECT_HOME moves to `<data home>/prefect` only when the user has no Prefect home of
    their own (no PREFECT_HOME, no ~/.prefect): an existing profile, with its API URL, stays
    in force. Returns what was set.
    """
    chosen = {k: v for k, v in DEFAULTS.items() if k not in environ}
    if "PREFECT_HOME" not in environ and "PREFECT_PROFILES_PATH" not in environ \
            and not (Path.home() / ".prefect").exists():
        home = data_home(environ) / "prefect"
        try:  # Prefect creates its home without parents: on a fresh machine ~/.local/share may not exist
            home.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # Prefect will say so
        chosen["PREFECT_HOME"] = str(home)
    environ.update(chosen)
    return chosen


def exit_on_sigterm() -> None:
    """Let SIGTERM unwind through `sys.exit`, so the temporary server is stopped on the way out.

    Without it, a run killed by SIGTERM (cron's timeout, systemd) leaves uvicorn listening.
    A handler the user installed is kept. Whoever handles SIGTERM or Ctrl-C in Python (Prefect
    does during a flow), the files' children are killed the moment it arrives.
    """
    from flows import isolate

    isolate.stop_on_signals()
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        try:
            signal.signal(signal.SIGTERM, _sigterm)
        except ValueError:  # not the main thread
            pass


def _sigterm(signum, frame) -> None:
    """Kill the files' children at once (the threads waiting for them return, and the run
    unwinds in seconds, inside systemd's 90 s stop timeout), then exit 143."""
    from flows import isolate

    isolate.stop_all()
    sys.exit(128 + signum)


@contextmanager
def api(heartbeats: bool = False, server: TemporaryServer | None = None) -> Iterator[str | None]:
    """The Prefect API for one archive run: the configured server, or one temporary server.

    With no PREFECT_API_URL, use one temporary server — `server` if the caller started it
    early (flows.server), else one started here — hand its URL to everything that runs tasks
    (process-pool and Dask workers otherwise start one each), and stop it on the way out.
    With a server configured, an early `server` is stopped unused. Heartbeats are off unless
    asked for: each costs a flow run about a second. Yields the URL of a configured server,
    or None for the temporary one.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    updates = {} if heartbeats else {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    configured = PREFECT_API_URL.value()
    if configured:
        if server is not None:
            server.stop()
        with temporary_settings(updates=updates):
            yield configured
        return
    server = server or TemporaryServer()
    try:
        url = server.wait(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        with temporary_settings(updates={**updates, PREFECT_API_URL: url}):
            try:
                yield None
            finally:  # also after a failure (a full disk): else Prefect prints `Error logging to API`
                if server.process is not None and server.process.poll() is None:
                    _drain()
    finally:
        server.stop()


def _drain() -> None:
    """Send queued logs and events before the temporary server stops (else they are lost)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for drain in (APILogWorker.drain_all, EventsWorker.drain_all):
        try:
            drain(timeout=10)
        except Exception:  # nothing started, or already stopped: nothing to send
            pass
