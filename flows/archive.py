"""Prefect flows: `check_report` (one file) and `reconcile_archive` (discover → triage → check → summarise).

Each task is a thin wrapper of a plain function (flows.pipeline, discover, plan, summary),
tested without Prefect. One flow run per archive run; the files go to the workers as
mapped tasks of a batch of files each; each file is checked in a child process of its
worker (flows.isolate), so a file that hangs or crashes is recorded and the run goes on.
The project's own summary.json is the record of what failed, not Prefect's history.
"""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import isolate, pipeline, plan, store, summary
from flows.discover import Entry, discover
from flows.progress import Progress

# Results live in OUT (flows.store), keyed by content and versions: Prefect's cache, keyed
# by run, would never hit across runs, and persisting results would copy every document.
TASK = {"cache_policy": NO_CACHE, "persist_result": False}


# ---------------------------------------------------------------------------- one report
@task(name="read", **TASK)
def read_task(path: str, password: str | None = None, patterns: str | None = None):
    return pipeline.read(path, None, password, patterns)


@task(name="reconcile", **TASK)
def reconcile_task(report):
    return pipeline.check(report)


@task(name="render", **TASK)
def render_task(report, result, formats: tuple[str, ...], pdf: str):
    return pipeline.render(report, result, formats, Path(pdf))


@flow(name="check-report", persist_result=False)
def check_report(path: str, out: str | None = None, formats: tuple[str, ...] = ("json",),
                 password: str | None = None, patterns: str | None = None) -> dict:
    """Read, reconcile and render one report; write the renderings to folder `out` if given."""
    from flows.cli import safe_stem
    from flows.files import write_atomic

    report = read_task(path, password, patterns)
    result = reconcile_task(report)
    rendered = render_task(report, result, tuple(formats), path)
    outputs = {}
    if out:
        for fmt, (suffix, content) in rendered.items():
            target = Path(out) / (safe_stem(Path(path)) + suffix)
            write_atomic(target, content)
            outputs[fmt] = str(target)
    errors = result.count("error")
    return {"exit_code": 1 if errors else 0, "outputs": outputs,
            "counts": {s: result.count(s) for s in ("error", "warning", "info")}}


# ---------------------------------------------------------------------------- an archive
@task(name="discover", **TASK)
def discover_task(root: str, out: str) -> list[Entry]:
    return discover(root, exclude=(out,))


@task(name="triage", **TASK)
def triage_task(entries: list[Entry], out: str, versions: dict, retry_failed: bool) -> plan.Plan:
    return plan.triage(entries, store.Store(Path(out), versions), retry_failed)


@task(name="check-files", **TASK)
def check_files(items: list[tuple[str, str, str]], formats: tuple[str, ...], password: str | None,
                patterns: str | None, timeout: float | None, memory: int | None) -> list[dict]:
    return pipeline.check_batch(items, formats, password, patterns, timeout, memory)


@task(name="summarise", **TASK)
def summarise_task(root: str, out: str, the_plan: plan.Plan, records: dict, versions: dict,
                   reviews: str | None = None) -> dict:
    return summary.finish(Path(root), Path(out), the_plan, records, store.Store(Path(out), versions), reviews)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


POOLS = ("threads", "processes")


def make_runner(workers: int | None = None, dask: str | None = None, patterns: str | None = None,
                pool: str = "threads"):
    """Where the check-files tasks run: an existing Dask cluster, or `workers` at a time here.

    Either way each file is checked in a process of its own, forked from a warmed-up parent
    (flows.isolate), so the parsing runs on every core. "threads" (the default) submits from
    threads of this process: nothing to start. "processes" runs the tasks in Prefect's
    process pool, whose workers each import Prefect and warm up first (60 reports on 2
    cores: 12.3 s against 9.3 s), kept for comparison.
    """
    workers = workers or default_workers()
    if dask:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask)
    if pool == "processes":
        return ProcessPoolTaskRunner(max_workers=workers, initializer=pipeline.pool_worker, initargs=(patterns,))
    return ThreadPoolTaskRunner(max_workers=workers)


