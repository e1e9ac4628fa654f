"""Run one call in a child process under a wall-clock timeout and a memory ceiling.

    outcome = run(check_one, path, timeout=120, memory=2 << 30)
    outcome.ok, outcome.value                  # the call returned
    outcome.kind, outcome.exit_code, outcome.reason   # it raised, timed out, ran out of memory, crashed

The child is a fork of the caller, so it starts with everything the caller has imported
and warmed (no interpreter start-up per call) and hands its result back pickled through a
pipe. A hang is killed at the deadline, a crash (a signal) or an exception is reported in
one line, and the caller goes on. No Prefect in here: `jixiao check` can use it too.

The memory ceiling is RLIMIT_AS, set in the child to what it inherited plus `memory`: a
fork starts with the caller's whole address space, much of it reserved and never touched
(thread stacks, arenas), so a ceiling on the total would mean a different thing in every
caller. POSIX only.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import resource
import select
import signal
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT = 120.0  # seconds of wall-clock time
DEFAULT_MEMORY = 2 << 30  # bytes of address space on top of what the child inherits
FAILURE_EXIT = 3  # the exit code of a timeout, a memory ceiling or a crash (DESIGN.md: cannot be read)


@dataclass(frozen=True)
class Outcome:
    kind: str  # ok | error (the call raised) | timeout | memory | crash
    value: Any = None
    exit_code: int = 0  # the exception's `exit_code` when it has one, else FAILURE_EXIT
    reason: str = ""  # one line
    signal: int | None = None  # the signal that ended a crashed child
    stderr: str = ""  # the end of what the child wrote to stderr, when captured

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def run(fn: Callable[..., Any], *args: Any, timeout: float | None = DEFAULT_TIMEOUT,
        memory: int | None = DEFAULT_MEMORY, capture_stderr: bool = True, **kwargs: Any) -> Outcome:
    """Call fn(*args, **kwargs) in a forked child; never raises for what the call does.

    With `capture_stderr` (the default) the child's stderr goes to `Outcome.stderr` (its
    last STDERR_TAIL bytes), not to the caller's: library warnings, and what a fork of a
    process with running event loops prints when it cleans them up, stay out of the way.
    """
    read_fd, write_fd = os.pipe()
    err_read, err_write = os.pipe() if capture_stderr else (None, None)
    with warnings.catch_warnings():  # Python ≥ 3.12 warns about fork in a threaded process
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child; coverage does not follow it)
        os.close(read_fd)
        if err_write is not None:
            os.dup2(err_write, 2)
            os.close(err_write)
            os.close(err_read)
            sys.stderr = open(2, "w", buffering=1, errors="backslashreplace", closefd=False)
        _child(write_fd, fn, args, kwargs, memory)
    os.close(write_fd)
    if err_write is not None:
        os.close(err_write)
    data, err, timed_out, status = b"", b"", True, 0
    try:
        data, err, timed_out = _read_all(read_fd, err_read, timeout)
    finally:  # also on KeyboardInterrupt: never leave the child behind
        os.close(read_fd)
        if err_read is not None:
            os.close(err_read)
        status = _finish(pid, kill=timed_out)
    outcome = _outcome(data, status, timed_out, timeout)
    return dataclasses.replace(outcome, stderr=err.decode("utf-8", "replace")) if err else outcome


def _outcome(data: bytes, status: int, timed_out: bool, timeout: float | None) -> Outcome:
    if timed_out:
        return Outcome("timeout", exit_code=FAILURE_EXIT, reason=f"处理超时（超过 {timeout:g} 秒），已终止")
    if os.WIFSIGNALED(status) and not data:
        name = _signal_name(os.WTERMSIG(status))
        if os.WTERMSIG(status) == signal.SIGKILL:
            reason = f"处理进程被 {name} 终止（可能是系统内存不足）"
        else:
            reason = f"处理进程崩溃（{name}）"
        return Outcome("crash", exit_code=FAILURE_EXIT, reason=reason, signal=os.WTERMSIG(status))
    try:
        kind, payload = pickle.loads(data)
    except Exception:
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        return Outcome("crash", exit_code=FAILURE_EXIT, reason=f"处理进程异常退出（退出码 {code}），没有返回结果")
    if kind == "ok":
        return Outcome("ok", value=payload)
    exit_code, reason = payload
    return Outcome(kind, exit_code=exit_code, reason=reason)


def _child(write_fd: int, fn, args, kwargs, memory: int | None) -> None:  # pragma: no cover
    """Run the call and write (kind, payload); always leave through os._exit."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if memory is not None:
            inherited = _address_space()
            resource.setrlimit(resource.RLIMIT_AS, (inherited + memory, inherited + memory))
        try:
            message = ("ok", fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 — everything the call raises is reported
            if _out_of_memory(exc):  # also when a library wrapped the MemoryError in its own error
                limit = "" if memory is None else f"（{memory / (1 << 20):.0f} MiB）"
                message = ("memory", (FAILURE_EXIT, f"超出内存上限{limit}，已停止处理"))
            else:
                exit_code = getattr(exc, "exit_code", None)
                exit_code = int(exit_code) if isinstance(exit_code, int) else FAILURE_EXIT
                message = ("error", (exit_code, _one_line(exc)))
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps(("memory", (FAILURE_EXIT, "超出内存上限，结果无法返回")))
        except Exception as exc:  # an unpicklable result is a bug of the caller
            data = pickle.dumps(("error", (FAILURE_EXIT, f"结果无法传回（{type(exc).__name__}: {exc}）")))
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
    except BaseException:
        code = 70
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def _out_of_memory(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, MemoryError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if not hasattr(exc, "exit_code"):  # a bug or a library's error: name its type
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text[:500]


STDERR_TAIL = 4096


def _read_all(fd: int, err_fd: int | None, timeout: float | None) -> tuple[bytes, bytes, bool]:
    """The child's result and stderr until it closes both pipes; timed_out=True at the deadline."""
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks: list[bytes] = []
    err = b""
    open_fds = [fd] + ([err_fd] if err_fd is not None else [])
    while open_fds:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            return b"".join(chunks), err, True
        ready, _, _ = select.select(open_fds, [], [], wait)
        for ready_fd in ready:
            chunk = os.read(ready_fd, 1 << 20)
            if not chunk:
                open_fds.remove(ready_fd)
            elif ready_fd == fd:
                chunks.append(chunk)
            else:
                err = (err + chunk)[-STDERR_TAIL:]
    return b"".join(chunks), err, False


def _finish(pid: int, kill: bool) -> int:
    """Reap the child, killing it first if asked or if it lingers after closing the pipe."""
    if kill:
        os.kill(pid, signal.SIGKILL)
    for _ in range(200):  # the pipe closes a moment before the process is gone
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def _address_space() -> int:
    """The calling process's current virtual size in bytes (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
