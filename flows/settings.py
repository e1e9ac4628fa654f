"""Prefect's settings for archive runs, set before Prefect is imported; a user's own settings win."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path

from extract.errors import ExitCode, JixiaoError, UsageError
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
    # Prefect's background services (the UI's events and logs) say on stderr when they fail,
    # e.g. an events worker that could not reach a server being stopped on a loaded machine:
    # nothing of the run's results, and the run says what matters in its own line.
    "PREFECT_LOGGING_INTERNAL_LEVEL": "CRITICAL",
    "DO_NOT_TRACK": "1",
}
# jixiao's own lines (a failed file's reason, the counts) go to the flow run's log at INFO, shown
# in the UI; the terminal keeps to warnings (it has jixiao's own lines). Prefect's logging config
# is overridden by PREFECT_LOGGING_<path>_<key> variables. Only when the user chose no level.
RUN_LOG = {
    "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "INFO",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
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
    if "PREFECT_LOGGING_LEVEL" not in environ:
        chosen.update({k: v for k, v in RUN_LOG.items() if k not in environ})
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
    or None for the temporary one (the caller checks that a configured one answers: `answers`).
    """
    import prefect.settings  # noqa: F401 — Prefect's logging is set up before the filter goes on

    with _run_log_off_terminal():
        yield from _api(heartbeats, server)


def _api(heartbeats: bool, server: TemporaryServer | None):
    """`api` itself, a generator its context manager runs through."""
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


@contextmanager
def _run_log_off_terminal() -> Iterator[None]:
    """The run log's INFO records (RUN_LOG) go to the API only, not to the terminal.

    Prefect leaves the root logger to jixiao's own handler (flows.cli sets one up first), so
    its console level (RUN_LOG) does not apply in this process: a filter on the terminal's
    handlers holds them back. Not when the user asked Prefect for INFO (--debug,
    PREFECT_LOGGING_LEVEL).
    """
    ours = all(os.environ.get(k) == v for k, v in RUN_LOG.items())
    if not ours or logging.getLogger("prefect").getEffectiveLevel() <= logging.INFO:
        yield
        return
    from prefect.logging.handlers import APILogHandler

    handlers = {h for name in (None, "prefect", "prefect.flow_runs", "prefect.task_runs")
                for h in logging.getLogger(name).handlers if not isinstance(h, APILogHandler)}
    for handler in handlers:
        handler.addFilter(_below_warning_of_runs)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(_below_warning_of_runs)


