"""The flows, each run under one session-wide Prefect test server: an archive run from first to
re-run, with every kind of bad file, on one worker, two, and a local Dask cluster."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.flows


def run_archive(root: Path, out: Path, runner=None, **params) -> dict:
    from flows.archive import make_runner, reconcile_archive

    flow = reconcile_archive.with_options(task_runner=runner or make_runner(2))
    params.setdefault("formats", ["json"])  # HTML and Excel cost a second a report: tested once, below
    return flow(root=str(root), out=str(out), workers=2, **params)


def by_path(summary: dict) -> dict[str, dict]:
    return {f["path"]: f for f in summary["files"]}


@pytest.fixture(scope="session")
def first_run(prefect_server, archive_template, tmp_path_factory):
    root, special = archive_template
    out = tmp_path_factory.mktemp("first") / "out"
    return root, out, run_archive(root, out)


def test_first_run_checks_every_good_file_and_lists_every_bad_one(first_run):
    root, out, summary = first_run
    files = by_path(summary)
    assert summary["schema"] == "jixiao.archive/1" and len(files) == 30
    assert summary["totals"] == {**summary["totals"], "files": 30, "checked": 16, "cached": 5, "failed": 5,
                                 "skipped": 4}
    good = [f for f in files.values() if f["status"] in ("checked", "cached")]
    assert all(f["outputs"]["json"].startswith("reports/") and (out / f["outputs"]["json"]).is_file() for f in good)
    assert files["2024/报送/sample-noext"]["status"] == "checked"
    assert "2023/科协/sample.pdf" in files["2024/财政局/重新报送-唐山科协.pdf"]["reason"]
    expected = {"2024/教育局/会议通知.pdf": 4, "2024/加密.pdf": 3, "2024/damaged.pdf": 3, "2024/scan.pdf": 3,
                "2024/empty.pdf": 3}
    for path, code in expected.items():
        assert files[path]["status"] == "failed" and files[path]["exit_code"] == code and files[path]["reason"]
    assert files["2024/加密.pdf"]["sha256"] and files["2024/scan.pdf"]["sha256"]
    assert "加密" in files["2024/加密.pdf"]["reason"] and "损坏" in files["2024/damaged.pdf"]["reason"]
    for path in ("2024/loop", "2024/outside.pdf", "2024/fifo.pdf"):
        assert files[path]["status"] == "skipped" and files[path]["reason"]
    assert summary["exit_code"] == 4  # the worst outcome wins: a readable file with no figures
    sample = files["2023/科协/sample.pdf"]
    assert sample["counts"] == {"error": 2, "warning": 2, "info": 7} and sample["year"] == 2023
    assert len(sample["changes"]["new"]) == 11 and sample["changes"]["resolved"] == []
    doc = json.loads((out / sample["outputs"]["json"]).read_text(encoding="utf-8"))
    assert doc["source"]["path"] == "2023/科协/sample.pdf"
    assert [f["id"] for f in doc["findings"]] == sample["changes"]["new"]
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == summary
    from prefect.artifacts import Artifact

    table = Artifact.get("jixiao-archive-files")
    assert table is not None
    listed = [row["file"] for row in json.loads(table.data)]
    assert len(listed) == 28  # PDFs only: notes.txt and the loop are counted, not listed
    assert not any(name in ("2024/notes.txt", "2024/loop") for name in listed)
    assert "失败" in Artifact.get("jixiao-archive-summary").data


def test_tables_and_index_hold_every_report(first_run):
    import duckdb

    root, out, summary = first_run
    good = {f["path"] for f in summary["files"] if f["status"] in ("checked", "cached")}
    with duckdb.connect(str(out / "archive.duckdb"), read_only=True) as con:
        in_projects = {r[0] for r in con.execute("SELECT DISTINCT file FROM projects").fetchall()}
        findings = con.execute("SELECT count(*) FROM findings WHERE file = '2023/科协/sample.pdf'").fetchone()[0]
        low = con.execute("SELECT count(*) FROM projects WHERE year = 2023 AND actual_wan / budget_wan < 0.6")\
            .fetchone()
        files = con.execute("SELECT count(*) FROM files").fetchone()[0]
    assert in_projects == good and findings == 11 and low[0] > 0 and files == 30
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(path in index for path in good)


def test_each_reports_table_rows_are_its_own_read_back_from_the_store(first_run):
    """The run holds no table rows (a thousand reports' would stay in its process): the tables'
    process reads them back from the store, each report's projects in its own order."""
    import pyarrow.parquet as pq

    root, out, summary = first_run
    table = pq.read_table(out / "projects.parquet", columns=["file", "seq", "name"]).to_pylist()
    for entry in summary["files"]:
        if entry["status"] not in ("checked", "cached"):
            continue
        doc = json.loads((out / entry["outputs"]["json"]).read_text(encoding="utf-8"))
        mine = [(r["seq"], r["name"]) for r in table if r["file"] == entry["path"]]
        assert mine == [(p["seq"], p["name"]) for p in doc["projects"]] and mine, entry["path"]


def test_a_run_holds_of_a_record_only_what_the_summary_needs():
    from flows.store import held

    record = {"status": "checked", "finding_ids": ["a", "b"], "renderings": {"json": "x.r.json"},
              "rows": {"projects": [{"name": "项目"}] * 3,
                       "findings": [{"id": "a", "severity": "error", "quote": "……"},
                                    {"id": "b", "severity": "info", "quote": "……"}]}}
    kept = held(record)
    assert kept["rows"] == {"findings": [{"id": "a", "severity": "error"}, {"id": "b", "severity": "info"}]}
    assert {k: v for k, v in kept.items() if k != "rows"} == {k: v for k, v in record.items() if k != "rows"}
    assert held(kept) == kept and held({"status": "failed", "rows": None}) == {"status": "failed", "rows": None}


def test_rerun_checks_none_and_changing_one_file_rechecks_one(first_run, tmp_path):
    root, out, _ = first_run
    again_out = tmp_path / "out"
    shutil.copytree(out, again_out)
    again = run_archive(root, again_out)
    assert again["totals"]["checked"] == 0 and again["totals"]["cached"] == 21
    assert all(f["changes"]["new"] == [] and f["changes"]["resolved"] == [] for f in again["files"])
    assert again["exit_code"] == 4

    # a copy of the archive with one report corrected: only that one is read again
    changed_root = tmp_path / "archive"
    shutil.copytree(root, changed_root, symlinks=True, ignore=lambda d, names: [n for n in names if n == "fifo.pdf"])
    target = changed_root / "2023" / "科协" / "sample.pdf"
    shutil.copyfile(FIXTURES / "consistent" / "report.pdf", target)
    os.utime(target, (1, 1))
    changed = run_archive(changed_root, again_out)
    files = by_path(changed)
    assert changed["totals"]["checked"] == 0  # its new content is already known (2023/科协/consistent.pdf)
    assert files["2023/科协/sample.pdf"]["status"] == "cached"
    assert files["2023/科协/sample.pdf"]["changes"]["resolved"]  # the two sum errors are gone
    assert "sum_mismatch" in " ".join(files["2023/科协/sample.pdf"]["changes"]["resolved"])
    target.write_bytes(target.read_bytes() + b"\n% corrected again\n")
    once_more = run_archive(changed_root, again_out)
    assert once_more["totals"]["checked"] == 1 and by_path(once_more)["2023/科协/sample.pdf"]["status"] == "checked"
    assert once_more["removed"] == [] and "2024/fifo.pdf" in changed["removed"]


def test_failures_are_kept_unless_retried_and_a_hang_is_recorded(prefect_server, tmp_path):
    root = tmp_path / "small"
    root.mkdir()
    shutil.copyfile(FIXTURES / "sample" / "report.pdf", root / "a.pdf")
    out = tmp_path / "out"
    hung = run_archive(root, out, timeout=0.01)
    assert by_path(hung)["a.pdf"]["status"] == "failed" and "超时" in by_path(hung)["a.pdf"]["reason"]
    assert hung["exit_code"] == 3
    kept = run_archive(root, out)
    assert by_path(kept)["a.pdf"]["status"] == "failed" and kept["totals"]["checked"] == 0
    retried = run_archive(root, out, retry_failed=True)
    assert by_path(retried)["a.pdf"]["status"] == "checked" and retried["exit_code"] == 1


def test_an_interrupted_run_resumes_where_it_stopped(first_run, tmp_path):
    root, out, _ = first_run
    resumed_out = tmp_path / "out"
    shutil.copytree(out, resumed_out)
    (resumed_out / "summary.json").unlink()  # the run stopped before its summary
    records = sorted(p for p in (resumed_out / ".jixiao" / "store").glob("*/*/*.json") if p.stem.count(".") == 0)
    checked = [r for r in records if json.loads(r.read_text(encoding="utf-8"))["status"] == "checked"]
    for record in checked[:3]:  # and before these three were stored
        record.unlink()
    resumed = run_archive(root, resumed_out)
    assert resumed["totals"]["checked"] == 3


def _same_outputs(a: Path, b: Path) -> None:
    import pyarrow.parquet as pq

    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    assert (a / "index.html").read_bytes() == (b / "index.html").read_bytes()
    reports = sorted(p.relative_to(a) for p in (a / "reports").rglob("*") if p.is_file())
    assert reports == sorted(p.relative_to(b) for p in (b / "reports").rglob("*") if p.is_file())
    assert all(_content(a / r) == _content(b / r) for r in reports)
    for name in ("projects", "findings", "files"):
        assert pq.read_table(a / f"{name}.parquet").equals(pq.read_table(b / f"{name}.parquet"))


def _content(path: Path):
    """A file's bytes; for a workbook, its parts without the time it was written (docProps/core.xml)."""
    if path.suffix != ".xlsx":
        return path.read_bytes()
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_one_worker_gives_the_same_output(first_run, tmp_path):
    from flows.archive import make_runner

    root, out, _ = first_run
    run_archive(root, tmp_path / "out", make_runner(1))
    _same_outputs(out, tmp_path / "out")


def test_a_local_dask_cluster_gives_the_same_output(first_run, tmp_path):
    from distributed import LocalCluster
    from prefect_dask import DaskTaskRunner

    root, out, _ = first_run
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run_archive(root, tmp_path / "out", DaskTaskRunner(address=cluster.scheduler_address))
    _same_outputs(out, tmp_path / "out")


def test_check_report_flow(prefect_server, tmp_path):
    from flows.archive import check_report

    got = check_report(str(FIXTURES / "sample" / "report.pdf"), out=str(tmp_path), formats=("json",))
    assert got["exit_code"] == 1 and got["counts"]["error"] == 2
    assert json.loads(Path(got["outputs"]["json"]).read_text(encoding="utf-8"))["summary"]["errors"] == 2


def _servers_of(home: Path) -> set[int]:
    """Temporary Prefect servers started with this PREFECT_HOME (other test runs may share the machine)."""
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"prefect.server.api.server:create_app" in (proc / "cmdline").read_bytes() \
                    and f"PREFECT_HOME={home}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                found.add(int(proc.name))
        except OSError:
            pass
    return found


def test_cli_runs_on_a_fresh_machine_and_leaves_nothing_running(tmp_path):
    """`jixiao archive DIR --out OUT` as a real process, every format: its own temporary server,
    stopped after. (The acceptance run over all of fixtures/ is in the README.)"""
    root = tmp_path / "archive"
    (root / "2023").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "sample" / "report.pdf", root / "2023" / "sample.pdf")
    shutil.copyfile(FIXTURES / "no-figures" / "report.pdf", root / "notice.pdf")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(tmp_path / "out")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 4, proc.stderr  # notice.pdf has no report figures: the worst outcome wins
    assert proc.stderr.startswith("jixiao: notice.pdf：未找到") and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "2 个文件：已核对 1" in proc.stdout
    out = tmp_path / "out"
    sample = by_path(json.loads((out / "summary.json").read_text(encoding="utf-8")))["2023/sample.pdf"]
    from flows.pipeline import available_formats

    assert set(sample["outputs"]) == set(available_formats())
    assert all((out / rel).stat().st_size > 0 for rel in sample["outputs"].values())
    assert all((out / n).is_file() for n in ("projects.parquet", "findings.parquet", "archive.duckdb", "index.html"))
    assert not _servers_of(tmp_path / "prefect-home")


