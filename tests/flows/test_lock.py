"""One run at a time on OUT (flows.lock): a second run waits, or with --no-wait exits 7 at once;
a holder killed with -9 lets go; the flow takes the lock itself (scheduled runs) and finds it
held under `jixiao archive`; the store is pruned only under it. Real processes where it matters."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from extract.errors import ExitCode
from flows import lock
from tests.conftest import FIXTURES, ROOT

HOLDER = """
import os, sys, time
from flows.lock import hold
with hold(sys.argv[1]):
    child = 0
    if sys.argv[2] == "fork":  # like flows.isolate: a child forked while the lock is held
        child = os.fork()
        if child == 0:
            time.sleep(120)
            os._exit(0)
    print("held", child, flush=True)
    sys.stdin.read()  # until the test closes stdin (or kills this process)
"""


def readline(stream, timeout: float) -> str:
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, f"nothing within {timeout} s"
    return stream.readline()


class Holder:
    """A process holding OUT's lock until released or killed."""

    def __init__(self, out: Path, mode: str = "plain"):
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), mode], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        word, child = readline(self.proc.stdout, 60).split()
        assert word == "held"
        self.child = int(child)

    def release(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        if self.child:
            try:
                os.kill(self.child, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def holder(tmp_path):
    made = []

    def make(out: Path, mode: str = "plain") -> Holder:
        made.append(Holder(out, mode))
        return made[-1]

    yield make
    for h in made:
        h.close()


def waiter(out: Path) -> tuple[threading.Thread, list[str], list[float]]:
    """Take the lock in a thread (waiting); returns the thread, what it was told, when it got the lock."""
    told, got = [], []

    def take() -> None:
        with lock.hold(out, wait=True, notify=told.append):
            got.append(time.monotonic())

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    return thread, told, got


# ------------------------------------------------------------------------------- the lock itself
def test_the_lock_names_its_holder_and_no_wait_refuses_at_once(tmp_path, holder):
    out = tmp_path / "out"
    held = holder(out)
    content = lock.lock_path(out).read_text(encoding="utf-8")
    assert content.startswith(f"pid {held.proc.pid}\nstarted 20")
    start = time.monotonic()
    with pytest.raises(lock.Locked) as caught:
        with lock.hold(out, wait=False):
            pass
    assert time.monotonic() - start < 1
    assert caught.value.exit_code == ExitCode.locked == 7
    line = str(caught.value)
    assert line.startswith(f"{out} 正被另一次运行使用（pid {held.proc.pid}，开始于 20") and "--no-wait" in line
    assert "\n" not in line


def test_a_second_taker_waits_says_so_once_and_goes_on_when_released(tmp_path, holder):
    out = tmp_path / "out"
    held = holder(out)
    thread, told, got = waiter(out)
    time.sleep(1.5)
    assert thread.is_alive() and not got
    assert told == [f"jixiao: {out} 正被另一次运行使用（pid {held.proc.pid}，开始于 "
                    + told[0].split("开始于 ")[1]] and told[0].endswith("），等待其结束…")
    released = time.monotonic()
    held.release()
    thread.join(timeout=10)
    assert not thread.is_alive() and got[0] - released < 1
    assert lock.lock_path(out).read_text() == ""  # released: no stale holder line


@pytest.mark.parametrize("mode", ["plain", "fork"])
def test_a_holder_killed_with_sigkill_releases_the_lock(tmp_path, holder, mode):
    """kill -9: the kernel drops the flock. With "fork", a child forked while the lock was held
    (as flows.isolate forks each file) is still alive, and does not keep OUT locked."""
    out = tmp_path / "out"
    held = holder(out, mode)
    thread, told, got = waiter(out)
    time.sleep(1)
    assert thread.is_alive() and len(told) == 1
    killed = time.monotonic()
    held.kill()
    thread.join(timeout=10)
    assert not thread.is_alive() and got[0] - killed < 1
    if mode == "fork":
        os.kill(held.child, 0)  # still running: it closed its copy of the descriptor at the fork


def test_the_lock_is_reentrant_in_one_process(tmp_path, holder):
    out = tmp_path / "out"
    with lock.hold(out, wait=False):
        assert lock.held(out)
        with lock.hold(out, wait=False):  # the CLI holds it; the flow takes it again
            assert lock.held(out)
        assert lock.held(out)
        probe = subprocess.run([sys.executable, "-c", "import sys; from flows.lock import hold\n"
                                "with hold(sys.argv[1], wait=False): pass", str(out)],
                               cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert probe.returncode == 1 and "Locked" in probe.stderr  # still held after the inner one
    assert not lock.held(out)
    holder(out).release()  # and free for another process


def test_archive_no_wait_exits_7_at_once_with_one_line(tmp_path, holder, capsys):
    from flows.cli import main

    root, out = tmp_path / "archive", tmp_path / "out"
    root.mkdir()
    shutil.copyfile(FIXTURES / "sample" / "report.pdf", root / "sample.pdf")
    held = holder(out)
    start = time.monotonic()
    assert main(["archive", str(root), "--out", str(out), "--no-wait"]) == 7
    assert time.monotonic() - start < 2
    err = capsys.readouterr().err
    assert err.startswith(f"jixiao: {out} 正被另一次运行使用（pid {held.proc.pid}") and len(err.splitlines()) == 1
    assert not (out / "summary.json").exists()


# ------------------------------------------------------------------------------- the flow
@pytest.mark.flows
def test_the_flow_waits_for_the_lock_and_prunes_only_under_it(prefect_server, tmp_path, holder, monkeypatch):
    """A scheduled run (the flow alone) waits for a holder; the store is pruned under the lock
    in the flow, in `jixiao archive`'s flow run and in its quick path without Prefect."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows import store
    from flows.cli import main
    from tests.flows.test_archive import run_archive

    root, out = tmp_path / "archive", tmp_path / "out"
    root.mkdir()
    shutil.copyfile(FIXTURES / "consistent" / "report.pdf", root / "consistent.pdf")
    pruned = []
    real = store.Store.prune_versions

    def prune(self):
        pruned.append(lock.held(self.state.parent))
        return real(self)

    monkeypatch.setattr(store.Store, "prune_versions", prune)
    held = holder(out)
    done = []
    thread = threading.Thread(target=lambda: done.append(run_archive(root, out)), daemon=True)
    thread.start()
    time.sleep(3)
    assert thread.is_alive() and not (out / "summary.json").exists()
    held.release()
    thread.join(timeout=120)
    assert done and done[0]["exit_code"] == 0 and not lock.held(out)
    assert main(["archive", str(root), "--out", str(out), "--formats", "json,html", "--quiet"]) == 0  # the flow
    with temporary_settings(updates={PREFECT_API_URL: None}):
        assert main(["archive", str(root), "--out", str(out), "--formats", "json,html", "--quiet"]) == 0  # quick
    assert pruned == [True, True, True]
    assert len(list((out / ".jixiao" / "store").iterdir())) == 1


# ------------------------------------------------------------------------------- real runs
def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    return env


def _small_archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    (root / "2023").mkdir(parents=True)
    for case in ("sample", "consistent", "fault-rate"):
        shutil.copyfile(FIXTURES / case / "report.pdf", root / "2023" / f"{case}.pdf")
    return root


def _wait_for_holder(out: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if lock.lock_path(out).read_text().startswith(f"pid {proc.pid}\n"):
                return
        except OSError:
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the first run never took the lock")


@pytest.mark.flows
def test_two_real_runs_on_one_out_take_turns_and_lose_nothing(tmp_path):
    """Two `jixiao archive` processes at once on the same OUT, with other --formats (the second
    then prunes the first's store: only after it has finished). Both end as the reports say."""
    root, out = _small_archive(tmp_path), tmp_path / "out"
    command = [sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out)]
    first = subprocess.Popen(command + ["--formats", "json"], cwd=ROOT, env=_env(tmp_path), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_holder(out, first)
        started = time.monotonic()
        second = subprocess.Popen(command + ["--formats", "json,html"], cwd=ROOT, env=_env(tmp_path), text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out1, err1 = first.communicate(timeout=300)
            first_done = time.monotonic()
            out2, err2 = second.communicate(timeout=300)
            second_done = time.monotonic()
        finally:
            second.kill()
    finally:
        first.kill()
    print(f"second run: waited {first_done - started:.1f} s, then ran {second_done - first_done:.1f} s")
    assert first.returncode == 1 and "3 个文件：已核对 3" in out1 and err1 == "", err1
    assert second.returncode == 1 and "3 个文件：已核对 3" in out2, err2  # other formats: checked again
    assert err2 == f"jixiao: {out} 正被另一次运行使用（pid {first.pid}，开始于 " + err2.split("开始于 ")[1]
    assert err2.endswith("），等待其结束…\n") and len(err2.splitlines()) == 1
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["files"] == 3 and summary["totals"]["failed"] == 0 and summary["exit_code"] == 1
    for f in summary["files"]:
        assert set(f["outputs"]) == {"json", "html"} and all((out / rel).stat().st_size for rel in f["outputs"].values())
    stores = list((out / ".jixiao" / "store").iterdir())
    assert len(stores) == 1 and len([p for p in stores[0].glob("*/*.json") if "." not in p.stem]) == 3
    assert lock.lock_path(out).read_text() == ""


@pytest.mark.flows
def test_concurrent_quick_runs_with_nothing_new_all_succeed(tmp_path):
    """The fault campaign's case: with nothing new, two runs at once crashed 6 times in 10."""
    root, out = _small_archive(tmp_path), tmp_path / "out"
    command = [sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out), "--formats", "json"]
    assert subprocess.run(command, cwd=ROOT, env=_env(tmp_path), capture_output=True, timeout=300).returncode == 1
    for _ in range(3):
        runs = [subprocess.Popen(command, cwd=ROOT, env=_env(tmp_path), text=True, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE) for _ in range(4)]
        results = [(p.wait(timeout=300), *p.communicate()) for p in runs]
        for code, stdout, stderr in results:
            assert code == 1 and "已核对 0，沿用 3" in stdout, stderr
            assert stderr == "" or "等待其结束…" in stderr and len(stderr.splitlines()) == 1, stderr
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["totals"]["cached"] == 3


@pytest.mark.flows
def test_a_real_run_killed_with_sigkill_leaves_out_free(tmp_path):
    """kill -9 of `jixiao archive` mid-run (its temporary server and forked checks may outlive
    it): a run with --no-wait right after gets the lock, and resumes."""
    from tests.flows.test_archive import _servers_of

    root, out = _small_archive(tmp_path), tmp_path / "out"
    command = [sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out), "--formats", "json"]
    env = _env(tmp_path)
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_holder(out, first)
        time.sleep(2)  # into the run: Prefect imported, the server starting
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        again = subprocess.run(command + ["--no-wait"], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=300)
        assert again.returncode == 1, again.stderr
        assert "3 个文件" in again.stdout and "正被另一次运行使用" not in again.stderr
    finally:
        first.kill()
        for pid in _servers_of(Path(env["PREFECT_HOME"])):  # the killed run's orphaned server
            os.kill(pid, signal.SIGKILL)
