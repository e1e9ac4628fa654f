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
import time
from pathlib import Path

from prefect import Flow, flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from extract.errors import visible
from flows import isolate, pipeline, plan, store, summary
from flows.discover import Entry, discover
from flows.progress import TICK, Progress, count_pages, say

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
    from flows.files import safe_stem
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


def files_task_name(parameters: dict) -> str:
    """`check 12 files: a.pdf … b.pdf`: which files a task run holds, in the UI's list of runs."""
    items = parameters.get("items") or []
    names = [visible(str(item[0]))[-60:] for item in items]
    if len(names) > 2:
        names = [names[0], "…", names[-1]]
    return f"check {len(items)} file{'s' if len(items) != 1 else ''}: {' '.join(names)}"


@task(name="check-files", task_run_name=files_task_name, **TASK)
def check_files(items: list[tuple[str, str, str]], formats: tuple[str, ...], password: str | None,
                patterns: str | None, timeout: float | None, memory: int | None) -> list[dict]:
    return pipeline.check_batch(items, formats, password, patterns, timeout, memory)


@task(name="summarise", **TASK)
def summarise_task(root: str, out: str, the_plan: plan.Plan, records: dict, versions: dict,
                   reviews: str | None = None) -> dict:
    return _summarise(lambda: summary.finish(Path(root), Path(out), the_plan, records,
                                             store.Store(Path(out), versions), reviews))


class _Once:
    """The run's summary, written once: by the flow, or by the server watch when the server goes
    (whichever gets there first; the other takes that one)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value = None

    def __call__(self, make):
        with self.lock:
            if self.value is None:
                self.value = make()
            return self.value


_summarised = _Once()


# The flow and its tasks call these two rather than name `_summarised`: Dask pickles their
# functions by value, with the globals they name, and a lock cannot be pickled.
def _summary_once() -> _Once:
    """A new run's `_summarised`."""
    global _summarised
    _summarised = _Once()
    return _summarised


def _summarise(make):
    return _summarised(make)


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


class SummaryFlow(Flow):
    """A flow whose function returns a State (its final state: Failed when a file failed) while a
    caller still gets the summary itself, as from any flow: `flow(...)` returns the State's data
    (the exception, raised, when the run broke); `flow(..., return_state=True)` the State.

    Prefect would raise on a Failed state returned by the function, losing the summary the
    command line takes its exit code and its lines from. `with_options` keeps the class.
    """

    def __call__(self, *args, return_state: bool = False, wait_for=None, **kwargs):
        state = super().__call__(*args, return_state=True, wait_for=wait_for, **kwargs)
        if return_state:
            return state
        got = state.result(raise_on_failure=False)
        if isinstance(got, BaseException):
            raise got
        return got

    def with_options(self, **options):
        chosen = super().with_options(**options)
        chosen.__class__ = type(self)
        return chosen


def summary_flow(**options):
    return lambda fn: SummaryFlow(fn=fn, **options)


def run_name() -> str:
    """`绩效自评-2026-12-07`: the archive folder's name and the day the run started, so that the
    UI's list of runs says which folder each night's run read."""
    from datetime import date

    from prefect.runtime import flow_run

    root = str(flow_run.parameters.get("root") or "")
    return f"{Path(root).name or root or 'archive'}-{date.today().isoformat()}"


def final_state(result: dict):
    """Completed, or Failed when a file could not be read; the counts as the state's message and
    the summary as its data."""
    from prefect.states import Completed, Failed

    failed = result["totals"]["failed"] > 0
    return (Failed if failed else Completed)(message=counts_line(result), data=result)


def counts_line(result: dict) -> str:
    """`30 个文件：已核对 16，沿用 5，失败 5，跳过 4；错误 …`, the run in one line (the terminal's
    closing line, the flow run's state message and the last line of its log)."""
    t = result["totals"]
    return (f"{t['files']} 个文件：已核对 {t['checked']}，沿用 {t['cached']}，失败 {t['failed']}，跳过 {t['skipped']}；"
            f"错误 {t['error']}，警告 {t['warning']}，提示 {t['info']}；新增 {t['new']}，已解决 {t['resolved']}"
            + (f"；待复核 {t['open']}，确认 {t['confirmed']}，排除 {t['dismissed']}" if "reviews" in result else ""))


LOGGED_FAILURES = 200  # a run's log names at most this many failed files; summary.json has them all


def log_outcome(result: dict, logger) -> None:
    """jixiao's own lines in the run's log (INFO): each file that failed in this run, with its
    reason, then the counts."""
    failed = [f for f in result["files"] if f["status"] == "failed" and not f["cached"]]
    for f in failed[:LOGGED_FAILURES]:
        logger.info("%s", summary.failure_line(f["path"], f["reason"]))
    if len(failed) > LOGGED_FAILURES:
        logger.info("另有 %d 个文件失败，见 summary.json", len(failed) - LOGGED_FAILURES)
    logger.info("%s（退出码 %d）", counts_line(result), result["exit_code"])


