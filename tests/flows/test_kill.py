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


def test_the_temporary_server_dying_mid_run_is_one_line_exit_6_and_a_summary(tmp_path):
    root, out = _archive(tmp_path, 20), tmp_path / "out"
    proc = _start(tmp_path, root, out)
    try:
        _wait_for(lambda: _stored(out) >= 2, 240, proc)
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
    assert len(done) >= 2 and len(done) + summary["totals"]["failed"] == 20
    assert all("下次运行将重试" in f["reason"] for f in summary["files"] if f["status"] == "failed")
    assert all((out / f["outputs"]["json"]).is_file() for f in done)