def test_failure_lines_name_the_path_in_the_archive():
    from flows.summary import failure_line

    assert failure_line("2023/a/report.pdf", "report.pdf：PDF 已加密") == "2023/a/report.pdf：PDF 已加密"
    assert failure_line("2023/a/report.pdf", "2023/a/report.pdf：未找到") == "2023/a/report.pdf：未找到"
    assert failure_line("a.pdf", "处理超时") == "a.pdf：处理超时"


def test_usage_errors_exit_2_before_prefect_is_loaded(tmp_path, capsys):
    from flows.cli import main

    assert main(["archive", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert "不是文件夹" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main(["archive", str(tmp_path), "--out", str(tmp_path / "file")]) == 2


def test_serve_needs_a_prefect_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "serve", str(tmp_path), "--out", str(tmp_path / "out"),
                           "--cron", "0 2 * * *"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "prefect server start" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_nothing_changed_and_no_server_gives_the_same_summary_without_prefect(prefect_server, tmp_path):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.archive_cli import unchanged

    root, out = tmp_path / "archive", tmp_path / "out"
    (root / "2023").mkdir(parents=True)
    for case in ("sample", "consistent"):
        shutil.copyfile(FIXTURES / case / "report.pdf", root / "2023" / f"{case}.pdf")
    (root / "notes.txt").write_text("not a report", encoding="utf-8")
    run_archive(root, out)
    again = run_archive(root, out)  # through the flow (the test server is configured)
    assert again["totals"]["checked"] == 0
    with temporary_settings(updates={PREFECT_API_URL: None}):
        assert not PREFECT_API_URL.value()
        quick = unchanged(str(root), str(out), formats=["json"])
        assert quick is not None
        assert quick["files"] == again["files"] and quick["totals"] == again["totals"]
        assert quick["exit_code"] == again["exit_code"] == 1
        # Something new to check: the flow is needed.
        (root / "2023" / "new.pdf").write_bytes((FIXTURES / "fault-rate" / "report.pdf").read_bytes())
        assert unchanged(str(root), str(out), formats=["json"]) is None
    # With a server configured the flow runs even with nothing to check (the run shows in its UI).
    (root / "2023" / "new.pdf").unlink()
    assert unchanged(str(root), str(out), formats=["json"]) is None


def test_every_output_has_the_mode_the_umask_gives(first_run):
    """Outputs written through a temporary file were 0600 whatever the umask (mkstemp): a
    reviewers' group could not read index.html, summary.json or any report."""
    root, out, _ = first_run
    mask = os.umask(0)
    os.umask(mask)
    expected = 0o666 & ~mask
    outputs = [p for p in out.rglob("*") if p.is_file() and ".jixiao" not in p.relative_to(out).parts]
    assert {"index.html", "summary.json", "archive.duckdb", "projects.parquet"} <= {p.name for p in outputs}
    assert any(p.suffix == ".json" for p in (out / "reports").rglob("*"))
    assert {p.relative_to(out).as_posix(): oct(p.stat().st_mode & 0o777) for p in outputs
            if p.stat().st_mode & 0o777 != expected} == {}


def test_an_atomic_write_under_umask_022_is_0644_and_under_027_is_0640(tmp_path):
    from flows.files import write_atomic

    for mask, mode in ((0o022, 0o644), (0o027, 0o640)):
        old = os.umask(mask)
        try:
            write_atomic(tmp_path / f"{mask:o}.html", b"<p>")
        finally:
            os.umask(old)
        assert (tmp_path / f"{mask:o}.html").stat().st_mode & 0o777 == mode
