"""flows.tables replaces the tables whole or not at all: on a full disk (a real one, a small
tmpfs, where this machine allows mounting one; else ENOSPC injected) the old Parquet files and
archive.duckdb stay byte for byte, readable, and the run says so in one line with exit 5."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from extract.errors import ExitCode, OutputError
from flows import tables
from tests.conftest import FIXTURES, ROOT

FILES = ("projects.parquet", "findings.parquet", "files.parquet", "archive.duckdb")


def synthetic(n: int, tag: str) -> dict:
    """Three tables of n rows each, of text that does not compress away."""
    import pyarrow as pa

    def text(i: int, salt: str) -> str:
        return hashlib.sha256(f"{tag}{salt}{i}".encode()).hexdigest()

    amounts = pa.array([Decimal(i) / 100 for i in range(n)], type=pa.decimal128(38, 10))
    return {
        "projects": pa.table({"file": [f"{tag}/{i % 97}.pdf" for i in range(n)], "name": [text(i, "p") for i in range(n)],
                              "budget_wan": amounts}),
        "findings": pa.table({"file": [f"{tag}/{i % 97}.pdf" for i in range(n)], "id": [text(i, "f") for i in range(n)],
                              "message": [text(i, "m") * 2 for i in range(n)]}),
        "files": pa.table({"file": [f"{tag}/{i}.pdf" for i in range(min(n, 97))],
                           "status": ["checked"] * min(n, 97)}),
    }


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in FILES}


def readable(out: Path) -> dict[str, int]:
    """Row counts per table, read from the Parquet files and from archive.duckdb (they must agree)."""
    import duckdb
    import pyarrow.parquet as pq

    counts = {name: pq.read_table(out / f"{name}.parquet").num_rows for name in ("projects", "findings", "files")}
    with duckdb.connect(str(out / "archive.duckdb"), read_only=True) as con:
        in_db = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in counts}
    assert in_db == counts
    return counts


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".") or p.name.endswith((".tmp", ".wal")))


# ------------------------------------------------------------------------------- a real full disk
@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs (we are root here); skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True,
                          text=True, timeout=30)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True, timeout=30).returncode:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def fill(disk: Path, leave: int) -> None:
    """Take all the free space but `leave` bytes."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    with open(disk / "filler", "ab") as handle:
        handle.write(b"\0" * max(0, free - leave))
        handle.flush()
        os.fsync(handle.fileno())


# Free space left before the new tables (2.6 MiB of Parquet, 2.4 MiB of DuckDB) are written. With
# DuckDB 2.0.1 the write fails in the Parquet files below 2.6 MiB, in DuckDB's write-ahead log up
# to 6 MiB, in its checkpoint up to 8.3 MiB (the step whose failure, at close, left an empty file
# without a word), and succeeds from 8.5 MiB.
LEAVE = [0, 1 << 20, 2 << 20, 3 << 20, 5 << 20, 7 << 20, 8 << 20, 10 << 20]


@pytest.mark.parametrize("leave", LEAVE)
def test_a_full_disk_leaves_the_old_tables_byte_identical(small_disk, leave):
    out = small_disk / "out"
    out.mkdir()
    tables.publish(out, synthetic(50, "old"))
    before, old_counts = snapshot(out), readable(out)
    fill(small_disk, leave)
    new = synthetic(12000, "new")
    try:
        written = tables.publish(out, new)
    except OutputError as exc:
        assert exc.exit_code == ExitCode.output_unwritable
        line = str(exc)
        assert line.startswith("磁盘空间不足，无法写入 ") and line.endswith("；原有的表未改动"), line
        assert "\n" not in line
        assert snapshot(out) == before and readable(out) == old_counts
    else:  # there was room: the new tables, complete
        assert leave >= 8 << 20 and set(written.values()) == set(FILES)
        assert readable(out) == {name: t.num_rows for name, t in new.items()}
    assert leftovers(out) == []


def test_what_fails_where_on_a_full_disk(small_disk):
    """Each stage of the write meets the full disk at some level, the checkpoint included."""
    out = small_disk / "out"
    out.mkdir()
    tables.publish(out, synthetic(50, "old"))
    before = snapshot(out)
    outcomes = []
    for leave in (1 << 20, 4 << 20, 7 << 20, 10 << 20):
        (small_disk / "filler").unlink(missing_ok=True)
        fill(small_disk, leave)
        try:
            tables.publish(out, synthetic(12000, "new"))
            outcomes.append(("written", ""))
        except OutputError as exc:
            assert snapshot(out) == before
            outcomes.append((Path(str(exc).split("，无法写入 ")[1].split("；")[0]).name, str(exc.__cause__)))
    print("\n".join(map(str, outcomes)))
    assert outcomes[0][0].endswith(".parquet")
    assert outcomes[1][0] == "archive.duckdb" and "commit" in outcomes[1][1]
    assert outcomes[2][0] == "archive.duckdb" and "checkpoint" in outcomes[2][1]
    assert outcomes[3][0] == "written"


