"""Real `jixiao archive` processes killed mid-run: results are stored as each file finishes, so a
kill -9 costs at most the files in flight; a temporary Prefect server that dies mid-run is
noticed within seconds, what was done is summarised, and the run exits 6 in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.flows


def _archive(tmp_path: Path, n: int) -> Path:
    """n reports with distinct contents (a byte appended), so each is checked on its own."""
    root = tmp_path / "archive"
    root.mkdir()
    pdf = (FIXTURES / "sample" / "report.pdf").read_bytes()
    for i in range(n):
        (root / f"r{i:02d}.pdf").write_bytes(pdf + b"\n%% copy %d\n" % i)
    return root


def _start(tmp_path: Path, root: Path, out: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    return subprocess.Popen([sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out),
                             "--workers", "1", "--formats", "json", "--quiet"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stored(out: Path) -> int:
    """Results in the store: records, not their renderings (`<sha>.r.json`)."""
    return sum(1 for p in (out / ".jixiao" / "store").glob("*/*/*.json") if not p.name.endswith(".r.json"))


def _wait_for(condition, seconds: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the run ended early ({proc.returncode}): {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("timed out waiting")
        time.sleep(0.1)


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except (OSError, IndexError, ValueError):
            continue
    return found


def test_a_run_killed_at_any_moment_rechecks_only_the_files_in_flight(tmp_path, prefect_server):
    root, out = _archive(tmp_path, 12), tmp_path / "out"
    proc = _start(tmp_path, root, out)
    try:
        _wait_for(lambda: _stored(out) >= 3, 240, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    stored = _stored(out)
    assert 3 <= stored < 12
    from tests.flows.test_archive import run_archive

    again = run_archive(root, out)
    statuses = [f["status"] for f in again["files"]]
    assert statuses.count("cached") == stored and statuses.count("checked") == 12 - stored


def _checking(command: str) -> bool:
    """Whether the flow run on the server started with this command line has submitted its
    check tasks (Prefect's API: a task run named "check …")."""
    import urllib.request

    words = command.split()
    port = words[words.index("--port") + 1]
    query = json.dumps({"task_runs": {"name": {"like_": "check"}}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/task_runs/filter", data=query,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:
            return bool(json.loads(answer.read()))
    except (OSError, ValueError):
        return False


def test_the_temporary_server_dying_mid_run_is_one_line_exit_6_and_a_summary(tmp_path):
    """Mid-run: once the flow's check tasks run and it has stored files of its own (the files
    checked while the server booted, the head start's, are stored before it answers)."""
    files = 150
    root, out = _archive(tmp_path, files), tmp_path / "out"
    proc = _start(tmp_path, root, out)
    try:
        _wait_for(lambda: any("uvicorn" in c and _checking(c) for _, c in _children(proc.pid)), 240, proc)
        before = _stored(out)
        _wait_for(lambda: _stored(out) >= before + 2, 240, proc)
        servers = [pid for pid, command in _children(proc.pid) if "uvicorn" in command]
        assert len(servers) == 1, _children(proc.pid)
        os.kill(servers[0], signal.SIGKILL)
        killed = time.monotonic()
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - killed
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 6, err
    assert took < 15, took
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "临时 Prefect 服务器在运行中意外退出" in lines[0], err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    done = [f for f in summary["files"] if f["status"] == "checked"]
    assert len(done) >= 2 and len(done) + summary["totals"]["failed"] == files
    assert all("下次运行将重试" in f["reason"] for f in summary["files"] if f["status"] == "failed")
    assert all((out / f["outputs"]["json"]).is_file() for f in done)


def _answers(command: str) -> bool:
    import urllib.request

    words = command.split()
    port = words[words.index("--port") + 1]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


def test_the_temporary_server_dying_as_the_flow_starts_is_one_line_too(tmp_path):
    """Killed the moment it first answers: the run is waiting for it, or its flow engine is
    starting (before the flow watches the server). Either way one line, no traceback; the
    files checked while it booted are kept. (Prefect's engine raised "Failed to reach API"
    with a 40-line traceback and exit 1 before.)"""
    root, out = _archive(tmp_path, 40), tmp_path / "out"
    proc = _start(tmp_path, root, out)
    try:
        _wait_for(lambda: any("uvicorn" in c and _answers(c) for _, c in _children(proc.pid)), 240, proc)
        servers = [pid for pid, command in _children(proc.pid) if "uvicorn" in command]
        os.kill(servers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jixiao: ") and "临时" in lines[0] and "服务器" in lines[0], err
    assert proc.returncode in (2, 6), err  # 2: it died before the run saw it answer; 6: after


def test_a_flow_engine_that_cannot_reach_the_dead_server_is_exit_6(monkeypatch):
    """The window the test above cannot aim at: the run has seen the server answer and Prefect's
    engine fails to reach it as the flow starts. Before the fix: Prefect's RuntimeError, a
    traceback and exit 1."""
    from contextlib import nullcontext

    from flows import archive, settings

    class Dead:
        process = type("Process", (), {"poll": staticmethod(lambda: -9)})()

    class Flow:
        def with_options(self, **_):
            return self

        def __call__(self, **_):
            raise RuntimeError("Failed to reach API at http://127.0.0.1:1/api/")

    monkeypatch.setattr(archive, "reconcile_archive", Flow())
    monkeypatch.setattr(archive, "make_runner", lambda *a: None)
    monkeypatch.setattr(settings, "api", lambda server=None: nullcontext(None))
    with pytest.raises(settings.ServiceUnavailable) as raised:
        archive.run("root", "out", workers=1, server=Dead())
    assert "临时 Prefect 服务器在运行中意外退出" in str(raised.value)
    assert raised.value.exit_code == 6
