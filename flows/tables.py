"""Every report's project lines and findings as Parquet tables, and a DuckDB database over them.

    OUT/projects.parquet   one row per project line, with file, page and the figures in 万元
    OUT/findings.parquet   one row per finding, with its stable id, file, page and review decision
    OUT/files.parquet      one row per file of summary.json
    OUT/archive.duckdb     tables files, projects, findings (a copy: it works without the Parquet files)

Money and rates are DECIMAL(38, 10), never floats: amounts are exact as written (in 万元);
a finding's recomputed value and difference, which can run to many places, are rounded
half up (四舍五入) to 10 places.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from extract.errors import OutputError

MONEY = ("budget", "initial_budget", "actual", "remainder", "arrived")
PLACES = Decimal(1).scaleb(-10)


def _wan(fact: dict | None) -> str | None:
    if fact is None:
        return None
    return fact.get("value_wan", fact["value"])


def rows(doc: dict) -> dict[str, list[dict]]:
    """The rows one JSON document contributes (values as strings; file columns are added later)."""
    projects = []
    for p in doc.get("projects", []):
        row = {"group": p["group"], "seq": p["seq"], "name": p["name"], "page": p["page"]}
        for field in MONEY:
            row[f"{field}_wan"] = _wan(p.get(field))
        for field in ("stated_rate", "stated_completion", "arrival_rate"):
            row[field] = p[field]["value"] if p.get(field) else None
        for field in ("budget", "actual", "stated_rate"):
            row[f"{field}_text"] = p[field]["text"] if p.get(field) else None
        projects.append(row)
    findings = [
        {k: f.get(k) for k in ("id", "rule", "severity", "title", "message", "stated", "recomputed",
                               "difference", "tolerance", "unit", "page", "quote")}
        for f in doc.get("findings", [])
    ]
    return {"projects": projects, "findings": findings}


FILE_COLUMNS = ("file", "sha256", "organization", "year")


def _schemas():
    import pyarrow as pa

    dec = pa.decimal128(38, 10)
    file_fields = [("file", pa.string()), ("sha256", pa.string()), ("organization", pa.string()),
                   ("year", pa.int32())]
    projects = pa.schema(file_fields + [
        ("group", pa.string()), ("seq", pa.string()), ("name", pa.string()), ("page", pa.int32()),
        *[(f"{f}_wan", dec) for f in MONEY], ("stated_rate", dec), ("stated_completion", dec), ("arrival_rate", dec),
        ("budget_text", pa.string()), ("actual_text", pa.string()), ("stated_rate_text", pa.string()),
    ])
    findings = pa.schema(file_fields + [
        ("id", pa.string()), ("rule", pa.string()), ("severity", pa.string()), ("title", pa.string()),
        ("message", pa.string()), ("stated", dec), ("recomputed", dec), ("difference", dec),
        ("tolerance", dec), ("unit", pa.string()), ("page", pa.int32()), ("quote", pa.string()),
        ("decision", pa.string()), ("review_reason", pa.string()), ("review_by", pa.string()),
        ("review_at", pa.date32()),
    ])
    files = pa.schema([
        ("file", pa.string()), ("sha256", pa.string()), ("status", pa.string()), ("reason", pa.string()),
        ("exit_code", pa.int32()), ("errors", pa.int32()), ("warnings", pa.int32()), ("infos", pa.int32()),
        ("organization", pa.string()), ("year", pa.int32()), ("new", pa.int32()), ("resolved", pa.int32()),
        ("open", pa.int32()), ("confirmed", pa.int32()), ("dismissed", pa.int32()),
    ])
    return projects, findings, files


def _table(schema, records: list[dict]):
    import pyarrow as pa

    columns = {}
    for field in schema:
        values = [r.get(field.name) for r in records]
        if pa.types.is_decimal(field.type):
            values = [None if v is None else Decimal(v).quantize(PLACES, ROUND_HALF_UP) for v in values]
        elif pa.types.is_date(field.type):
            values = [None if v is None else date.fromisoformat(v) for v in values]
        columns[field.name] = pa.array(values, type=field.type)
    return pa.table(columns, schema=schema)


def build(out: Path, files: list[dict], report_rows: dict[str, dict]) -> dict[str, str]:
    """Write the tables for summary `files` (in order) with `report_rows` {path: rows(doc)}.

    Returns {name: file name in out}.
    """
    projects_schema, findings_schema, files_schema = _schemas()
    projects, findings = [], []
    for entry in files:
        got = report_rows.get(entry["path"])
        if got is None:
            continue
        base = {"file": entry["path"], "sha256": entry["sha256"], "organization": entry.get("organization") or "",
                "year": entry.get("year")}
        projects.extend({**base, **r} for r in got["projects"])
        findings.extend({**base, **r} for r in got["findings"])
    summary_rows = [
        {"file": e["path"], "sha256": e["sha256"], "status": e["status"], "reason": e["reason"],
         "exit_code": e["exit_code"], "errors": e["counts"]["error"], "warnings": e["counts"]["warning"],
         "infos": e["counts"]["info"], "organization": e.get("organization") or "", "year": e.get("year"),
         "new": len(e["changes"]["new"]), "resolved": len(e["changes"]["resolved"]),
         **{k: (e.get("review") or {}).get(k) for k in ("open", "confirmed", "dismissed")}}
        for e in files
    ]
    tables = {"projects": _table(projects_schema, projects), "findings": _table(findings_schema, findings),
              "files": _table(files_schema, summary_rows)}
    return publish(out, tables)


DUCKDB = "archive.duckdb"
STAGING = ".jixiao-tables-"  # + pid: a folder in OUT of one run's new tables, removed once its process is gone


def publish(out: Path, tables: dict) -> dict[str, str]:
    """Write every table into a temporary folder in OUT, check each, then rename each over
    the old one; returns {name: file name in out}.

    Nothing old is touched until every new file is whole: the Parquet files flushed to disk
    and their row counts read back; the DuckDB file checkpointed, closed and reopened to
    count its rows. A failure (a full disk) raises OutputError and leaves the old tables as
    they were, and no temporary file behind.
    """
    import duckdb
    import pyarrow.parquet as pq

    out = Path(out)
    staging, current = None, out
    try:
        _remove_stale(out)
        staging = Path(tempfile.mkdtemp(dir=out, prefix=f"{STAGING}{os.getpid()}-"))
        for name, table in tables.items():
            current, tmp = out / f"{name}.parquet", staging / f"{name}.parquet"
            pq.write_table(table, tmp)
            _fsync(tmp)
            if pq.read_metadata(tmp).num_rows != table.num_rows:
                raise OSError(f"{name}.parquet 读回的行数不符")
        current = out / DUCKDB
        database(staging / DUCKDB, tables)
        _settle_wal(out / DUCKDB)
        # Only renames from here: they need no new space, so a full disk cannot stop them halfway.
        written = {}
        for name in tables:
            os.replace(staging / f"{name}.parquet", out / f"{name}.parquet")
            written[name] = f"{name}.parquet"
        os.replace(staging / DUCKDB, out / DUCKDB)
        written["duckdb"] = DUCKDB
        _fsync(out)
        return written
    except (OSError, duckdb.Error) as exc:
        raise OutputError(_failure(current, exc), "原有的表未改动") from exc
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def database(target: Path, tables: dict) -> Path:
    """A new DuckDB file at `target` holding each table: checkpointed, closed, and checked
    by reopening it read-only and counting each table's rows. Raises on any failure.

    The checkpoint is explicit: one that fails when the connection closes is not reported
    (on a full disk the file was left empty, its tables only in the write-ahead log).
    """
    import duckdb

    if target.exists() or Path(f"{target}.wal").exists():
        raise FileExistsError(f"{target} 已存在")
    con = duckdb.connect(str(target))
    try:
        for name, table in tables.items():
            con.register("incoming", table)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            con.unregister("incoming")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    wal = Path(f"{target}.wal")
    if wal.exists() and wal.stat().st_size:
        raise OSError(f"{target.name} 的检查点未完成")
    with duckdb.connect(str(target), read_only=True) as con:
        for name, table in tables.items():
            got = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            if got != table.num_rows:
                raise OSError(f"{target.name} 中 {name} 表有 {got} 行，应为 {table.num_rows} 行")
    wal.unlink(missing_ok=True)  # an empty log of the new file (none is expected)
    _fsync(target)
    return target


def _settle_wal(target: Path) -> None:
    """Fold a write-ahead log of the old file into it before the file is replaced.

    jixiao never leaves one, but a user's session that wrote to archive.duckdb may have: left
    beside the new file, DuckDB would replay it onto the new file. Opening the old file
    replays and checkpoints it (its contents unchanged); the log is never deleted unread. A
    session still open for writing holds DuckDB's lock, and the open fails: the run stops
    with the old tables as they were.
    """
    import duckdb

    if not Path(f"{target}.wal").exists() or not target.exists():
        return
    try:
        con = duckdb.connect(str(target))
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise OSError(f"{target.name} 正被另一个程序以写方式打开，其未保存的改动还在预写日志中") from exc
    with con:
        con.execute("CHECKPOINT")
    if Path(f"{target}.wal").exists() and Path(f"{target}.wal").stat().st_size:
        raise OSError(f"{target.name} 的预写日志无法并入（另一个程序可能正以写方式打开它）")


def _remove_stale(out: Path) -> None:
    """Remove the staging folders of processes that are gone (killed while writing tables)."""
    for folder in out.glob(f"{STAGING}*"):
        try:
            os.kill(int(folder.name[len(STAGING):].split("-")[0]), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, OSError):  # not ours, or a process of another user: leave it
            pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _failure(where: Path, exc: BaseException) -> str:
    """One line: what could not be written, and why."""
    text = str(exc)
    if getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in text:
        return f"磁盘空间不足，无法写入 {where}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"无法写入 {where}（{exc.strerror}）"
    return f"无法写入 {where}（{text.splitlines()[0] if text else type(exc).__name__}）"
