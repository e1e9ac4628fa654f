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

import os
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

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
    import pyarrow.parquet as pq

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
    written = {}
    for name, table in tables.items():
        target = out / f"{name}.parquet"
        tmp = out / f".{name}.parquet.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, target)
        written[name] = target.name
    written["duckdb"] = database(out / "archive.duckdb", tables).name
    return written


def database(target: Path, tables: dict) -> Path:
    """A DuckDB file holding each table, replaced whole (never half-written)."""
    import duckdb

    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        for name, table in tables.items():
            con.register("incoming", table)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            con.unregister("incoming")
    os.replace(tmp, target)
    Path(f"{tmp}.wal").unlink(missing_ok=True)
    return target