def _below_warning_of_runs(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or not record.name.startswith(("prefect.flow_runs", "prefect.task_runs"))


def _drain() -> None:
    """Send queued logs and events before the temporary server stops (else they are lost)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for drain in (APILogWorker.drain_all, EventsWorker.drain_all):
        try:
            drain(timeout=10)
        except Exception:  # nothing started, or already stopped: nothing to send
            pass


# ---------------------------------------------------------------------------- a configured server
class ServiceUnavailable(JixiaoError):
    """The Prefect server the run is configured to use does not answer (exit 6)."""

    exit_code = ExitCode.service_unavailable


PROBE_TIMEOUT = 4.0  # seconds for the health check to connect and answer: the whole refusal stays under 10 s


def unanswered(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """Why the Prefect API at `url` does not answer (in Chinese), or None when it does.

    A plain GET of `<url>/health`, without importing Prefect (1.2 s) or its client's retries
    (minutes against a server that accepts connections and says nothing). Proxies come from
    the environment, as for Prefect's own client. Any answer counts, an error status below
    500 too (a server asking for an API key is there: Prefect will say what it wants); a
    502/503 is a proxy in front of a server that is not. A TLS failure is left to Prefect,
    which has its own certificate settings.
    """
    import socket
    import ssl
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}" if exc.code >= 500 else None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLError):
            return None
        if isinstance(reason, ConnectionRefusedError):
            return "连接被拒绝，该地址没有服务在监听"
        if isinstance(reason, socket.gaierror):
            return "无法解析主机名"
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return f"{timeout:g} 秒内没有响应"
        return f"无法连接：{reason}"
    except (TimeoutError, socket.timeout):
        return f"{timeout:g} 秒内没有响应"
    except (OSError, ValueError) as exc:  # a reset connection; a URL that is not one
        return f"无法连接：{exc}"


def unavailable(url: str, why: str, temporary: bool = True) -> ServiceUnavailable:
    """The one line for a configured server that does not answer: the URL, why, what to do.
    `temporary`: whether a temporary server would do instead (not for `serve`: it has no
    scheduler)."""
    remedy = "请先启动该服务器（如 `prefect server start`）"
    if temporary:
        remedy += "，或取消 PREFECT_API_URL 的设置（unset PREFECT_API_URL；在 Prefect 配置文件中设置的用 " \
                  "`prefect config unset PREFECT_API_URL`），改用本次运行自带的临时服务器"
    return ServiceUnavailable(f"Prefect 服务器 {url} 没有响应（{why}）", remedy + "，然后重新运行")


def answers(url: str | None, temporary: bool = True) -> None:
    """Raise ServiceUnavailable when `url` is set and its server does not answer."""
    why = unanswered(url) if url else None
    if why:
        raise unavailable(url, why, temporary)


def require_answer(temporary: bool = True) -> str | None:
    """When PREFECT_API_URL is in the environment, check that its server answers before any
    work (nothing under OUT is written, not even its lock); raise ServiceUnavailable if not.
    Returns the URL. A URL from a Prefect profile is checked by `api`, once Prefect is loaded."""
    url = os.environ.get("PREFECT_API_URL") or None
    answers(url, temporary)
    return url


class ConfiguredServer:
    """A configured Prefect server watched during a run, as flows.archive watches the temporary
    one's process: `gone()` is true once it has failed two health checks in a row, looked at
    every WATCH_EVERY seconds at most (a GET of /health; a busy server gets a second chance)."""

    WATCH_EVERY = 2.0
    WATCH_TIMEOUT = 3.0

    def __init__(self, url: str) -> None:
        self.url = url
        self.process = None  # not ours: nothing to poll or stop
        self._next = 0.0
        self._failures = 0

    def gone(self) -> bool:
        import time

        now = time.monotonic()
        if now >= self._next:
            self._failures = self._failures + 1 if unanswered(self.url, self.WATCH_TIMEOUT) else 0
            self._next = time.monotonic() + self.WATCH_EVERY
        return self._failures >= 2


# ---------------------------------------------------------------------------- schedules
def local_timezone(environ: MutableMapping[str, str] = os.environ, etc: Path = Path("/etc")) -> tuple[str, str]:
    """The machine's time zone as an IANA name, and a note when it had to be UTC.

    `TZ` when it names a zone, else /etc/timezone (Debian), else the zone /etc/localtime links
    to. `datetime.now().astimezone()` would give "CST", which is no IANA name (and means three
    different zones).
    """
    candidates = [environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append((etc / "timezone").read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError):
        pass
    try:
        target = os.readlink(etc / "localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name and _is_zone(name):
            return name, ""
    return "UTC", "无法确定本机时区，按 UTC 调度；可用 --timezone 指定（如 Asia/Shanghai）"


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def check_schedule(cron: str, timezone: str) -> None:
    """Refuse a cron expression or a time zone that Prefect would refuse, before serving
    (UsageError, exit 2), in Prefect's own terms (its schedule model validates both)."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron)
    except ValueError:
        raise UsageError(f"--cron {cron!r} 不是有效的 cron 表达式",
                         "请写五个字段：分 时 日 月 周，如 \"0 2 * * *\"（每天 02:00）") from None
    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValueError:
        raise UsageError(f"--timezone {timezone!r} 不是有效的时区名称",
                         "请写 IANA 时区名称，如 Asia/Shanghai 或 UTC") from None
