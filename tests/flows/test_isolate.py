"""flows.isolate: a call in a child process under a timeout and a memory ceiling, never raising."""

import os
import signal
import time

from extract.errors import NoReportError
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
    assert (bug.kind, bug.exit_code, bug.reason) == ("error", 3, "ValueError: bad value")
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
