"""flows.isolate: a call in a child process under a timeout and a memory ceiling, never raising."""

import math
import os
import resource
import signal
import time

import pytest

from extract.errors import NoReportError
from flows import isolate
from flows.isolate import run


def _value(n):
    return {"n": n, "big": "x" * (3 << 20)}  # larger than a pipe's buffer


def _raises():
    raise ValueError("bad\nvalue")


def _no_report():
    raise NoReportError("无数据", "请检查")


def _hangs():
    time.sleep(60)


def _eats_memory(size=1 << 30):
    return len(bytearray(size))


def _crashes():
    import faulthandler

    faulthandler.disable()  # pytest's would print the crash of this child
    os.kill(os.getpid(), signal.SIGSEGV)


def _wrapped_memory_error():
    try:
        bytearray(1 << 30)
    except MemoryError as exc:
        raise RuntimeError("the library wrapped it") from exc


def test_a_value_comes_back_whole():
    outcome = run(_value, 7, timeout=30)
    assert outcome.ok and outcome.value["n"] == 7 and len(outcome.value["big"]) == 3 << 20


def test_an_exception_is_one_line_with_its_exit_code():
    bug = run(_raises, timeout=30)
    assert (bug.kind, bug.exit_code, bug.reason) == ("error", 8, "ValueError: bad value")  # a bug: internal error
    known = run(_no_report, timeout=30)
    assert (known.kind, known.exit_code, known.reason) == ("error", 4, "无数据；请检查")


def test_a_hang_is_killed_at_the_deadline():
    start = time.monotonic()
    outcome = run(_hangs, timeout=0.5)
    assert outcome.kind == "timeout" and outcome.exit_code == 3 and "0.5 秒" in outcome.reason
    assert time.monotonic() - start < 5


def test_memory_ceiling_stops_the_call_not_the_caller():
    outcome = run(_eats_memory, timeout=30, memory=256 << 20)
    assert outcome.kind == "memory" and outcome.exit_code == 3 and "256 MiB" in outcome.reason
    assert run(_wrapped_memory_error, timeout=30, memory=256 << 20).kind == "memory"
    assert run(_eats_memory, 300 << 20, timeout=30, memory=None).ok  # no ceiling asked for


def test_a_crash_names_its_signal():
    outcome = run(_crashes, timeout=30)
    assert outcome.kind == "crash" and outcome.signal == signal.SIGSEGV and "SIGSEGV" in outcome.reason


def _children() -> set[str]:
    tasks = os.listdir("/proc/self/task")
    return {pid for t in tasks for pid in open(f"/proc/self/task/{t}/children").read().split()}


def test_no_child_is_left_behind():
    before = _children()
    for fn in (_value, _raises, _hangs, _crashes):
        run(fn, *(() if fn is not _value else (1,)), timeout=0.3)
    assert _children() <= before


def _noisy():
    import sys

    print("a warning from a library", file=sys.stderr)
    return 1


def test_the_childs_stderr_is_kept_not_printed(capfd):
    outcome = run(_noisy, timeout=30)
    assert outcome.ok and outcome.stderr == "a warning from a library\n"
    assert capfd.readouterr().err == ""
    assert run(_noisy, timeout=30, capture_stderr=False).stderr == ""


# ---------------------------------------------------------------------------- lifetime
def _lifetime():
    import ctypes
    import resource

    pdeathsig = ctypes.c_int()
    ctypes.CDLL(None).prctl(2, ctypes.byref(pdeathsig), 0, 0, 0)  # PR_GET_PDEATHSIG
    return {"pdeathsig": pdeathsig.value, "leader": os.getpgid(0) == os.getpid(),
            "cpu": resource.getrlimit(resource.RLIMIT_CPU), "core": resource.getrlimit(resource.RLIMIT_CORE)[0]}


def test_every_child_dies_with_its_parent_leads_its_own_group_and_has_its_own_limits(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(isolate, "_prctl", None)  # first calls, from several threads at once
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: run(_lifetime, timeout=2.5), range(8)))
    cpus = len(os.sched_getaffinity(0))
    soft = math.ceil(2.5 * cpus) + 1
    for outcome in outcomes:
        assert outcome.value == {"pdeathsig": signal.SIGKILL, "leader": True, "cpu": (soft, soft + 5), "core": 0}
    assert run(_lifetime, timeout=None).value["cpu"][0] == resource.getrlimit(resource.RLIMIT_CPU)[0]


def _starts_a_grandchild():
    import subprocess

    return subprocess.Popen(["sleep", "60"]).pid  # left running when the call returns


def test_what_a_child_leaves_running_is_killed_with_it():
    grandchild = run(_starts_a_grandchild, timeout=30).value
    time.sleep(0.05)
    with open(f"/proc/{grandchild}/stat") as handle:  # a zombie at most (init reaps it)
        assert handle.read().rsplit(")", 1)[1].split()[0] == "Z"