@flow(name="reconcile-archive", persist_result=False, task_runner=ThreadPoolTaskRunner(max_workers=default_workers()))
def reconcile_archive(root: str, out: str, retry_failed: bool = False, timeout: float | None = isolate.DEFAULT_TIMEOUT,
                      memory_mb: int | None = isolate.DEFAULT_MEMORY >> 20, batch: int | None = None,
                      workers: int | None = None, password: str | None = None, patterns: str | None = None,
                      formats: list[str] | None = None, progress: bool = False, reviews: str | None = None) -> dict:
    """Check every report under `root` that changed since the last run; write results to `out`.

    `workers` only sizes the batches (the task runner decides where they run); `batch`
    overrides it: files per task. `formats`: what to write per report (default: json, html
    and xlsx, those that are registered). `reviews`: the reviewers' decisions (default
    OUT/reviews.toml when present), read at the end of the run.
    """
    root, out = str(Path(root).absolute()), str(Path(out).absolute())
    from prefect import get_run_logger

    from flows.lock import hold

    # One run at a time on OUT, for the whole run (pruning the store included). Under `jixiao
    # archive` this process holds it already; a scheduled run waits, with nobody to ask.
    with hold(out, wait=True, notify=get_run_logger().warning):
        formats = pipeline.archive_formats(formats)
        versions = store.versions(patterns, formats)
        entries = discover_task(root, out)
        # quote(): large collections are passed as they are, not walked item by item for futures
        the_plan = triage_task(quote(entries), out, versions, retry_failed)
        records = check_all(the_plan, out, versions, formats, timeout, memory_mb, batch, workers or default_workers(),
                            password, patterns, progress,
                            salvage=lambda done: summary.finish(Path(root), Path(out), the_plan, done,
                                                                store.Store(Path(out), versions), reviews))
        result = summarise_task(root, out, quote(the_plan), quote(records), versions, reviews)
        publish(result)
        return result


def check_all(the_plan: plan.Plan, out: str, versions: dict, formats: tuple[str, ...], timeout: float | None,
              memory_mb: int | None, batch: int | None, workers: int, password: str | None, patterns: str | None,
              progress: bool, salvage=None) -> dict[str, dict]:
    """Submit the files to check in batches; store each result the moment its file is done.

    Returns sha256 → record. In the threads runner each file's result reaches this thread as
    soon as its child ends (pipeline.deliver_to), so a run killed at any moment has lost at
    most the files in flight; results of other runners arrive with their batch. `salvage`
    (records so far) is called if the temporary Prefect server dies during the run.
    """
    if not the_plan.to_check:
        return dict(the_plan.records)
    pipeline.warm(patterns, formats)  # here, once: forked children start warm (other runners warm their own)
    memory = None if memory_mb is None else memory_mb << 20
    events: queue.Queue = queue.Queue()
    pipeline.deliver_to(lambda one: events.put(("file", one)))
    try:
        futures = {check_files.submit(group, formats, password, patterns, timeout, memory): group
                   for group in plan.batches(the_plan.to_check, workers, batch)}

        def watch() -> None:
            try:
                for future in as_completed(list(futures)):
                    try:
                        got = future.result(raise_on_failure=False)
                    except BaseException as exc:  # noqa: BLE001 — a cancelled task, when the run is stopped
                        got = exc
                    events.put(("batch", futures[future], got))
            except BaseException:  # noqa: BLE001 — the run is being stopped: collect says so, not this thread
                pass
            finally:
                events.put(("end",))

        threading.Thread(target=watch, name="jixiao-batches", daemon=True).start()
        kept = store.Store(Path(out), versions)
        records: dict[str, dict] = {}
        return collect(the_plan, kept, _events(events, records, salvage), progress, records)
    finally:
        pipeline.deliver_to(None)


# The temporary Prefect server of this run, when the command line started it (flows.server).
_server = None
SERVER_POLL = 0.5  # seconds between looks at the temporary server while results arrive


