"""Nothing outlives the run: real process trees killed with SIGKILL, SIGTERM and Ctrl-C.

Each test starts a driver script in a process of its own and looks at its descendants in
/proc. Whatever happens, the fixture kills every process the test saw before it ends.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


def _parents() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(name))
    return children


def descendants(pid: int) -> list[int]:
    children, found, todo = _parents(), [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Some thread of it still runs (or is stopped). A zombie is dead, its files closed (its
    parent is gone: init reaps it when it can); a leader is a zombie before its other threads."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                    return True
        except OSError:
            pass
    return False


def gone_within(pids: list[int], seconds: float) -> float | None:
    """Seconds until none of `pids` is alive, or None if some still are after `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if not any(alive(pid) for pid in pids):
            return time.monotonic() - start
        time.sleep(0.02)
    return None


@pytest.fixture
def spawn(tmp_path):
    """Start a driver script; every process of its tree that a test saw is killed at the end."""
    seen: set[int] = set()
    started: list[subprocess.Popen] = []

    def start(script: str, *args: str, **env: str) -> subprocess.Popen:
        path = tmp_path / f"driver-{len(started)}.py"
        path.write_text(script, encoding="utf-8")
        environ = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), **env}
        environ.pop("PREFECT_API_URL", None)
        environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
        process = subprocess.Popen([sys.executable, str(path), *args], cwd=ROOT, env=environ,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        started.append(process)
        return process

    def note(pids) -> list[int]:
        seen.update(pids)
        return list(pids)

    start.note = note
    yield start
    for process in started:
        seen.update(descendants(process.pid))
        seen.add(process.pid)
    for pid in seen:
        if alive(pid):
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
    for process in started:
        try:
            process.kill()
        except OSError:
            pass
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()


def read_line(process: subprocess.Popen, seconds: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    line = process.stdout.readline().decode() if ready else ""
    assert line, f"the driver said nothing in {seconds:g} s: {process.poll()=}"
    return line


TREE = """
import json, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from flows import isolate
from flows.server import TemporaryServer

def sleeps():
    time.sleep(3600)

def spins():  # in C code, never back to the interpreter
    import itertools
    sum(itertools.repeat(1, 10 ** 15))

if sys.argv[1] == "thread":  # started from a thread that ends: no PDEATHSIG, the guard's watch
    started = []
    starter = threading.Thread(target=lambda: started.append(TemporaryServer().start()))
    starter.start()
    starter.join()
    server = started[0]
else:
    server = TemporaryServer().start()
server.wait(timeout=120)  # still there after the thread that started it ended
pool = ThreadPoolExecutor(2)  # forked from worker threads, as Prefect's task runner does
for fn in (sleeps, spins):
    pool.submit(isolate.run, fn, timeout=3600)
while len(isolate.live()) < 2:
    time.sleep(0.02)
print(json.dumps({"server": server.process.pid, "port": server.port, "children": isolate.live()}), flush=True)
time.sleep(3600)
"""


@pytest.mark.parametrize("server_from", ["main", "thread"])
def test_nothing_survives_a_kill_9_of_the_parent(spawn, server_from):
    driver = spawn(TREE, server_from)
    told = json.loads(read_line(driver, 150))
    tree = spawn.note(descendants(driver.pid))
    assert told["server"] in tree and set(told["children"]) <= set(tree) and len(tree) >= 3
    start = time.monotonic()
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait(timeout=10)
    took = gone_within(tree, 10)
    assert took is not None, f"still alive 10 s after kill -9: {[_describe(p) for p in tree if alive(p)]}"
    print(f"kill -9 (server started from the {server_from} thread): the whole tree ({len(tree)} processes) "
          f"gone after {time.monotonic() - start:.2f} s")
    with socket.socket() as sock:  # nothing listens on the server's port any more
        assert sock.connect_ex(("127.0.0.1", told["port"])) != 0


HANGING_ARCHIVE = """
import os, sys
from flows import pipeline

def hang(path, name, *args, **kwargs):  # a file whose check never ends, in C code
    open(os.path.join(os.environ["MARKS"], str(os.getpid())), "w").close()
    import itertools
    sum(itertools.repeat(1, 10 ** 15))

pipeline.check_one = hang  # also in a process pool's workers, which import this file again
if __name__ == "__main__":
    from flows.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def hanging_run(spawn, tmp_path, *options: str):
    """A real `jixiao archive` with two files hanging in C code: (the driver, its process tree,
    the pids of the two hanging files' processes, OUT)."""
    root, out, marks = tmp_path / "archive", tmp_path / "out", tmp_path / "marks"
    root.mkdir()
    marks.mkdir()
    for case in ("sample", "consistent", "fault-rate"):
        shutil.copy(FIXTURES / case / "report.pdf", root / f"{case}.pdf")
    driver = spawn(HANGING_ARCHIVE, "archive", str(root), "--out", str(out), "--workers", "2", "--quiet",
                   *options, MARKS=str(marks))
    deadline = time.monotonic() + 240
    while len(os.listdir(marks)) < 2 and time.monotonic() < deadline and driver.poll() is None:
        time.sleep(0.05)
    assert len(os.listdir(marks)) == 2, \
        driver.stderr.read().decode() if driver.poll() is not None else "no file started"
    tree = spawn.note(descendants(driver.pid))
    hanging = {int(m) for m in os.listdir(marks)}
    assert hanging <= set(tree)
    return driver, tree, hanging, out


@pytest.mark.parametrize(("stop", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "Ctrl-C"])
def test_a_stopped_archive_run_ends_at_once_with_its_children(spawn, tmp_path, stop, status):
    driver, tree, _, out = hanging_run(spawn, tmp_path)
    start = time.monotonic()
    driver.send_signal(stop)
    try:
        code = driver.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running 60 s after {stop.name}")
    took = time.monotonic() - start
    assert code == status
    assert gone_within(tree, 5) is not None, [p for p in tree if alive(p)]
    print(f"{stop.name}: exit {code} after {took:.2f} s, no child left")
    assert took < 10
    stored = [json.loads(p.read_text(encoding="utf-8")) for p in (out / ".jixiao").rglob("*.json")]
    assert not [r for r in stored if r.get("status") == "failed"]  # the next run tries them again


def test_a_kill_9_of_a_run_on_the_process_pool_leaves_no_worker(spawn, tmp_path):
    """Prefect's pool workers wait on a queue whose other end they hold themselves: after a
    kill -9 of the run they (and the file each was checking) stayed for ever."""
    driver, tree, hanging, _ = hanging_run(spawn, tmp_path, "--pool", "processes")
    workers = {pid for pid in tree if any(h in descendants(pid) for h in hanging)}
    assert len(workers) == 2
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait(timeout=10)
    took = gone_within(tree, 10)
    assert took is not None, f"still alive 10 s after kill -9: {[_describe(p) for p in tree if alive(p)]}"
    print(f"kill -9 with --pool processes: {len(tree)} processes gone after {took:.2f} s")


CPU_BOUND = """
import os, signal, threading, time
from flows import isolate

os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one CPU: the CPU limit is the timeout, plus 1 s

def spins():
    import itertools
    sum(itertools.repeat(1, 10 ** 15))

def freeze():  # the parent stops enforcing its wall clock, as if it were gone
    while not isolate.live():
        time.sleep(0.005)
    print(isolate.live()[0], flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)

threading.Thread(target=freeze).start()
outcome = isolate.run(spins, timeout=1)
print(outcome.kind, outcome.signal, outcome.reason, flush=True)
"""


def test_a_child_spinning_in_c_code_dies_of_its_own_cpu_limit(spawn):
    driver = spawn(CPU_BOUND)
    child = int(read_line(driver, 60))
    spawn.note([child])
    start = time.monotonic()
    took = gone_within([child], 20)
    assert took is not None, "the child outlived its CPU limit"
    print(f"CPU limit: the child died {took:.2f} s after its parent stopped (limit 2 s of CPU)")
    os.kill(driver.pid, signal.SIGCONT)
    kind, number, _ = read_line(driver, 30).split(" ", 2)
    assert kind == "timeout" and time.monotonic() - start < 20
    assert driver.wait(timeout=30) == 0


def _describe(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")[:80]
        with open(f"/proc/{pid}/status") as handle:
            status = {k: v.strip() for k, v in (line.split(":", 1) for line in handle if ":" in line)}
        return f"{pid} ({status.get('State')}, ppid {status.get('PPid')}, {status.get('Threads')} threads): {command}"
    except OSError:
        return str(pid)