def test_stop_all_ends_the_waiting_calls_at_once_and_forks_no_more():
    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(2) as pool:
            waiting = [pool.submit(run, _hangs, timeout=60) for _ in range(2)]
            deadline = time.monotonic() + 10
            while len(isolate.live()) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            children = isolate.live()
            start = time.monotonic()
            assert isolate.stop_all() == 2
            outcomes = [future.result(timeout=10) for future in waiting]
            took = time.monotonic() - start
        for outcome in outcomes:
            assert (outcome.kind, outcome.signal, outcome.exit_code) == ("interrupted", signal.SIGTERM, 143)
            assert not outcome.ok and outcome.reason
        assert took < 1 and isolate.live() == []
        assert all(not os.path.exists(f"/proc/{pid}") for pid in children)  # reaped
        before = _children()
        # no fork: no new child (one of an earlier test's, a Dask worker's say, may end meanwhile)
        assert run(_value, 1, timeout=30).kind == "interrupted" and _children() <= before
    finally:
        isolate.resume()
    assert run(_value, 1, timeout=30).ok


def test_an_interrupted_file_is_tried_again_next_run(monkeypatch):
    from flows import pipeline

    monkeypatch.setattr(isolate, "run", lambda *a, **k: isolate._interrupted())
    got = pipeline.check_batch([("a.pdf", "/nonexistent/a.pdf", "0" * 64)], ("json",))
    assert got[0]["failure"]["kind"] == "interrupted" and not got[0]["failure"]["final"]


# ---------------------------------------------------------------------------- memory bombs
MIB_256 = 256 << 20


def _list_bomb():  # pure Python: MemoryError somewhere in the interpreter
    items = []
    while True:
        items.append([len(items)] * 1000)


def _numpy_bomb():  # numpy's own MemoryError (_ArrayMemoryError), each array written
    import numpy

    arrays = []
    while True:
        arrays.append(numpy.ones(8 << 20, dtype=numpy.uint8))


def _numpy_too_big():
    import numpy

    return int(numpy.ones(1 << 30, dtype=numpy.uint8).sum())


def _malloc_until_null_then_abort(touch=True, pause=0.0):  # C code: no MemoryError, SIGABRT
    import ctypes
    import faulthandler

    faulthandler.disable()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    while True:
        block = libc.malloc(4 << 20)
        if not block:
            time.sleep(pause)
            libc.abort()
        if touch:
            libc.memset(block, 1, 4 << 20)


def _reserves_until_null_then_aborts_slowly():  # address space only, never written: seen by looking
    _malloc_until_null_then_abort(touch=False, pause=3 * isolate.SAMPLE)


class _Unprintable(Exception):
    def __str__(self):
        raise MemoryError


def _cannot_even_report():  # the report itself runs out of memory (was: exit code 70)
    raise _Unprintable()


def _fatal_error_on_stderr():  # what Python or C++ print before they abort
    import faulthandler

    faulthandler.disable()
    os.write(2, b"terminate called after throwing an instance of 'std::bad_alloc'\n")
    os.abort()


@pytest.mark.parametrize("bomb", [_list_bomb, _numpy_bomb, _numpy_too_big, _malloc_until_null_then_abort,
                                  _reserves_until_null_then_aborts_slowly, _cannot_even_report,
                                  _fatal_error_on_stderr])
def test_a_memory_bomb_is_the_memory_limit_whatever_the_way_it_ends(bomb):
    start = time.monotonic()
    outcome = run(bomb, timeout=60, memory=MIB_256)
    assert outcome.kind == "memory" and outcome.exit_code == 3, outcome
    assert outcome.reason == "超出内存上限（--max-memory 256 MiB），可加大 --max-memory 后重试"
    assert outcome.signal not in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)  # stored: final
    assert time.monotonic() - start < 30


def test_the_memory_limit_is_told_by_the_childs_own_growth_not_the_callers_mapped_files(monkeypatch, tmp_path):
    """A caller with files mapped (libraries, fonts: 200 MiB here) once hid a child that
    filled its allowance and aborted between two looks: the caller's resident set, taken as
    the child's start, counted pages the child never had (CI: kind "crash")."""
    import mmap

    monkeypatch.setattr(isolate, "_look", lambda child: None)  # only what wait4 tells
    data = tmp_path / "mapped.bin"
    data.write_bytes(os.urandom(1 << 20) * 200)
    with open(data, "rb") as handle, mmap.mmap(handle.fileno(), 0, prot=mmap.PROT_READ) as mapped:
        assert sum(mapped[i] for i in range(0, len(mapped), 4096)) >= 0  # resident in the caller
        outcome = run(_malloc_until_null_then_abort, timeout=60, memory=MIB_256)
    assert (outcome.kind, outcome.exit_code, outcome.signal) == ("memory", 3, signal.SIGABRT), outcome


def _segfaults_with_little_memory():
    import ctypes
    import faulthandler

    faulthandler.disable()
    ctypes.string_at(0)


def _one_huge_allocation_then_abort():
    import faulthandler

    faulthandler.disable()
    try:
        bytearray(8 << 30)
    except MemoryError:
        os.abort()


def test_a_crash_far_from_the_ceiling_stays_a_crash():
    outcome = run(_segfaults_with_little_memory, timeout=30, memory=MIB_256)
    assert outcome.kind == "crash" and outcome.signal == signal.SIGSEGV
    # known limit: C code that aborts after one huge allocation failed, its memory far below the
    # ceiling, leaves no trace of it (see isolate._hit_ceiling)
    assert run(_one_huge_allocation_then_abort, timeout=30, memory=MIB_256).kind == "crash"
    # without a ceiling an abort is a crash, whatever memory it used
    assert run(_fatal_error_on_stderr, timeout=30, memory=None).kind == "crash"