@summary_flow(name="reconcile-archive", flow_run_name=run_name, persist_result=False,
              task_runner=ThreadPoolTaskRunner(max_workers=default_workers()))
def reconcile_archive(root: str, out: str, retry_failed: bool = False, timeout: float | None = isolate.DEFAULT_TIMEOUT,
                      memory_mb: int | None = isolate.DEFAULT_MEMORY >> 20, batch: int | None = None,
                      workers: int | None = None, password: str | None = None, patterns: str | None = None,
                      formats: list[str] | None = None, progress: bool = False, reviews: str | None = None):
    """Check every report under `root` that changed since the last run; write results to `out`.

    Ends Failed when a file could not be read, else Completed, with the counts as the state's
    message; a caller gets the summary dict (SummaryFlow).

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
        once = _summary_once()
        say("正在查找 PDF…")
        entries = discover_task(root, out)
        # quote(): large collections are passed as they are, not walked item by item for futures
        the_plan = triage_task(quote(entries), out, versions, retry_failed)
        if the_plan.rerendered:
            say(f"{the_plan.rerendered} 份报告的结果按新版报告格式重新生成（未重新读取 PDF）")
        done = _claim_head_start(the_plan)  # files the command line checked while the server booted

        def salvage(done: dict) -> dict:  # the summary of what is done, when the server goes
            return once(lambda: summary.finish(Path(root), Path(out), the_plan, done,
                                               store.Store(Path(out), versions), reviews))

        records = check_all(the_plan, out, versions, formats, timeout, memory_mb, batch, workers or default_workers(),
                            password, patterns, progress, salvage=salvage, done=done)
        _watch_after_checks(records, salvage)
        say("正在写出汇总、表格与索引…")
        result = summarise_task(root, out, quote(the_plan), quote(records), versions, reviews)
        publish(result)
        log_outcome(result, get_run_logger())
        return final_state(result)


def _claim_head_start(the_plan: plan.Plan) -> dict[str, dict]:
    """The files this run's head start (flows/headstart.py) checked and stored, sha256 → record,
    now counted as checked by this run: the triage found them stored and took them for cached."""
    head = _head_start
    if head is None:
        return {}
    done = head.finish()
    for item in the_plan.items:
        if item.sha256 in done and item.status == plan.CACHED:
            item.status = plan.CHECK
            the_plan.records.pop(item.sha256, None)
    checked = {item.sha256 for item in the_plan.items if item.status == plan.CHECK}
    return {sha: record for sha, record in done.items() if sha in checked}


def check_all(the_plan: plan.Plan, out: str, versions: dict, formats: tuple[str, ...], timeout: float | None,
              memory_mb: int | None, batch: int | None, workers: int, password: str | None, patterns: str | None,
              progress: bool, salvage=None, done: dict[str, dict] | None = None) -> dict[str, dict]:
    """Submit the files to check in batches; store each result the moment its file is done.

    Returns sha256 → record. In the threads runner each file's result reaches this thread as
    soon as its child ends (pipeline.deliver_to), so a run killed at any moment has lost at
    most the files in flight; results of other runners arrive with their batch. `salvage`
    (records so far) is called if the temporary Prefect server dies during the run.
    """
    done = done or {}
    work = [t for t in the_plan.to_check if t[2] not in done]  # the head start's files are stored already
    since = _head_start.began if done and _head_start is not None else None
    if not work:
        return collect(the_plan, store.Store(Path(out), versions), [], progress, dict(done), since=since)
    pipeline.warm(patterns, formats)  # here, once: forked children start warm (other runners warm their own)
    say("正在提交核对任务…")
    # the bar's time left weighs each file by its pages, counted beside the run
    weights = count_pages((sha, path) for _, path, sha in work) if progress else None
    memory = None if memory_mb is None else memory_mb << 20
    events: queue.Queue = queue.Queue()
    pipeline.deliver_to(lambda one: events.put(("file", one)))
    try:
        futures = {check_files.submit(group, formats, password, patterns, timeout, memory): group
                   for group in plan.batches(work, workers, batch)}

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
        records: dict[str, dict] = dict(done)
        return collect(the_plan, kept, _events(events, records, salvage), progress, records, weights, since)
    finally:
        pipeline.deliver_to(None)


# The temporary Prefect server of this run, when the command line started it (flows.server).
_server = None
# The files the command line checks while that server boots (flows/headstart.py).
_head_start = None
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


def _server_gone() -> str | None:
    """What has become of the run's Prefect server, if it is gone: the temporary one's process
    ended, or a configured one (flows.settings.ConfiguredServer) stopped answering."""
    gone = getattr(_server, "gone", None)
    if gone is not None:
        return f"Prefect 服务器 {_server.url} 在运行中停止响应" if gone() else None
    process = getattr(_server, "process", None)
    if process is None or process.poll() is None:
        return None
    return "临时 Prefect 服务器在运行中意外退出"


def _check_server(records: dict, salvage, checking: bool = True) -> None:
    what = _server_gone()
    if what is None:
        return
    import sys

    from extract.errors import ExitCode

    if checking:
        pipeline.STOP.set()
        isolate.stop_all()  # the files in flight: retried next run
        isolate.resume()  # the summary's tables are written by a child too (batches stop at STOP)
    message = f"jixiao: {what}；已完成的文件已保存"
    try:
        if salvage is not None:
            summary_doc = salvage(records)
            t = summary_doc["totals"]
            message += f"并写入 summary.json（已核对 {t['checked']}，未完成的 {t['failed']} 个下次运行将重试）"
    except Exception as exc:  # noqa: BLE001 — the line below is all that can still be said
        message += f"，但无法写出汇总（{type(exc).__name__}: {exc}）"
    print(message + ("；请启动该服务器后重新运行" if getattr(_server, "url", None) else "；请重新运行"),
          file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(int(ExitCode.service_unavailable))  # Prefect's threads would block a normal exit


def _watch_after_checks(records: dict, salvage) -> None:
    """Watch the server from the end of the checks to the end of the run (`run` clears
    `_server`): the summary task, the artifacts and the run's final state all go through it,
    and Prefect's client retries for minutes against a server that is gone. The same line and
    exit code as during the checks; the summary is written once (`_summarised`)."""
    watched = _server
    if watched is None:
        return

    def watch() -> None:
        while _server is watched:
            _check_server(records, salvage, checking=False)
            time.sleep(SERVER_POLL)

    threading.Thread(target=watch, name="jixiao-server-watch", daemon=True).start()


def collect(the_plan: plan.Plan, kept: store.Store, outcomes, progress: bool = False,
            records: dict | None = None, weights: dict | None = None, since: float | None = None) -> dict[str, dict]:
    """Store results as they arrive; sha256 → record, for every file known after the run.

    `records` may hold files of this run stored already (the head start's): the bar starts
    with them done.

    `outcomes` yields ("file", result) as each file is done and ("batch", batch, what its
    check returned: a list of results, or the exception that ended the task). A result is
    stored once, whichever way it came. A failure that is not final is not stored: its reason
    goes on the plan's item, and the next run tries the file again.
    """
    records = records if records is not None else {}
    already = dict(records)  # this run's files stored already: the head start's
    records.update(the_plan.records)
    bar = Progress(len(the_plan.to_check), enabled=progress, weights=weights, tick=TICK,  # weights: sha256 → pages
                   start=since)  # the pace counts from the head start's beginning, its files done
    for sha, record in already.items():
        bar.advance(1, failed=int(record.get("status") == "failed"), key=sha)
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
        bar.advance(1, failed=int(failure is not None), key=one["sha256"])

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
                        bar.advance(1, failed=1, key=sha)
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
        from reconcile.markdown import escape  # the description is shown as Markdown

        create_table_artifact(table=table_rows(result), key="jixiao-archive-files",
                              description=f"{escape(visible(result['root']))}：每个 PDF 文件的核对状态与结果"
                                          + (f"（另跳过 {skipped} 个非 PDF 文件，未列出）"
                                             if (skipped := len(result["files"]) - len(pdfs(result))) else ""))
        create_markdown_artifact(markdown=markdown(result), key="jixiao-archive-summary",
                                 description="归档核对摘要")
    except Exception as exc:  # the UI is a convenience; summary.json is the record
        import logging

        logging.getLogger(__name__).warning("could not publish artifacts: %s", exc)


ARTIFACT_ROWS = 2000


def pdfs(result: dict) -> list[dict]:
    """The files the artifacts list: every PDF (by content or by name, read or not). A non-PDF
    file that was skipped (the Word and Excel files beside the reports, a link to a folder) is
    only counted: an archive of attachments would otherwise bury the reports."""
    return [f for f in result["files"] if f["status"] != "skipped" or f["path"].lower().endswith(".pdf")]


def table_rows(result: dict) -> list[dict]:
    """One row a PDF; beyond ARTIFACT_ROWS, failures and files with errors or changes first.

    Names and reasons with control or bidirectional characters escaped (the UI is a web page:
    U+202E would show "fdp.exe" as "exe.pdf")."""
    files = pdfs(result)
    if len(files) > ARTIFACT_ROWS:
        files = sorted(files, key=lambda f: (f["status"] != "failed", -f["counts"]["error"],
                                             not f["changes"]["new"] and not f["changes"]["resolved"], f["path"]))
        files = sorted(files[:ARTIFACT_ROWS], key=lambda f: f["path"])
    return [{"file": visible(f["path"]), "status": f["status"], "exit": f["exit_code"], "errors": f["counts"]["error"],
             "warnings": f["counts"]["warning"], "info": f["counts"]["info"], "new": len(f["changes"]["new"]),
             "resolved": len(f["changes"]["resolved"]), "open": (f.get("review") or {}).get("open"),
             "organization": visible(f["organization"] or ""), "year": f["year"], "reason": visible(f["reason"] or "")}
            for f in files]


def markdown(result: dict) -> str:
    from reconcile.markdown import escape  # names and reasons as literal text, not Markdown

    t = result["totals"]
    others = len(result["files"]) - len(pdfs(result))
    lines = [f"# 归档核对：{escape(visible(result['root']))}", "",
             f"共 {t['files']} 个文件：已核对 {t['checked']}，沿用 {t['cached']}，失败 {t['failed']}，跳过 {t['skipped']}。",
             f"错误 {t['error']}，警告 {t['warning']}，提示 {t['info']}；较上次运行新增 {t['new']}，已解决 {t['resolved']}。",
             *([f"复核：待复核 {t['open']}，确认 {t['confirmed']}，排除 {t['dismissed']}。"] if "reviews" in result else []),
             *([f"另有 {others} 个非 PDF 文件已跳过，未列出（见 summary.json）。"] if others else []),
             f"退出码 {result['exit_code']}。", ""]
    failed = [f for f in result["files"] if f["status"] == "failed"]
    if failed:
        lines += ["## 失败", "", "| 文件 | 退出码 | 原因 |", "|---|---|---|"]
        lines += [f"| {escape(visible(f['path']))} | {f['exit_code']} | {escape(visible(f['reason']))} |"
                  for f in failed[:200]]
        lines.append("")
    changed = [f for f in result["files"] if f["changes"]["new"] or f["changes"]["resolved"]]
    if changed:
        lines += ["## 变化", "", "| 文件 | 新增 | 已解决 | 未变 |", "|---|---|---|---|"]
        lines += [f"| {escape(visible(f['path']))} | {len(f['changes']['new'])} | {len(f['changes']['resolved'])} | "
                  f"{f['changes']['unchanged']} |" for f in changed[:200]]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- entry points
def run(root: str, out: str, workers: int | None = None, dask: str | None = None, pool: str = "threads",
        server=None, head_start=None, **params) -> dict:
    """One archive run from the command line: one flow run, one temporary server if none is set
    (`server`, a flows.server.TemporaryServer the caller started early, or one started here;
    `head_start`, a flows.headstart.HeadStart checking files while it boots)."""
    from flows.settings import ConfiguredServer, answers, api

    global _server, _head_start
    workers = workers or default_workers()
    _server = server  # watched while results arrive (check_all)
    _head_start = head_start  # claimed by the flow once it has triaged the files
    try:
        say(("正在等待临时 Prefect 服务器（同时已开始核对文件）…" if head_start is not None else "正在等待临时 Prefect 服务器…")
            if server is not None else "正在连接 Prefect 服务器…")
        with api(server=server) as configured:
            if configured:  # one that does not answer: one line and exit 6 (flows.cli), not Prefect's traceback
                answers(configured)
                _server = ConfiguredServer(configured)
            archive = reconcile_archive.with_options(task_runner=make_runner(workers, dask, params.get("patterns"), pool))
            try:
                return archive(root=root, out=out, workers=workers, **params)
            except Exception:
                gone = _server_gone()  # gone before the flow was watching it: as the engine starts, say
                if gone is None:
                    raise
                from flows.settings import ServiceUnavailable

                raise ServiceUnavailable(f"{gone}；已完成的文件已保存", "请重新运行") from None
    finally:
        _server = _head_start = None


def serve(root: str, out: str, cron: str, timezone: str = "UTC", workers: int | None = None, dask: str | None = None,
          pool: str = "threads", name: str = "nightly", **params) -> None:
    """Serve the archive flow on a cron schedule in `timezone` (an IANA name, stored with the
    deployment's schedule: "0 2 * * *" is 02:00 there, not 02:00 UTC) against the configured
    Prefect server."""
    from prefect.schedules import Cron

    from flows.settings import answers, api

    workers = workers or default_workers()
    with api(heartbeats=True) as configured:
        answers(configured, temporary=False)
        archive = reconcile_archive.with_options(task_runner=make_runner(workers, dask, params.get("patterns"), pool))
        archive.serve(name=name, schedules=[Cron(cron, timezone=timezone)],
                      parameters={"root": str(Path(root).absolute()), "out": str(Path(out).absolute()),
                                  "workers": workers, **params})
