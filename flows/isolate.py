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
caller. A child that runs out of it is told as such ("memory"), whether it raised
MemoryError, could not even report it, or aborted in C code with its memory near the
ceiling (see `_hit_ceiling`). POSIX only.

Nothing outlives the caller. Each child is the leader of its own process group (a
terminal's Ctrl-C goes to the caller alone, which stops it) and gets SIGKILL when the
thread that forked it dies (Linux PR_SET_PDEATHSIG): that thread waits in `run` until the
child is reaped, so it can only die before the child when the whole caller does, kill -9
included. RLIMIT_CPU backs the wall clock up in the child itself: it cannot fire before the
caller's deadline (the timeout times the CPUs the child may use), only when no caller
enforces it any more. `stop_all()`, for a SIGTERM or Ctrl-C handler, kills every live child
at once and makes the waiting `run` calls return "interrupted".
"""

from __future__ import annotations

import dataclasses
import math
import mmap
import os
import pickle
import re
import resource
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from extract.errors import ExitCode

DEFAULT_TIMEOUT = 120.0  # seconds of wall-clock time
DEFAULT_MEMORY = 2 << 30  # bytes of address space on top of what the child inherits
# One failure model: the exit codes of extract.errors.ExitCode (DESIGN.md), nothing of its own.
FAILURE_EXIT = int(ExitCode.input_unreadable)  # a timeout, a memory ceiling, a crash: the file cannot be read
INTERNAL_EXIT = int(ExitCode.internal_error)  # an exception without an exit code of its own: a bug
INTERRUPTED_EXIT = int(ExitCode.terminated)  # a call stopped with the run
RESERVE = 8 << 20  # address space a memory-limited child holds back, to report running out of it
NO_MEMORY_EXIT = 71  # a child that ran out of memory and could not even say so
STUCK_EXIT = 70  # a child that could not report for another reason
SAMPLE = 0.1  # seconds between looks at a memory-limited child's peak address space
PR_SET_PDEATHSIG = 1

# Live children of this process: pid → its record. `_lock` is held from the pipes' creation
# until the caller has closed the child's ends, so no other child forked meanwhile (from
# another thread) inherits them and keeps a pipe open after its child is gone.
_lock = threading.RLock()
_live: dict[int, _Child] = {}
_stopping = False
_prctl: Any = None  # libc's prctl, looked up once in the caller (None: not yet; False: none)


@dataclass(frozen=True)
class Outcome:
    kind: str  # ok | error (the call raised) | timeout | memory | crash | interrupted (stop_all)
    value: Any = None
    exit_code: int = 0  # the exception's `exit_code` when it has one, else INTERNAL_EXIT
    reason: str = ""  # one line
    signal: int | None = None  # the signal that ended the child (SIGTERM for "interrupted")
    stderr: str = ""  # the end of what the child wrote to stderr, when captured

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


@dataclass
class _Child:
    pid: int
    memory: int | None
    vm0: int = 0  # the caller's address space at the fork, in bytes: the child's own before its call
    rss0: int = 0  # the child's resident set before its call (told through `start`), else the caller's
    start: Any = None  # a page shared with the child, where it writes its resident set before its call
    peak: int = 0  # the child's peak address space (VmPeak) when last looked at, in bytes
    stopped: bool = False  # killed by stop_all()


def stop_all() -> int:
    """Kill every live child (SIGKILL to its process group) and fork no new one; how many.

    For a SIGTERM or Ctrl-C handler: the `run` calls waiting for those children return at
    once with kind "interrupted" (signal SIGTERM: not the file's fault, tried again next
    run), and later calls return so without forking, until `resume()`.
    """
    global _stopping
    _stopping = True
    with _lock:
        for pid, child in _live.items():
            child.stopped = True
            _kill(pid)
        return len(_live)


def resume() -> None:
    """Let `run` fork again after `stop_all()` (tests, long-lived callers)."""
    global _stopping
    _stopping = False


def live() -> list[int]:
    """The pids of this process's children that `run` is waiting for."""
    with _lock:
        return list(_live)


def _interrupted() -> Outcome:
    return Outcome("interrupted", exit_code=INTERRUPTED_EXIT, reason="运行被停止，处理已中断",
                   signal=signal.SIGTERM)


def _kill(pid: int) -> None:
    """SIGKILL the child's process group (it and whatever it started), and the child itself."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:  # no such group (not made yet, or empty), or already gone
            pass


_watching: int | None = None  # the read end of the wakeup pipe `stop_on_signals` watches


def stop_on_signals(signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> bool:
    """Call `stop_all()` the moment one of `signals` arrives, whoever handles it in Python.

    Python's handlers run in the main thread, and only once it gets there: Prefect's SIGTERM
    handler raises in the flow, which then waits for its task threads, which wait for their
    children (up to the timeout). This watches the signals where CPython's C-level handler
    writes them (`signal.set_wakeup_fd`), from a thread of its own, and forwards them to the
    wakeup fd that was there before. Signals left to their default action (SIG_DFL) are not
    seen, nor needed: they end the process, and the children with it. Call from the main
    thread; returns whether it is watching.
    """
    global _watching
    if _watching is not None:
        return True
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    try:
        previous = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    except ValueError:  # not the main thread
        os.close(read_fd)
        os.close(write_fd)
        return False
    _watching = read_fd
    threading.Thread(target=_watch_signals, args=(read_fd, previous, frozenset(signals)),
                     name="isolate-signals", daemon=True).start()
    return True


def _watch_signals(read_fd: int, previous: int, signals: frozenset[int]) -> None:
    while True:
        try:
            got = os.read(read_fd, 512)
        except OSError:
            return
        if not got:
            return
        if signals.intersection(got):
            stop_all()
        if previous >= 0:
            try:
                os.write(previous, got)
            except OSError:
                pass


def exit_with_parent(interval: float = 0.5) -> None:
    """End this process, its children first, soon after its parent is gone (killed, even by
    SIGKILL): for a process started by a pool (Prefect's process pool), whose idle workers
    would otherwise wait on their queue for ever and whose busy ones finish their file. A
    thread looks at the parent every `interval` seconds; PR_SET_PDEATHSIG is no use here, as
    it fires when the thread that started the process ends, which a pool's thread may."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        stop_all()
        os._exit(FAILURE_EXIT)

    threading.Thread(target=watch, name="isolate-parent", daemon=True).start()


def _reset_after_fork() -> None:  # pragma: no cover  (in a forked child)
    """A fork starts with no children of its own, a lock no other thread holds, and no
    wakeup fd (its signals are not its parent's)."""
    global _lock, _live, _stopping, _watching
    _lock, _live, _stopping = threading.RLock(), {}, False
    if _watching is not None:
        _watching = None
        try:
            signal.set_wakeup_fd(-1)
        except ValueError:
            pass


os.register_at_fork(after_in_child=_reset_after_fork)


def _libc_prctl():
    """libc's prctl, or False; looked up once, under `_lock` (a child forked by another thread
    meanwhile must not see a half-made answer)."""
    global _prctl
    if _prctl is None:
        found = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                found = ctypes.CDLL(None, use_errno=True).prctl
                found.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
            except (OSError, AttributeError):
                found = False
        _prctl = found
    return _prctl


def _die_with_parent(parent: int) -> None:  # pragma: no cover  (in the child)
    """SIGKILL when the forking thread dies; leave now if the parent died before this."""
    prctl = _prctl
    if prctl:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(FAILURE_EXIT)
    try:
        os.setpgid(0, 0)  # its own process group: the terminal's signals go to the caller
    except OSError:
        pass


def run(fn: Callable[..., Any], *args: Any, timeout: float | None = DEFAULT_TIMEOUT,
        memory: int | None = DEFAULT_MEMORY, capture_stderr: bool = True, **kwargs: Any) -> Outcome:
    """Call fn(*args, **kwargs) in a forked child; never raises for what the call does.

    With `capture_stderr` (the default) the child's stderr goes to `Outcome.stderr` (its
    last STDERR_TAIL bytes), not to the caller's: library warnings, and what a fork of a
    process with running event loops prints when it cleans them up, stay out of the way.
    After `stop_all()` it returns kind "interrupted" without forking.
    """
    parent = os.getpid()
    with _lock:
        if _stopping:
            return _interrupted()
        _libc_prctl()  # looked up here, before the fork: the child only calls it
        read_fd, write_fd = os.pipe()
        err_read, err_write = os.pipe() if capture_stderr else (None, None)
        vm0, rss0 = _memory_of("self") if memory is not None else (0, 0)
        # the child's own resident set, not the caller's: pages of files the caller has mapped
        # (libraries, fonts, data) are not the child's until it touches them
        start = mmap.mmap(-1, 8) if memory is not None else None
        with warnings.catch_warnings():  # Python ≥ 3.12 warns about fork in a threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover  (the child; coverage does not follow it)
            try:
                _die_with_parent(parent)
                os.close(read_fd)
                if err_write is not None:
                    os.dup2(err_write, 2)
                    os.close(err_write)
                    os.close(err_read)
                    sys.stderr = open(2, "w", buffering=1, errors="backslashreplace", closefd=False)
                _child(write_fd, fn, args, kwargs, memory, timeout, start)
            finally:  # never back into the caller's code in the child
                os._exit(STUCK_EXIT)
        try:
            os.setpgid(pid, pid)  # as the child does: whichever runs first, the group exists
        except OSError:
            pass
        os.close(write_fd)
        if err_write is not None:
            os.close(err_write)
        child = _live[pid] = _Child(pid, memory, vm0, rss0, start=start)
    data, err, timed_out, status, usage = b"", b"", True, 0, None
    try:
        data, err, timed_out = _read_all(read_fd, err_read, timeout,
                                         None if memory is None else lambda: _look(child))
    finally:  # also on KeyboardInterrupt or SystemExit: never leave the child behind
        os.close(read_fd)
        if err_read is not None:
            os.close(err_read)
        status, usage = _finish(child, kill=timed_out or child.stopped)
        if child.start is not None:
            child.rss0 = int.from_bytes(child.start[:8], "little") or child.rss0  # unless it died before
            child.start.close()
    outcome = _outcome(data, status, timed_out, timeout, child, usage, err)
    return dataclasses.replace(outcome, stderr=err.decode("utf-8", "replace")) if err else outcome


def _outcome(data: bytes, status: int, timed_out: bool, timeout: float | None, child: _Child | None = None,
             usage: Any = None, err: bytes = b"") -> Outcome:
    if timed_out:
        return Outcome("timeout", exit_code=FAILURE_EXIT, reason=f"处理超时（超过 {timeout:g} 秒），已终止")
    try:
        kind, payload = pickle.loads(data)
    except Exception:  # nothing, or not all of it: the child died before it could say
        pass
    else:
        if kind == "ok":
            return Outcome("ok", value=payload)
        exit_code, reason = payload
        return Outcome(kind, exit_code=exit_code, reason=reason)
    number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    if child is not None and child.stopped:
        return _interrupted()
    if number == signal.SIGXCPU:  # its own CPU limit, the wall clock's backup
        return Outcome("timeout", exit_code=FAILURE_EXIT, signal=number,
                       reason="处理超时（CPU 时间达到上限），已终止")
    if child is not None and child.memory is not None and _hit_ceiling(status, usage, child, err):
        return Outcome("memory", exit_code=FAILURE_EXIT, reason=memory_reason(child.memory), signal=number)
    if number is not None:
        name = _signal_name(number)
        if number == signal.SIGKILL:
            reason = f"处理进程被 {name} 终止（可能是系统内存不足）"
        else:
            reason = f"处理进程崩溃（{name}）"
        return Outcome("crash", exit_code=FAILURE_EXIT, reason=reason, signal=number)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    return Outcome("crash", exit_code=FAILURE_EXIT, reason=f"处理进程异常退出（退出码 {code}），没有返回结果")


def memory_reason(memory: int) -> str:
    mib = memory / (1 << 20)
    return f"超出内存上限（--max-memory {mib:.0f} MiB），可加大 --max-memory 后重试" if mib >= 1 else \
        f"超出内存上限（{memory} 字节），可加大 --max-memory 后重试"


# What a runtime prints when an allocation fails: Python's fatal errors, C++'s std::bad_alloc,
# glibc's and other libraries' messages.
_NO_MEMORY_WORDS = re.compile(rb"MemoryError|bad_alloc|Cannot allocate memory|out of memory|ENOMEM", re.I)


def _hit_ceiling(status: int, usage: Any, child: _Child, err: bytes) -> bool:
    """Whether a memory-limited child that ended without a result ran into its ceiling.

    Told by the child (it exits NO_MEMORY_EXIT when it could not even report a MemoryError),
    by what it printed (a fatal MemoryError, std::bad_alloc…), or by what it had used at its
    peak: three quarters of its allowance or more, in address space (VmPeak, looked at every
    SAMPLE seconds while it runs) or in resident memory (its peak RSS, which wait4 reports
    after its death). A C library that aborts after one huge allocation failed, its memory
    far from the ceiling, cannot be told from a crash and stays one. A SIGKILL is not the
    ceiling (that is the system's OOM killer, or a stop), nor are the run's interruptions.
    """
    number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    if number in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        return False
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == NO_MEMORY_EXIT:
        return True
    if _NO_MEMORY_WORDS.search(err):
        return True
    memory = child.memory or 0
    allowance = memory - memory // 4
    if child.peak and child.peak - child.vm0 >= RESERVE + allowance:
        return True
    return usage is not None and usage.ru_maxrss * 1024 - child.rss0 >= allowance


def _look(child: _Child) -> None:
    """Note the child's peak address space (a high-water mark: a look now and then finds it)."""
    try:
        with open(f"/proc/{child.pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmPeak:"):
                    child.peak = max(child.peak, int(line.split()[1]) * 1024)
                    return
    except (OSError, ValueError, IndexError):
        pass


def _child(write_fd: int, fn, args, kwargs, memory: int | None,
           timeout: float | None = None, start: mmap.mmap | None = None) -> None:  # pragma: no cover
    """Run the call and write (kind, payload); always leave through os._exit."""
    code, reserve, no_memory = 0, None, None
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _own_limits(timeout)
        if memory is not None:
            # held back under the ceiling, given back to report a MemoryError
            reserve = mmap.mmap(-1, RESERVE, flags=mmap.MAP_PRIVATE)
            inherited = _address_space()
            resource.setrlimit(resource.RLIMIT_AS, (inherited + memory, inherited + memory))
            if start is not None:
                start[:8] = _memory_of("self")[1].to_bytes(8, "little")
            # made now: saying it ran out of memory needs none
            no_memory = pickle.dumps(("memory", (FAILURE_EXIT, memory_reason(memory))))
        message = None
        try:
            message = ("ok", fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 — everything the call raises is reported
            if _out_of_memory(exc):  # also when a library wrapped the MemoryError in its own error
                _release(reserve)
            else:
                exit_code = getattr(exc, "exit_code", None)
                exit_code = int(exit_code) if isinstance(exit_code, int) else INTERNAL_EXIT
                message = ("error", (exit_code, _one_line(exc)))
        # out of the handler: the exception, its traceback and the call's frames are let go
        if message is None:
            data = no_memory or pickle.dumps(("memory", (FAILURE_EXIT, "超出内存上限，已停止处理")))
        else:
            try:
                data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                _release(reserve)
                data = no_memory or pickle.dumps(("memory", (FAILURE_EXIT, "超出内存上限，结果无法返回")))
            except Exception as exc:  # an unpicklable result is a bug of the caller
                data = pickle.dumps(("error", (FAILURE_EXIT, f"结果无法传回（{type(exc).__name__}: {exc}）")))
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
    except BaseException as exc:  # noqa: BLE001
        code = NO_MEMORY_EXIT if memory is not None and _out_of_memory(exc) else STUCK_EXIT
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def _release(reserve: mmap.mmap | None) -> None:  # pragma: no cover  (in the child)
    if reserve is not None:
        reserve.close()


def _own_limits(timeout: float | None) -> None:  # pragma: no cover  (in the child)
    """No core dumps (a child near its ceiling would write gigabytes, and keep the caller
    waiting), and a CPU limit that backs up the caller's wall clock: the timeout times the
    CPUs the child may use, so it never fires while the caller's deadline is still ahead
    (OCR runs threads on every core); SIGXCPU at the soft limit, SIGKILL 5 s later."""
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ValueError, OSError):
        pass
    if timeout is None:
        return
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    soft = math.ceil(timeout * cpus) + 1
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    hard = soft + 5 if hard == resource.RLIM_INFINITY else min(hard, soft + 5)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (min(soft, hard), hard))
    except (ValueError, OSError):
        pass


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
STDERR_GRACE = 0.5  # seconds stderr may stay open after the result


def _read_all(fd: int, err_fd: int | None, timeout: float | None,
              look: Callable[[], None] | None = None) -> tuple[bytes, bytes, bool]:
    """The child's result and stderr until it closes both pipes; timed_out=True at the deadline.
    `look` is called at least every SAMPLE seconds meanwhile. Once the result is in, stderr
    gets STDERR_GRACE seconds more: what the child started may hold it open (and is killed)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks: list[bytes] = []
    err = b""
    open_fds = [fd] + ([err_fd] if err_fd is not None else [])
    looked = 0.0
    grace = None
    while open_fds:
        now = time.monotonic()
        if look is not None and now - looked >= SAMPLE:
            look()
            looked = now
        if fd not in open_fds:
            grace = now + STDERR_GRACE if grace is None else grace
            if now >= grace:
                break
        wait = None if deadline is None else deadline - now
        if wait is not None and wait <= 0:
            return b"".join(chunks), err, True
        if grace is not None:
            wait = grace - now if wait is None else min(wait, grace - now)
        if look is not None:
            wait = SAMPLE if wait is None else min(wait, SAMPLE)
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


def _finish(child: _Child, kill: bool) -> tuple[int, Any]:
    """Reap the child, killing it first if asked or if it lingers after closing the pipe, and
    whatever it left running in its process group; its wait status and resource usage."""
    pid = child.pid
    if kill:
        _kill(pid)
    for _ in range(200):  # the pipe closes a moment before the process is gone
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            break
        time.sleep(0.005)
    else:
        _kill(pid)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    with _lock:  # unlisted while its pid is still ours (a zombie): stop_all never signals a stranger
        del _live[pid]
    try:
        os.killpg(pid, signal.SIGKILL)  # what it started and left behind
    except OSError:
        pass
    _, status, usage = os.wait4(pid, 0)
    return status, usage


def _address_space() -> int:
    """The calling process's current virtual size in bytes (Linux /proc; 0 elsewhere)."""
    return _memory_of("self")[0]


def _memory_of(pid: str) -> tuple[int, int]:
    """A process's virtual size and resident set in bytes (Linux /proc; zeros elsewhere)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            size, resident = handle.read().split()[:2]
            return int(size) * resource.getpagesize(), int(resident) * resource.getpagesize()
    except (OSError, ValueError):
        return 0, 0


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