def _events(events: queue.Queue, records: dict, salvage):
    """What `collect` takes: each file's result, then each batch's, until every batch is done;
    and, between them, a look at the temporary server: if it died, what was stored so far is
    summarised and the process ends with its own exit code (Prefect, left without its API,
    would otherwise retry for minutes)."""
    while True:
        _check_server(records, salvage)  # a poll() of its process: cheap enough for every event
        try:
            event = events.get(timeout=SERVER_POLL)
        except queue.Empty:
            continue
        if event[0] == "end":
            return
        yield event


def _check_server(records: dict, salvage) -> None:
    process = getattr(_server, "process", None)
    if process is None or process.poll() is None:
        return
    import sys

    from extract.errors import ExitCode

    pipeline.STOP.set()
    isolate.stop_all()  # the files in flight: retried next run
    isolate.resume()  # the summary's tables are written by a child too (batches stop at STOP)
    message = "jixiao: 临时 Prefect 服务器在运行中意外退出；已完成的文件已保存"
    try:
        if salvage is not None:
            summary_doc = salvage(records)
            t = summary_doc["totals"]
            message += f"并写入 summary.json（已核对 {t['checked']}，未完成的 {t['failed']} 个下次运行将重试）"
    except Exception as exc:  # noqa: BLE001 — the line below is all that can still be said
        message += f"，但无法写出汇总（{type(exc).__name__}: {exc}）"
    print(message + "；请重新运行", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(int(ExitCode.service_unavailable))  # Prefect's threads would block a normal exit


def collect(the_plan: plan.Plan, kept: store.Store, outcomes, progress: bool = False,
            records: dict | None = None) -> dict[str, dict]:
    """Store results as they arrive; sha256 → record, for every file known after the run.

    `outcomes` yields ("file", result) as each file is done and ("batch", batch, what its
    check returned: a list of results, or the exception that ended the task). A result is
    stored once, whichever way it came. A failure that is not final is not stored: its reason
    goes on the plan's item, and the next run tries the file again.
    """
    records = records if records is not None else {}
    records.update(the_plan.records)
    bar = Progress(len(the_plan.to_check), enabled=progress)
    reasons: dict[str, str] = {}
    seen: set[str] = set()

    def take(one: dict) -> None:
        if one["sha256"] in seen or one.get("delivered"):  # taken as its file finished
            return
        seen.add(one["sha256"])
        failure = one.get("failure")
        if failure and not failure["final"]:
            reasons[one["sha256"]] = failure["reason"]
        elif failure:
            record = summary.failure_record(failure["kind"], failure["exit_code"], failure["reason"])
            kept.put(one["sha256"], record, {})
            records[one["sha256"]] = record
        else:
            stored = kept.put(one["sha256"], one["record"], one["renderings"])
            records[one["sha256"]] = store.held({**one["record"], "renderings": stored})
        bar.advance(1, failed=int(failure is not None))

    pipeline.STOP.clear()
    try:
        for event in outcomes:
            if event[0] == "file":
                take(event[1])
                continue
            _, group, got = event
            if isinstance(got, BaseException) or not isinstance(got, list):  # the task itself failed
                for _, _, sha in group:
                    if sha not in seen:
                        seen.add(sha)
                        reasons[sha] = f"处理出错，下次运行将重试（{type(got).__name__}: {got}）"[:300]
                        bar.advance(1, failed=1)
                continue
            for one in got:
                take(one)
    except BaseException:  # Ctrl-C, SIGTERM: batches in threads stop after their current file
        pipeline.STOP.set()
        raise
    finally:
        bar.close()
    for item in the_plan.items:
        if item.sha256 in reasons:
            item.reason = reasons[item.sha256]
    return records


def publish(result: dict) -> None:
    """A table and a Markdown artifact for the Prefect UI (kept without a server too)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    try:
        create_table_artifact(table=table_rows(result), key="jixiao-archive-files",
                              description=f"{result['root']}：每个文件的核对状态与结果")
        create_markdown_artifact(markdown=markdown(result), key="jixiao-archive-summary",
                                 description="归档核对摘要")
    except Exception as exc:  # the UI is a convenience; summary.json is the record
        import logging

        logging.getLogger(__name__).warning("could not publish artifacts: %s", exc)


ARTIFACT_ROWS = 2000


def table_rows(result: dict) -> list[dict]:
    """One row a file; beyond ARTIFACT_ROWS, failures and files with errors or changes first."""
    files = result["files"]
    if len(files) > ARTIFACT_ROWS:
        files = sorted(files, key=lambda f: (f["status"] != "failed", -f["counts"]["error"],
                                             not f["changes"]["new"] and not f["changes"]["resolved"], f["path"]))
        files = sorted(files[:ARTIFACT_ROWS], key=lambda f: f["path"])
    return [{"file": f["path"], "status": f["status"], "exit": f["exit_code"], "errors": f["counts"]["error"],
             "warnings": f["counts"]["warning"], "info": f["counts"]["info"], "new": len(f["changes"]["new"]),
             "resolved": len(f["changes"]["resolved"]), "open": (f.get("review") or {}).get("open"),
             "organization": f["organization"], "year": f["year"], "reason": f["reason"]} for f in files]


def markdown(result: dict) -> str:
    from reconcile.markdown import escape  # names and reasons as literal text, not Markdown

    t = result["totals"]
    lines = [f"# 归档核对：{result['root']}", "",
             f"共 {t['files']} 个文件：已核对 {t['checked']}，沿用 {t['cached']}，失败 {t['failed']}，跳过 {t['skipped']}。",
             f"错误 {t['error']}，警告 {t['warning']}，提示 {t['info']}；较上次运行新增 {t['new']}，已解决 {t['resolved']}。",
             *([f"复核：待复核 {t['open']}，确认 {t['confirmed']}，排除 {t['dismissed']}。"] if "reviews" in result else []),
             f"退出码 {result['exit_code']}。", ""]
    failed = [f for f in result["files"] if f["status"] == "failed"]
    if failed:
        lines += ["## 失败", "", "| 文件 | 退出码 | 原因 |", "|---|---|---|"]
        lines += [f"| {escape(f['path'])} | {f['exit_code']} | {escape(f['reason'])} |" for f in failed[:200]]
        lines.append("")
    changed = [f for f in result["files"] if f["changes"]["new"] or f["changes"]["resolved"]]
    if changed:
        lines += ["## 变化", "", "| 文件 | 新增 | 已解决 | 未变 |", "|---|---|---|---|"]
        lines += [f"| {escape(f['path'])} | {len(f['changes']['new'])} | {len(f['changes']['resolved'])} | "
                  f"{f['changes']['unchanged']} |" for f in changed[:200]]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- entry points
def run(root: str, out: str, workers: int | None = None, dask: str | None = None, pool: str = "threads",
        server=None, **params) -> dict:
    """One archive run from the command line: one flow run, one temporary server if none is set
    (`server`, a flows.server.TemporaryServer the caller started early, or one started here)."""
    from flows.settings import api

    global _server
    workers = workers or default_workers()
    _server = server  # watched while results arrive (check_all)
    try:
        with api(server=server):
            archive = reconcile_archive.with_options(task_runner=make_runner(workers, dask, params.get("patterns"), pool))
            return archive(root=root, out=out, workers=workers, **params)
    finally:
        _server = None


def serve(root: str, out: str, cron: str, workers: int | None = None, dask: str | None = None,
          pool: str = "threads", name: str = "nightly", **params) -> None:
    """Serve the archive flow on a cron schedule against the configured Prefect server."""
    from flows.settings import api

    workers = workers or default_workers()
    with api(heartbeats=True):
        archive = reconcile_archive.with_options(task_runner=make_runner(workers, dask, params.get("patterns"), pool))
        archive.serve(name=name, cron=cron, parameters={"root": str(Path(root).absolute()),
                                                        "out": str(Path(out).absolute()), "workers": workers,
                                                        **params})
