"""One archive run at a time on an output folder: an exclusive flock on OUT/.jixiao/lock.

Every entry that writes OUT holds it for the whole run: `jixiao archive` (around the quick
path and the flow run) and the flow `reconcile_archive` itself (a scheduled run of `jixiao
serve`). A second run waits for it, saying once on stderr who holds it, or with `--no-wait`
stops at once with exit 7 (ExitCode.locked). Waiting costs nothing: the kernel wakes the
waiter when the holder lets go.

The kernel also lets go when the holder dies, even by kill -9: there is never a stale lock
to remove by hand. The holder's pid and start time are written into the file only for the
waiting run's message; what locks is the flock, not the file's content.

Within one process the lock is re-entrant: `jixiao archive` takes it, then the flow it
runs in-process finds it held here and goes on. Children forked while it is held
(flows.isolate) close their copy of the descriptor at once, so a child that outlives a
killed run does not keep OUT locked (closing a copy does not release the parent's flock).
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from extract.errors import ExitCode, JixiaoError, OutputError

STATE = ".jixiao"  # flows.store.STATE (not imported: this module loads nothing of flows/)
NAME = "lock"


class Locked(JixiaoError):
    """OUT is held by another archive run and the caller would not wait."""

    exit_code = ExitCode.locked


# (st_dev, st_ino) of a lock file held by this process -> [descriptor, depth]
_held: dict[tuple[int, int], list[int]] = {}
_guard = threading.Lock()


def lock_path(out: Path | str) -> Path:
    return Path(out).absolute() / STATE / NAME


def held(out: Path | str) -> bool:
    """Whether this process holds OUT's lock."""
    try:
        st = os.stat(lock_path(out))
    except OSError:
        return False
    with _guard:
        return (st.st_dev, st.st_ino) in _held


def holder(fd: int) -> str:
    """Who holds the lock, from what the holder wrote: `pid N，开始于 T` (empty if not yet written)."""
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:
        return ""
    fields = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    if "pid" not in fields:
        return ""
    return f"pid {fields['pid']}" + (f"，开始于 {fields['started']}" if "started" in fields else "")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextmanager
def hold(out: Path | str, wait: bool = True, notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold OUT's lock for the body. Busy: wait (telling `notify` once, by default stderr),
    or with wait=False raise Locked (exit 7). Re-entrant within this process."""
    out = Path(out).absolute()
    path = lock_path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise OutputError(f"无法创建锁文件 {path}（{exc.strerror or exc}）", "请检查输出路径与权限") from exc
    st = os.fstat(fd)
    key = (st.st_dev, st.st_ino)
    with _guard:
        mine = _held.get(key)
        if mine is not None:  # taken by this process already (the CLI, then its flow)
            mine[1] += 1
    if mine is not None:
        os.close(fd)  # another open file description: closing it leaves the flock alone
        try:
            yield
        finally:
            _release(key)
        return
    try:
        _acquire(fd, out, wait, notify or _say)
    except BaseException:
        os.close(fd)
        raise
    with _guard:
        _held[key] = [fd, 1]
    try:
        yield
    finally:
        _release(key)


def _acquire(fd: int, out: Path, wait: bool, notify: Callable[[str], None]) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        who = _who(fd)
        if not wait:
            raise Locked(f"{out} 正被另一次运行使用（{who}）",
                         "请等它结束后再运行，或去掉 --no-wait 排队等待") from None
        notify(f"jixiao: {out} 正被另一次运行使用（{who}），等待其结束…")
        fcntl.flock(fd, fcntl.LOCK_EX)  # Ctrl-C and SIGTERM still interrupt the wait
    started = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}\nstarted {started}\n".encode(), 0)
    except OSError:  # only the waiting run's message needs it (a full disk must not stop the run here)
        pass


def _who(fd: int) -> str:
    """The holder's line; it writes it just after taking the lock, so look again briefly."""
    deadline = time.monotonic() + 0.5
    while True:
        who = holder(fd)
        if who or time.monotonic() > deadline:
            return who or "持有者未知"
        time.sleep(0.05)


def _release(key: tuple[int, int]) -> None:
    with _guard:
        mine = _held.get(key)
        if mine is None:
            return
        mine[1] -= 1
        if mine[1] > 0:
            return
        del _held[key]
    fd = mine[0]
    try:
        os.ftruncate(fd, 0)  # no stale holder line for the next waiter
    except OSError:
        pass
    os.close(fd)  # the flock goes with the last descriptor of this open file description


def _forget_in_child() -> None:
    """In a forked child: close the copies of held descriptors, so the lock dies with the run."""
    global _guard
    _guard = threading.Lock()  # another thread may have held it at the fork
    for fd, _ in _held.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


os.register_at_fork(after_in_child=_forget_in_child)
