"""The end of an archive run: outputs per report, summary.json, tables and index.html in OUT."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from extract.errors import ExitCode, OutputError, decoded
from flows import changes, decisions, isolate, tables
from flows.plan import CACHED, CHECK, Plan, output_names
from flows.files import warn
from flows.store import DamagedResult, Store, folder_key, write_atomic
from reconcile.reviews import CONFIRMED, DISMISSED, OPEN

SCHEMA = "jixiao.archive/1"
REPORTS = "reports"
ZERO = {"error": 0, "warning": 0, "info": 0}


LAST = ".jixiao/last-summary.json"  # jixiao's own copy of the last summary: OUT/summary.json is the users'


def previous(out: Path) -> dict | None:
    """The last run's summary, the baseline of what changed: OUT/summary.json, or jixiao's own
    copy when that one is damaged (said in one warning line); None on a first run."""
    said = None
    for name in ("summary.json", LAST):
        path = out / name
        if not path.exists():
            continue
        try:
            prior = json.loads(path.read_text(encoding="utf-8"))
            if prior.get("schema") == SCHEMA and all(isinstance(f["path"], str) and isinstance(f["finding_ids"], list)
                                                     for f in prior["files"]):
                if said:
                    warn(f"{said}；已改用 {LAST}")
                return prior
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass
        said = said or f"{path} 已损坏，无法读取"
    if said:
        warn(f"{said}，也没有可用的备份；本次的发现都记为新增")
    return None


def failure_record(kind: str, exit_code: int, reason: str) -> dict:
    return {"status": "failed", "kind": kind, "exit_code": exit_code, "reason": reason, "counts": dict(ZERO),
            "document": {}, "finding_ids": [], "rows": None, "renderings": {}}


def assemble(root: Path, plan: Plan, records: dict[str, dict], prior: dict | None,
             versions: dict[str, str], reviews=None) -> dict:
    """The summary document. `records` holds every sha256 → record known after the run
    (cached and newly checked); a PDF without one was interrupted and is retried next time."""
    names = output_names([i.rel for i in plan.items if i.status in (CHECK, CACHED) and i.sha256 in records
                          and records[i.sha256]["renderings"]])
    before = {f["path"]: f for f in (prior or {}).get("files", [])}
    before_by_sha = {f["sha256"]: f for f in before.values() if f.get("sha256")}
    files = []
    for item in plan.items:
        entry = {"path": item.rel, "sha256": item.sha256, "status": item.status, "reason": item.reason,
                 "exit_code": int(item.exit_code), "counts": dict(ZERO), "outputs": {}, "organization": "",
                 "year": None, "changes": {"new": [], "resolved": [], "unchanged": 0}, "finding_ids": [],
                 "cached": item.status == CACHED}
        checkable = item.status in (CHECK, CACHED)  # a readable PDF, not one discovery turned away
        record = records.get(item.sha256) if checkable else None
        if checkable and record is None:  # its check did not finish: nothing stored, retried next run
            entry.update(status="failed", exit_code=int(ExitCode.input_unreadable),
                         reason=item.reason or "核对未完成（运行被中断或处理进程出错），下次运行将重试")
        elif record is not None:
            status = "failed" if record["status"] == "failed" else ("checked" if item.status == CHECK else CACHED)
            if item.same_as and status != "failed":
                status = CACHED
            reason = record["reason"]
            if item.same_as:
                reason = f"与 {item.same_as} 内容相同，未重复核对" + (f"；{reason}" if reason else "")
            elif status == "failed" and item.status == CACHED:
                reason += "（上次运行的结果；加 --retry-failed 重试）"
            doc = record.get("document") or {}
            entry.update(status=status, reason=reason, exit_code=int(record["exit_code"]),
                         counts=dict(record["counts"]), organization=doc.get("organization") or "",
                         year=doc.get("year"), finding_ids=list(record["finding_ids"]), title=doc.get("title", ""),
                         store=f"{folder_key(versions)}/{item.sha256}")
            if item.rel in names:
                entry["outputs"] = {fmt: f"{REPORTS}/{names[item.rel]}{Path(stored).suffix}"
                                    for fmt, stored in sorted(record["renderings"].items())
                                    if not fmt.startswith("_")}  # kept for the store's own use
        if entry["status"] in ("checked", CACHED):
            _review(entry, (record.get("rows") or {}).get("findings", []), reviews)
        last = (before.get(item.rel) or before_by_sha.get(item.sha256)) if checkable else None
        if entry["status"] in ("checked", CACHED):
            entry["changes"] = changes.compare(last["finding_ids"] if last else None, entry["finding_ids"])
        elif last:  # a failure resolves nothing: the last check's ids stay the baseline for the next
            entry["finding_ids"] = list(last.get("finding_ids", []))
        files.append(entry)
    paths = {f["path"] for f in files}
    summary = {
        "schema": SCHEMA,
        "root": decoded(root),
        "versions": versions,
        "exit_code": max((f["exit_code"] for f in files), default=0),
        "totals": _totals(files),
        "files": files,
        "removed": sorted(p for p in before if p not in paths),
    }
    if reviews is not None:
        summary["reviews"] = {"path": reviews.path, "decisions": len(reviews.entries),
                              "unmatched": decisions.unmatched(reviews, files)}
    return summary


def _review(entry: dict, findings: list[dict], reviews) -> None:
    """A readable report's findings open, confirmed and dismissed; its exit code counts only
    the errors not dismissed; a digest of its decisions tells when its outputs must change."""
    entry["review"] = decisions.counts(findings, reviews)
    entry["reviews_digest"] = decisions.digest([f["id"] for f in findings], reviews)
    if entry["exit_code"] == ExitCode.findings and not entry["review"]["errors_open"]:
        entry["exit_code"] = int(ExitCode.ok)


def _totals(files: list[dict]) -> dict:
    by_status = Counter(f["status"] for f in files)
    return {
        "files": len(files),
        **{s: by_status.get(s, 0) for s in ("checked", "cached", "failed", "skipped")},
        **{k: sum(f["counts"][k] for f in files) for k in ("error", "warning", "info")},
        "new": sum(len(f["changes"]["new"]) for f in files),
        "resolved": sum(len(f["changes"]["resolved"]) for f in files),
        **{k: sum(f["review"][k] for f in files if "review" in f)
           for k in (OPEN, CONFIRMED, DISMISSED, "errors_open")},
    }


def write_outputs(out: Path, summary: dict, store: Store, records: dict[str, dict], prior: dict | None,
                  reviews=None) -> None:
    """Copy each report's renderings from the store to its name under reports/ (only when it
    changed since the last run), and remove the outputs of files that are gone."""
    before = {f["path"]: f for f in (prior or {}).get("files", [])}
    renderers = (prior or {}).get("versions", {}).get("rendering") == summary["versions"].get("rendering")
    for entry in summary["files"]:
        last = before.get(entry["path"])
        unchanged = renderers and last is not None and last.get("store") == entry.get("store") \
            and last.get("outputs") == entry["outputs"] and last.get("reviews_digest") == entry.get("reviews_digest")
        for fmt, rel in entry["outputs"].items():
            target = out / rel
            if unchanged and target.exists():
                continue
            try:
                data = store.read_rendering(entry["sha256"], records[entry["sha256"]], fmt)
            except DamagedResult as exc:  # dropped from the store: checked again next run
                warn(f"{entry['path']}：{exc}，未更新 {rel}；下次运行将重新核对该文件")
                continue
            if fmt == "json":
                doc = json.loads(data)
                if doc["source"]["path"] != entry["path"]:  # the same content under another name
                    doc["source"]["path"] = entry["path"]
                    from reconcile.document import dumps

                    data = dumps(doc).encode("utf-8")
            if reviews is not None:
                data = decisions.apply(fmt, data, decisions.subset(reviews, entry["finding_ids"]))
            write_atomic(target, data)
    keep = {out / rel for e in summary["files"] for rel in e["outputs"].values()}
    for last in before.values():
        for rel in last.get("outputs", {}).values():
            stale = out / rel
            if stale not in keep and stale.is_file():
                stale.unlink()
    _remove_empty(out / REPORTS)


def _remove_empty(folder: Path) -> None:
    if not folder.is_dir():
        return
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        try:
            sub.rmdir()
        except OSError:
            pass


def write_tables(out: Path, summary: dict, records: dict[str, dict], store: Store, prior: dict | None,
                 reviews=None) -> dict[str, str]:
    """Parquet and DuckDB, rebuilt only when the set of (path, result) pairs changed.

    Done in a child process (flows/isolate.py, no time or memory limit): pyarrow, DuckDB and a
    thousand reports' rows, read back from the store, never weigh on the run's own process,
    which may be a scheduled service that lives for months."""
    import hashlib

    basis = json.dumps([(f["path"], f.get("store"), f["status"], f["changes"], f.get("reviews_digest"))
                        for f in summary["files"]])
    digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]
    outcome = isolate.run(_write_tables, out, summary, records, store, prior, reviews, digest,
                          timeout=None, memory=None, capture_stderr=False)
    if not outcome.ok:
        if outcome.exit_code == ExitCode.output_unwritable:
            raise OutputError(outcome.reason)
        raise RuntimeError(f"汇总表未能写出：{outcome.reason}")
    written, said = outcome.value
    for line in said:
        warn(line)
    summary["tables_digest"] = digest
    return written


def _write_tables(out: Path, summary: dict, records: dict[str, dict], store: Store, prior: dict | None,
                  reviews, digest: str) -> tuple[dict[str, str], list[str]]:
    """The tables' file names, and the warnings for the caller to print."""
    said: list[str] = []
    names = {"projects": "projects.parquet", "findings": "findings.parquet", "files": "files.parquet",
             "duckdb": "archive.duckdb"}
    if prior and prior.get("tables_digest") == digest and all([_readable(out / n, said) for n in names.values()]):
        return names, said
    report_rows = {}
    for entry in summary["files"]:
        if entry["status"] in ("checked", CACHED) and records.get(entry["sha256"], {}).get("rows"):
            stored = store.get(entry["sha256"])
            if stored is None or not stored.get("rows"):  # damaged since it was checked: retried next run
                said.append(f"{entry['path']}：保存的结果已损坏，汇总表中暂缺该文件的项目与问题；下次运行将重新核对")
                continue
            report_rows[entry["path"]] = decisions.rows(stored["rows"], reviews)
    return tables.build(out, summary["files"], report_rows), said