# ------------------------------------------------------------------------------- ENOSPC injected
@pytest.fixture
def old_tables(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    tables.publish(out, synthetic(40, "old"))
    return out, snapshot(out), readable(out)


def test_enospc_in_a_parquet_file_changes_nothing(old_tables, monkeypatch):
    import pyarrow.parquet as pq

    out, before, counts = old_tables
    real, calls = pq.write_table, []

    def write_table(table, where, *args, **kwargs):
        calls.append(where)
        if len(calls) == 2:  # projects written, findings meets a full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where))
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", write_table)
    with pytest.raises(OutputError) as caught:
        tables.publish(out, synthetic(500, "new"))
    assert str(caught.value) == f"磁盘空间不足，无法写入 {out / 'findings.parquet'}；原有的表未改动"
    assert snapshot(out) == before and readable(out) == counts and leftovers(out) == []


def test_a_duckdb_error_changes_nothing(old_tables, monkeypatch):
    import duckdb

    out, before, counts = old_tables

    def database(target, got):
        Path(target).write_bytes(b"half")
        raise duckdb.IOException(f'Could not write file "{target}.wal": No space left on device')

    monkeypatch.setattr(tables, "database", database)
    with pytest.raises(OutputError) as caught:
        tables.publish(out, synthetic(500, "new"))
    assert str(caught.value) == f"磁盘空间不足，无法写入 {out / 'archive.duckdb'}；原有的表未改动"
    assert snapshot(out) == before and readable(out) == counts and leftovers(out) == []


def test_a_database_missing_rows_after_close_is_refused(old_tables, monkeypatch):
    """The silent failure seen on a full disk (a checkpoint that fails on close leaves the file
    empty): the new file is reopened and its rows counted before it replaces the old one."""
    import duckdb

    out, before, counts = old_tables
    real = duckdb.connect

    class Forgetful:
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args):
            if sql.startswith('CREATE TABLE "findings"'):
                return None  # as if its rows never reached the file
            return self.con.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.con, name)

    def connect(database=":memory:", read_only=False, **kwargs):
        con = real(database, read_only=read_only, **kwargs)
        return con if read_only else Forgetful(con)

    monkeypatch.setattr(duckdb, "connect", connect)
    with pytest.raises(OutputError) as caught:
        tables.publish(out, synthetic(500, "new"))
    assert str(caught.value).startswith(f"无法写入 {out / 'archive.duckdb'}（") and "findings" in str(caught.value)
    monkeypatch.setattr(duckdb, "connect", real)
    assert snapshot(out) == before and readable(out) == counts and leftovers(out) == []


# ------------------------------------------------------------------------------- the write-ahead log
WRITER = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE mine AS SELECT 42 AS answer")  # in the WAL only: never checkpointed
print("written", flush=True)
if sys.argv[2] == "crash":
    os._exit(0)
