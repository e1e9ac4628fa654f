"""What an operator meets in a real deployment: a configured Prefect server that does not answer
(before or during a run), the flow run's final state, names and log in the UI, the schedule's
time zone, and one Ctrl-C at a terminal during a first run."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from tests.flows.test_lifetime import alive, descendants, gone_within

pytestmark = pytest.mark.flows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env.update(extra)
    return env


def _archive(root: Path, copies: int) -> Path:
    """`copies` distinct reports (the sample with a byte appended: same figures, other hash)."""
    root.mkdir(parents=True)
    pdf = (FIXTURES / "sample" / "report.pdf").read_bytes()
    for n in range(copies):
        (root / f"r{n:02d}.pdf").write_bytes(pdf + b"\n%% copy %d\n" % n)
    return root


def _records(out: Path) -> list[Path]:
    """The stored results (a record is `<sha>.json`; its renderings `<sha>.r.json`)."""
    return [p for p in (out / ".jixiao" / "store").glob("*/*/*.json") if p.name.count(".") == 1]


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------------------- a server that does not answer
@pytest.mark.parametrize("command", ["archive", "serve"])
def test_a_configured_server_that_does_not_answer_is_one_line_and_exit_6(tmp_path, command):
    root = _archive(tmp_path / "archive", 1)
    out = tmp_path / "out"
    url = f"http://127.0.0.1:{_free_port()}/api"  # nothing listens there
    args = [sys.executable, "-m", "flows.cli", command, str(root), "--out", str(out)]
    if command == "serve":
        args += ["--cron", "0 2 * * *", "--timezone", "UTC"]
    start = time.monotonic()
    proc = subprocess.run(args, cwd=ROOT, env=_env(tmp_path, PREFECT_API_URL=url), capture_output=True, text=True,
                          timeout=120)
    took = time.monotonic() - start
    print(f"{command} against {url}: exit {proc.returncode} after {took:.2f} s")
    assert proc.returncode == 6, proc.stderr
    assert _lines(proc.stderr) == [proc.stderr.strip()] and proc.stderr.startswith("jixiao: Prefect 服务器 " + url)
    assert "prefect server start" in proc.stderr
    # archive can fall back on a temporary server; serve cannot (it has no scheduler)
    assert ("unset PREFECT_API_URL" in proc.stderr) == (command == "archive")
    assert not out.exists()  # checked before anything is written, the lock included
    assert took < 10


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802 — http.server's name
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(("status", "answers"), [(200, True), (401, True), (503, False)])
def test_any_answer_below_500_counts_as_an_answer(status, answers):
    """A server that asks for an API key is there (Prefect says what it wants); a proxy's 503
    in front of a stopped server is not."""
    from flows.settings import unanswered

    handler = type("Handler", (_Answer,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        why = unanswered(f"http://127.0.0.1:{server.server_address[1]}/api", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert (why is None) == answers and (answers or why == f"HTTP {status}")


def test_a_server_that_takes_connections_but_never_answers_is_given_up_in_its_timeout():
    from flows.settings import unanswered

    with socket.socket() as listening:  # the kernel completes the connection; nobody reads it
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        start = time.monotonic()
        why = unanswered(f"http://127.0.0.1:{listening.getsockname()[1]}/api", timeout=0.5)
    assert why == "0.5 秒内没有响应" and time.monotonic() - start < 5
    assert unanswered(f"http://127.0.0.1:{_free_port()}/api") == "连接被拒绝，该地址没有服务在监听"


def test_a_configured_server_that_stops_mid_run_ends_the_run_in_one_line_with_its_results_kept(tmp_path,
                                                                                             monkeypatch):
    """A real Prefect server (flows.server's, on its own) configured by PREFECT_API_URL, stopped
    once the run has stored some results: exit 6, one line, the results and a summary kept."""
    from flows.server import TemporaryServer

    root, out = _archive(tmp_path / "archive", 30), tmp_path / "out"
    with monkeypatch.context() as env:  # the server takes this process's environment: a database of its own
        env.setenv("PREFECT_HOME", str(tmp_path / "server-home"))
        server = TemporaryServer().start()
    try:
        url = server.wait(timeout=120)
        run = subprocess.Popen([sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out),
                                "--formats", "json", "--workers", "2"], cwd=ROOT,
                               env=_env(tmp_path, PREFECT_API_URL=url), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 240
            while len(_records(out)) < 2 and run.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert run.poll() is None and len(_records(out)) >= 2, "no result stored while the run went on"
            server.stop()
            stopped = time.monotonic()
            _, err = run.communicate(timeout=120)
            took = time.monotonic() - stopped
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    finally:
        server.stop()
    print(f"configured server stopped mid-run: exit {run.returncode} after {took:.2f} s")
    assert run.returncode == 6, err
    assert _lines(err) == [err.strip()] and f"Prefect 服务器 {url} 在运行中停止响应" in err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert 2 <= summary["totals"]["checked"] == len(_records(out)) <= 30  # the rest may finish meanwhile
    assert took < 30


GONE_AFTER_CHECKS = """
import os, signal, sys
from flows import archive

watch = archive._watch_after_checks

def server_gone_once_checked(records, salvage):  # the summary, artifacts and final state still to come
    watch(records, salvage)
    os.kill(int(os.environ["SERVER_PID"]), signal.SIGKILL)

archive._watch_after_checks = server_gone_once_checked
if __name__ == "__main__":
    from flows.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def test_a_configured_server_gone_after_the_checks_is_one_line_not_a_hang(tmp_path, monkeypatch):
    """The summary task, the artifacts and the run's final state go through the server too: with
    it gone after the checks the run hung in Prefect's retries (found when the checks of the test
    above finished before the server was seen gone)."""
    from flows.server import TemporaryServer

    root, out = _archive(tmp_path / "archive", 3), tmp_path / "out"
    driver = tmp_path / "driver.py"
    driver.write_text(GONE_AFTER_CHECKS, encoding="utf-8")
    with monkeypatch.context() as env:
        env.setenv("PREFECT_HOME", str(tmp_path / "server-home"))
        server = TemporaryServer().start()
    try:
        url = server.wait(timeout=120)
        environ = _env(tmp_path, PREFECT_API_URL=url, SERVER_PID=str(server.process.pid),
                       PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        run = subprocess.run([sys.executable, str(driver), "archive", str(root), "--out", str(out), "--formats", "json"],
                             cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert run.returncode == 6, run.stderr
    assert _lines(run.stderr) == [run.stderr.strip()] and f"Prefect 服务器 {url} 在运行中停止响应" in run.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["checked"] == 3 == len(_records(out))


# ---------------------------------------------------------------------------- the run in the UI
def test_the_final_state_says_failed_when_a_file_failed_and_the_counts(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    from flows.archive import make_runner, reconcile_archive

    root = tmp_path / "绩效自评"
    root.mkdir()
    shutil.copyfile(FIXTURES / "consistent" / "report.pdf", root / "good.pdf")
    flow = reconcile_archive.with_options(task_runner=make_runner(1))
    good = flow(root=str(root), out=str(tmp_path / "out-good"), workers=1, formats=["json"], return_state=True)
    assert good.is_completed() and good.message.startswith("1 个文件：已核对 1，沿用 0，失败 0，跳过 0；")

    (root / "damaged.pdf").write_bytes((FIXTURES / "sample" / "report.pdf").read_bytes()[:3000])
    (root / "notes.txt").write_text("not a report", encoding="utf-8")
    state = flow(root=str(root), out=str(tmp_path / "out"), workers=1, formats=["json"], return_state=True)
    assert state.is_failed() and state.message.startswith("3 个文件：已核对 1，沿用 0，失败 1，跳过 1；")
    summary = state.result(raise_on_failure=False)
    assert summary["totals"]["failed"] == 1 and summary["exit_code"] == 3
    # without return_state a caller gets the summary, as from any flow, though the run Failed
    again = flow(root=str(root), out=str(tmp_path / "out"), workers=1, formats=["json"])
    assert again["totals"]["failed"] == 1 and again["totals"]["cached"] == 1

    APILogWorker.drain_all(timeout=30)
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
    assert run.name == f"绩效自评-{date.today().isoformat()}"
    assert run.state.is_failed() and run.state.message == state.message
    ours = [log.message for log in logs if log.level == 20]
    assert any(m.startswith("damaged.pdf：") and "损坏" in m for m in ours), ours
    assert any(m.startswith(state.message) and m.endswith("（退出码 3）") for m in ours), ours


def test_task_run_names_say_which_files():
    from flows.archive import files_task_name

    items = [(f"2023/{name}", f"/a/2023/{name}", "0" * 64) for name in ("a.pdf", "b.pdf", "c.pdf")]
    assert files_task_name({"items": items}) == "check 3 files: 2023/a.pdf … 2023/c.pdf"
    assert files_task_name({"items": items[:2]}) == "check 2 files: 2023/a.pdf 2023/b.pdf"
    assert files_task_name({"items": [("x\u202e.pdf", "/x", "0")]}) == "check 1 file: x\\u202e.pdf"


def _file(path: str, status: str, reason: str = "") -> dict:
    return {"path": path, "status": status, "exit_code": 3 if status == "failed" else 0, "reason": reason,
            "counts": {"error": 0, "warning": 0, "info": 0}, "changes": {"new": [], "resolved": [], "unchanged": 0},
            "organization": "", "year": None, "cached": False}


def test_artifacts_list_pdfs_only_and_escape_what_they_show():
    from flows.archive import markdown, table_rows

    files = [_file("a.pdf", "checked"), _file("evil|\u202efdp.exe.pdf", "failed", "*损坏* [x](http://e)"),
             _file("fifo.pdf", "skipped", "不是普通文件（命名管道），已跳过"),
             *(_file(f"附件{n}.docx", "skipped", "不是 PDF 文件，已跳过") for n in range(3))]
    totals = {"files": 6, "checked": 1, "cached": 0, "failed": 1, "skipped": 4, "error": 0, "warning": 0, "info": 0,
              "new": 0, "resolved": 0}
    result = {"root": "/srv/<b>归档</b>", "files": files, "totals": totals, "exit_code": 3}
    rows = table_rows(result)
    assert [r["file"] for r in rows] == ["a.pdf", "evil|\\u202efdp.exe.pdf", "fifo.pdf"]  # a skipped .pdf is listed
    text = markdown(result)
    assert "附件" not in text and "另有 3 个非 PDF 文件已跳过，未列出" in text
    assert "\u202e" not in text and "<b>" not in text and "[x](http" not in text
    assert "# 归档核对：/srv/\\<b\\>归档" in text and "\\[x\\](http://e)" in text  # shown as written, no markup
    assert "evil\\|\\\\u202efdp" in text  # the cell's bar and the escape's backslash, both literal


# ---------------------------------------------------------------------------- the schedule's time zone
def test_the_machines_zone_comes_from_tz_etc_timezone_or_the_localtime_link(tmp_path):
    from flows.settings import local_timezone

    etc = tmp_path / "etc"
    etc.mkdir()
    assert local_timezone({}, etc) == ("UTC", "无法确定本机时区，按 UTC 调度；可用 --timezone 指定（如 Asia/Shanghai）")
    os.symlink("/usr/share/zoneinfo/Asia/Shanghai", etc / "localtime")
    assert local_timezone({}, etc) == ("Asia/Shanghai", "")
    (etc / "timezone").write_text("Asia/Urumqi\n", encoding="utf-8")
    assert local_timezone({}, etc) == ("Asia/Urumqi", "")
    assert local_timezone({"TZ": ":Europe/Berlin"}, etc) == ("Europe/Berlin", "")
    assert local_timezone({"TZ": "CST-8"}, etc) == ("Asia/Urumqi", "")  # a POSIX rule is no IANA name


@pytest.mark.parametrize(("option", "value", "said"), [("--cron", "0 2 * *", "不是有效的 cron 表达式"),
                                                       ("--timezone", "Mars/Olympus", "不是有效的时区名称")])
def test_a_bad_schedule_is_refused_before_serving(tmp_path, option, value, said):
    args = {"--cron": "0 2 * * *", "--timezone": "Asia/Shanghai", option: value}
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "serve", str(tmp_path), "--out", str(tmp_path / "out"),
                           *(x for pair in args.items() for x in pair)], cwd=ROOT,
                          env=_env(tmp_path, PREFECT_API_URL=f"http://127.0.0.1:{_free_port()}/api"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and _lines(proc.stderr) == [f"jixiao: {option} {value!r} {said}" +
                                                            proc.stderr.strip().split(said, 1)[1]]


def test_serve_stores_the_schedule_in_its_time_zone(prefect_server, tmp_path):
    """`jixiao serve --timezone Asia/Shanghai --cron "0 2 * * *"` against the session's test server:
    the deployment it registers, read back through the API, runs at 02:00 Shanghai time."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    name = f"tz-{uuid.uuid4().hex[:8]}"
    root = _archive(tmp_path / "archive", 1)
    serving = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", str(root), "--out", str(tmp_path / "out"),
                                "--cron", "0 2 * * *", "--timezone", "Asia/Shanghai", "--name", name], cwd=ROOT,
                               env=_env(tmp_path, PREFECT_API_URL=PREFECT_API_URL.value()),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deployment, deadline = None, time.monotonic() + 120
        with get_client(sync_client=True) as client:
            while deployment is None and serving.poll() is None and time.monotonic() < deadline:
                try:
                    deployment = client.read_deployment_by_name(f"reconcile-archive/{name}")
                except ObjectNotFound:
                    time.sleep(0.5)
        assert deployment is not None, serving.stderr.read() if serving.poll() is not None else "not registered"
    finally:
        serving.send_signal(signal.SIGINT)
        try:
            serving.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serving.kill()
            serving.wait()
        serving.stderr.close()
    [schedule] = [s.schedule for s in deployment.schedules]
    assert (schedule.cron, schedule.timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert deployment.parameters["root"] == str(root)


# ---------------------------------------------------------------------------- Ctrl-C at a terminal
def _server_port(pids: list[int]) -> int | None:
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().split(b"\0")
        except OSError:
            continue
        if b"prefect.server.api.server:create_app" in command:
            return int(command[command.index(b"--port") + 1])
    return None


def test_one_ctrl_c_at_a_terminal_during_a_first_run(tmp_path):
    """SIGINT to the run's whole process group, as a terminal sends it, once some results are
    stored: exit 130 in 10 s, one line, the results kept for the next run, the temporary
    server stopped, no process left."""
    from flows import pipeline, plan, store
    from flows.discover import discover

    root, out = _archive(tmp_path / "archive", 30), tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out),
                            "--formats", "json", "--workers", "2"], cwd=ROOT, env=_env(tmp_path),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    tree: list[int] = []
    try:
        deadline = time.monotonic() + 240
        while len(_records(out)) < 2 and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert run.poll() is None and len(_records(out)) >= 2, "no result stored while the run went on"
        tree = descendants(run.pid) + [run.pid]
        port = _server_port(tree)
        assert port is not None, "no temporary server among the run's processes"
        start = time.monotonic()
        os.killpg(run.pid, signal.SIGINT)
        _, err = run.communicate(timeout=60)
        took = time.monotonic() - start
        left = gone_within(tree, 10)
    finally:
        for pid in tree + descendants(run.pid):
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if run.poll() is None:
            run.kill()
            run.wait()
    print(f"Ctrl-C to the process group: exit {run.returncode} after {took:.2f} s, {len(tree)} processes")
    assert run.returncode == 130 and took < 10, err
    assert _lines(err) == ["jixiao: 已中断；已完成的文件已保存，再次运行将从中断处继续"], err
    assert left is not None, [pid for pid in tree if alive(pid)]
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # nothing listens on the server's port
    kept = [json.loads(p.read_text(encoding="utf-8")) for p in _records(out)]
    assert kept and all(r["status"] == "checked" for r in kept)  # an interrupted file is no failure
    versions = store.versions(None, pipeline.archive_formats(["json"]))
    again = plan.triage(discover(root, exclude=(out,)), store.Store(out, versions))
    assert sum(item.status == plan.CACHED for item in again.items) == len(kept) < 30