def _readable(path: Path, said: list[str]) -> bool:
    """A table file that opens: a damaged one is rebuilt from the store (with a warning)."""
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.read_metadata(path)
        else:
            import duckdb

            with duckdb.connect(str(path), read_only=True) as con:
                con.execute('SELECT count(*) FROM "files"').fetchone()
        return True
    except FileNotFoundError:
        return False
    except Exception as exc:  # noqa: BLE001 — pyarrow and duckdb raise their own kinds for a damaged file
        said.append(f"{path} 已损坏（{type(exc).__name__}），已重建")
        return False


def write_index(out: Path, summary: dict) -> None:
    from reconcile.index import render_index

    write_atomic(out / "index.html", render_index(summary).encode("utf-8"))


def finish(root: Path, out: Path, plan: Plan, records: dict[str, dict], store: Store,
           reviews_path: str | None = None) -> dict:
    """Write everything the run leaves in OUT; summary.json last (the next run compares with it).

    Reviewers' decisions (OUT/reviews.toml, or `reviews_path`) are read now, at the end of
    every run, so a scheduled run takes the file as it is that night."""
    reviews = decisions.load(out, reviews_path)
    prior = previous(out)
    summary = assemble(root, plan, records, prior, store.versions, reviews)
    write_tables(out, summary, records, store, prior, reviews)  # first: rows read back before a damaged
    write_outputs(out, summary, store, records, prior, reviews)  # rendering makes its record forgotten
    write_index(out, summary)
    text = (json.dumps(summary, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    write_atomic(out / LAST, text)
    write_atomic(out / "summary.json", text)
    store.prune_versions()
    return summary


def failure_line(path: str, reason: str) -> str:
    """`path：reason`, the path relative to the archive even when the reason names the file alone."""
    from extract.errors import visible

    for named in (f"{path}：", f"{Path(path).name}：", f"{visible(path)}：", f"{visible(Path(path).name)}："):
        if reason.startswith(named):
            reason = reason[len(named):]
            break
    return visible(f"{path}：{reason}")  # one line: a name or a reason cannot forge another