sys.stdin.read()
"""


def test_a_log_left_by_a_crashed_session_is_folded_in_not_replayed_onto_the_new_file(old_tables):
    import duckdb

    out, _, _ = old_tables
    subprocess.run([sys.executable, "-c", WRITER, str(out / "archive.duckdb"), "crash"], check=True, timeout=60,
                   capture_output=True)
    assert (out / "archive.duckdb.wal").stat().st_size > 0
    tables.publish(out, synthetic(300, "new"))
    assert not (out / "archive.duckdb.wal").exists()
    assert readable(out) == {"projects": 300, "findings": 300, "files": 97}
    with duckdb.connect(str(out / "archive.duckdb"), read_only=True) as con:
        assert "mine" not in {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_a_session_still_writing_stops_the_write_and_keeps_everything(old_tables):
    out, _, counts = old_tables
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(out / "archive.duckdb"), "stay"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "written"
        before = snapshot(out)
        wal = (out / "archive.duckdb.wal").read_bytes()
        with pytest.raises(OutputError) as caught:
            tables.publish(out, synthetic(300, "new"))
        assert "正被另一个程序以写方式打开" in str(caught.value) and str(caught.value).endswith("原有的表未改动")
        assert snapshot(out) == before and (out / "archive.duckdb.wal").read_bytes() == wal
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)
    assert readable(out)["projects"] == counts["projects"]


# ------------------------------------------------------------------------------- temporary names
def test_concurrent_writers_never_share_a_temporary_file(tmp_path):
    """The old fixed names (.projects.parquet.tmp) made two writers crash each other."""
    out = tmp_path / "out"
    out.mkdir()
    errors = []

    def write(tag: str) -> None:
        try:
            for _ in range(4):
                tables.publish(out, synthetic(200, tag))
        except Exception as exc:  # noqa: BLE001 — collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"t{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and not any(t.is_alive() for t in threads)
    assert readable(out) == {"projects": 200, "findings": 200, "files": 97} and leftovers(out) == []


def test_a_staging_folder_of_a_dead_process_is_removed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=30)
    (out / f"{tables.STAGING}{dead.pid}-abc").mkdir()
    alive = out / f"{tables.STAGING}{os.getppid()}-abc"  # a live process (this test's parent)
    alive.mkdir()
    tables.publish(out, synthetic(10, "x"))
    assert leftovers(out) == [alive.name]


# ------------------------------------------------------------------------------- a whole run

def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    return env


@pytest.mark.flows
def test_a_run_on_a_full_disk_exits_5_with_one_line_and_the_old_tables(small_disk, tmp_path):
    """`jixiao archive` as a real process, OUT on a tmpfs: a first run, then the disk filled
    but 400 KB and a new report: exit 5, one line on stderr, no traceback, tables unchanged."""
    root = tmp_path / "archive"
    root.mkdir()
    for case in ("sample", "consistent"):
        shutil.copyfile(FIXTURES / case / "report.pdf", root / f"{case}.pdf")
    out = small_disk / "out"
    command = [sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out), "--formats", "json"]
    first = subprocess.run(command, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert first.returncode == 1, first.stderr
    before, counts = snapshot(out), readable(out)
    summary = (out / "summary.json").read_bytes()
    shutil.copyfile(FIXTURES / "fault-rate" / "report.pdf", root / "fault-rate.pdf")
    fill(small_disk, 400 << 10)
    full = subprocess.run(command, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    print(full.stderr)
    assert full.returncode == ExitCode.output_unwritable
    assert full.stderr == f"jixiao: 磁盘空间不足，无法写入 {out / 'archive.duckdb'}；原有的表未改动\n"
    assert snapshot(out) == before and readable(out) == counts and leftovers(out) == [".jixiao"]
    assert (out / "summary.json").read_bytes() == summary  # the last good run's, still whole
    assert json.loads(summary)["totals"]["files"] == 2
    # room again: the next run finishes, and the new report (kept in the store) is not read again
    (small_disk / "filler").unlink()
    again = subprocess.run(command, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert again.returncode == 1, again.stderr
    assert readable(out)["files"] == 3 and "已核对 0，沿用 3" in again.stdout


@pytest.mark.flows
def test_the_flow_raises_the_output_error_and_the_cli_says_it_in_one_line(prefect_server, tmp_path, monkeypatch,
                                                                       capfd):
    """In-process, under the test server: what reconcile_archive raises (the OutputError itself,
    not a Prefect wrapper) and what `jixiao archive` prints (one line, exit 5)."""
    import pyarrow.parquet as pq

    from flows.cli import main
    from tests.flows.test_archive import run_archive

    root, out = tmp_path / "archive", tmp_path / "out"
    root.mkdir()
    shutil.copyfile(FIXTURES / "sample" / "report.pdf", root / "sample.pdf")
    run_archive(root, out)
    before = snapshot(out)
    shutil.copyfile(FIXTURES / "consistent" / "report.pdf", root / "consistent.pdf")

    def full(table, where, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where))

    monkeypatch.setattr(pq, "write_table", full)
    with pytest.raises(OutputError, match="磁盘空间不足"):
        run_archive(root, out)
    capfd.readouterr()
    shutil.copyfile(FIXTURES / "fault-rate" / "report.pdf", root / "fault-rate.pdf")
    assert main(["archive", str(root), "--out", str(out), "--formats", "json", "--quiet"]) == 5
    err = capfd.readouterr().err
    assert err == f"jixiao: 磁盘空间不足，无法写入 {out / 'projects.parquet'}；原有的表未改动\n", err
    assert snapshot(out) == before
