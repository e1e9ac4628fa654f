"""`jixiao archive` and `jixiao serve`: their arguments, Prefect's settings, then the flow.

Prefect is imported only after flows.settings has set its environment, and only here:
`jixiao check` never loads it.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

from extract.errors import ExitCode, JixiaoError, UsageError
from flows import isolate


def add_commands(sub) -> None:
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("root", metavar="DIR", type=Path, help="archive folder (searched recursively)")
        p.add_argument("--out", type=Path, required=True, help="output folder (kept between runs: results are reused)")
        p.add_argument("--workers", type=_positive, help="worker processes (default: the machine's cores)")
        p.add_argument("--dask", metavar="ADDRESS", help="run the checks on an existing Dask cluster, e.g. tcp://host:8786")
        p.add_argument("--pool", choices=("threads", "processes"), default="threads",
                       help="submit the checks from threads (default) or Prefect's process pool; "
                            "either way each file is checked in a process of its own")
        p.add_argument("--retry-failed", action="store_true", help="check again the files that failed before")
        p.add_argument("--timeout", type=float, default=isolate.DEFAULT_TIMEOUT, metavar="SECONDS",
                       help="stop a file after this long (default %(default)g; 0: no limit)")
        p.add_argument("--max-memory", type=int, default=isolate.DEFAULT_MEMORY >> 20, metavar="MIB",
                       help="stop a file that needs more memory (default %(default)d MiB; 0: no limit)")
        p.add_argument("--batch", type=_positive,
                       help="files per task (default: about four tasks per worker, at most 50)")
        p.add_argument("--formats", type=_formats, metavar="LIST",
                       help="what to write per report, e.g. json,html (default: json, html and xlsx)")
        p.add_argument("--password", help="password for encrypted PDFs")
        p.add_argument("--patterns", metavar="TOML", help="extra phrasings to read (see extract/data/patterns.toml)")
        p.add_argument("--reviews", metavar="TOML",
                       help="reviewers' decisions by finding id (default: OUT/reviews.toml when present)")
        p.add_argument("-q", "--quiet", action="store_true",
                       help="no progress bar, no closing summary line, no jixiao warnings (errors are still shown)")
        p.add_argument("-v", "--verbose", action="count", default=0,
                       help="jixiao's progress logs on stderr (-vv: its debug logs)")
        p.add_argument("--config", metavar="TOML",
                       help="defaults for workers, formats, timeout, max_memory, reviews, patterns "
                            "(else ./jixiao.toml or ~/.config/jixiao/config.toml)")
        p.add_argument("--no-wait", action="store_true",
                       help="when another run is using OUT, stop at once (exit 7) instead of waiting for it; "
                            "scheduled runs always wait")
        p.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")

    from flows.usage import command

    archive = command(sub, "archive", "check every report in a folder; only what changed since the last run",
                      ("jixiao archive 报告/ --out 结果/                  # 结果/index.html、summary.json、archive.duckdb",
                       "jixiao archive 报告/ --out 结果/ --workers 2 --formats json,html",
                       "jixiao archive 报告/ --out 结果/ --retry-failed --no-wait -q"),
                      (0, 1, 2, 3, 4, 5, 6, 7, 8, 130, 143))
    common(archive)
    serve = command(sub, "serve", "serve the archive run on a schedule (needs a Prefect server)",
                    ('PREFECT_API_URL=http://127.0.0.1:4200/api jixiao serve 报告/ --out 结果/ --cron "0 2 * * *"',),
                    (0, 2, 6, 130, 143))
    common(serve)
    serve.add_argument("--cron", required=True, help='schedule, e.g. "0 2 * * *" (02:00 every night)')
    serve.add_argument("--name", default="nightly", help="deployment name (default %(default)s)")
    serve.add_argument("--timezone", metavar="ZONE",
                       help="the cron schedule's time zone, an IANA name such as Asia/Shanghai "
                            "(default: the machine's zone, else UTC)")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _formats(text: str) -> list[str]:
    from reconcile.render import FORMATS

    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in FORMATS or n in ("text", "csv")]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown format(s): {', '.join(unknown) or text!r}")
    return names


def _params(args: argparse.Namespace) -> dict:
    if not args.root.is_dir():
        raise UsageError(f"{args.root}：不是文件夹", "请给出归档文件夹的路径")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out}：已存在且不是文件夹", "--out 应为文件夹")
    from flows.decisions import load

    reviews = str(Path(args.reviews).absolute()) if args.reviews else None
    load(args.out, reviews)  # a malformed reviews file stops the run before any work (exit 2)
    return {"retry_failed": args.retry_failed, "timeout": args.timeout or None, "reviews": reviews,
            "memory_mb": args.max_memory or None,
            "batch": args.batch, "password": args.password, "patterns": args.patterns, "formats": args.formats}


def _prepare(args: argparse.Namespace) -> None:
    from flows.settings import configure, exit_on_sigterm

    if args.debug:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    configure()
    exit_on_sigterm()


def archive(args: argparse.Namespace) -> int:
    """The archive run, with a status line on a terminal from its first second until the bar."""
    from flows import progress

    progress.begin(sys.stderr, progress.wanted(sys.stderr, args.quiet))
    try:
        with _no_service_noise(args.debug):
            return _archive(args)
    finally:
        progress.end()


@contextmanager
def _no_service_noise(debug: bool):
    """Keep the end of Prefect's failed background services off the terminal (not with --debug).

    Its events worker sends the UI's events from a thread of its own; on a loaded machine it
    may fail to reach a server that is being stopped, and then, besides its own log line
    (PREFECT_LOGGING_INTERNAL_LEVEL, flows.settings), asyncio says "Task was destroyed but it
    is pending!" and Python prints the AssertionError its coroutine ends with: ten lines on
    stderr, seen once in the full test suite, about UI events only (results, summary and
    exit code are the run's own)."""
    if debug:
        yield
        return
    noise = _ServiceNoise()
    logging.getLogger("asyncio").addFilter(noise)
    hook = sys.unraisablehook

    def unraisable(unraisable) -> None:
        if not _prefect_service(getattr(unraisable, "object", None)):
            hook(unraisable)

    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        sys.unraisablehook = hook
        logging.getLogger("asyncio").removeFilter(noise)


def _prefect_service(thing) -> bool:
    """A coroutine of Prefect's background services (prefect._internal.concurrency.services)."""
    code = getattr(thing, "cr_code", None)
    return code is not None and "prefect/_internal/concurrency" in code.co_filename.replace("\\", "/")


class _ServiceNoise(logging.Filter):
    """asyncio's "Task was destroyed but it is pending!" for a task of Prefect's services (the
    message names the task's coroutine and its file)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Task was destroyed but it is pending")
                    and "prefect/_internal/concurrency/" in message.replace("\\", "/"))


def _archive(args: argparse.Namespace) -> int:
    params = _params(args)
    _prepare(args)
    from flows.settings import require_answer

    require_answer()  # a configured server that does not answer: one line, exit 6, OUT untouched
    from flows.lock import hold
    from flows.progress import end, say, wanted

    try:
        # One run at a time on OUT, from reading its store to pruning it (the flow finds it held).
        with hold(args.out, wait=not getattr(args, "no_wait", False)):
            say("正在查找 PDF…")
            the_plan = kept = result = None
            if not args.dask:
                the_plan, kept = triaged(str(args.root), str(args.out), **params)
                result = _summary_if_unchanged(str(args.root), str(args.out), the_plan, kept, params["reviews"])
            if result is None:
                server = _early_server()
                head = None
                try:
                    say("正在启动临时 Prefect 服务器…" if server is not None else "正在加载 Prefect…")
                    from flows import pipeline
                    from flows.archive import run

                    if server is not None:
                        _no_profile_server(server)  # one named by a profile: checked before warming up
                    if server is not None and args.pool == "threads" and not args.dask:
                        # files are forked from here: warm up, and start checking, while the server boots
                        say("正在预热（加载分词词典等），临时 Prefect 服务器同时启动…")
                        pipeline.warm(args.patterns, pipeline.archive_formats(args.formats))
                        from flows.archive import default_workers
                        from flows.headstart import HeadStart

                        head = HeadStart(the_plan.to_check, kept, args.workers or default_workers(), **params).start()
                    with _one_line_failures(args.debug):
                        result = run(str(args.root), str(args.out), workers=args.workers, dask=args.dask,
                                     pool=args.pool, progress=wanted(sys.stderr, args.quiet),
                                     server=server, head_start=head, **params)
                finally:
                    if head is not None:  # claimed by the flow already, unless the run ended before
                        head.stop.set()  # (then its files in flight are stopped with the others)
                    if server is not None:
                        server.stop()
    except KeyboardInterrupt:
        end()
        isolate.stop_all()  # no file's child outlives the run
        # after the terminal's ^C (and a progress bar) on a line of its own; one line in a log
        print(("\n" if sys.stderr.isatty() else "") + "jixiao: 已中断；已完成的文件已保存，再次运行将从中断处继续",
              file=sys.stderr)
        return int(ExitCode.interrupted)
    end()  # the status line, when nothing was left to check
    for f in result["files"]:
        if f["status"] == "failed" and not f["cached"]:  # stored failures were told in their own run
            from flows.summary import failure_line

            print(f"jixiao: {failure_line(f['path'], f['reason'])}", file=sys.stderr)
    if not args.quiet:
        from flows.archive import counts_line  # loaded already whenever the flow ran

        print(f"{counts_line(result)}  → {args.out / 'summary.json'}")
    unmatched = result.get("reviews", {}).get("unmatched", [])
    if unmatched:
        print(f"jixiao: 复核文件 {result['reviews']['path']} 中有 {len(unmatched)} 条结论没有对应的发现"
              f"（{'、'.join(u['id'] for u in unmatched[:3])}{'…' if len(unmatched) > 3 else ''}）；"
              "见 summary.json 的 reviews.unmatched", file=sys.stderr)
    return int(result["exit_code"])


@contextmanager
def _one_line_failures(debug: bool):
    """Keep Prefect's log of a JixiaoError (two tracebacks, ~40 lines) off the terminal: the
    error itself leaves the flow and reaches flows.cli.fail, which prints it as one line and
    returns its exit code (5 for a full disk). The record still goes to the Prefect API
    (the run's log in the UI); with --debug the terminal shows it too.

    Also Prefect's `--- Error logging to API ---` when the server has gone: its log worker
    writes that to stderr itself whenever `logging.raiseExceptions` is set (the stdlib's
    switch for handler errors), before the run notices and says so in one line (exit 6)."""
    if debug:
        yield
        return
    from prefect.logging.handlers import APILogHandler

    quiet = _QuietJixiaoErrors()
    handlers = {h for name in (None, "prefect", "prefect.flow_runs", "prefect.task_runs")
                for h in logging.getLogger(name).handlers if not isinstance(h, APILogHandler)}
    for handler in handlers:
        handler.addFilter(quiet)
    raising, logging.raiseExceptions = logging.raiseExceptions, False
    try:
        yield
    finally:
        logging.raiseExceptions = raising
        for handler in handlers:
            handler.removeFilter(quiet)


class _QuietJixiaoErrors(logging.Filter):
    """Drops the flow and task engines' records of a run or task that ended in a JixiaoError, and
    their "Crash detected!" on Ctrl-C or SIGTERM (the command says 已中断 itself, in one line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(("prefect.flow_runs", "prefect.task_runs")):
            return True
        if record.getMessage().startswith("Crash detected! Execution was aborted by"):
            return False
        if record.exc_info and isinstance(record.exc_info[1], JixiaoError):
            return False
        names = "|".join(_subclasses(JixiaoError))
        return not re.search(rf"exception:? (?:[\w.]+\.)?(?:{names})\b", record.getMessage())


def _subclasses(cls: type) -> list[str]:
    found = [cls.__name__]
    for sub in cls.__subclasses__():
        found += _subclasses(sub)
    return found


def _early_server():
    """The temporary Prefect server, launched now so that it boots while Prefect is imported
    and the checks warm up; None when a server is configured (PREFECT_API_URL set, or named
    by the profile that `unchanged` has already loaded)."""
    from flows.server import TemporaryServer

    if os.environ.get("PREFECT_API_URL"):
        return None
    if "prefect.settings" in sys.modules:
        from prefect.settings import PREFECT_API_URL

        if PREFECT_API_URL.value():
            return None
    return TemporaryServer().start()


def _no_profile_server(server) -> None:
    """Raise ServiceUnavailable now (not after the warm-up) when a Prefect profile names a
    server that does not answer; Prefect is imported while the early server boots."""
    from prefect.settings import PREFECT_API_URL

    from flows.settings import ServiceUnavailable, answers

    try:
        answers(PREFECT_API_URL.value())
    except ServiceUnavailable:
        server.stop()
        raise


def triaged(root: str, out: str, *, retry_failed: bool = False, patterns: str | None = None,
            formats: list[str] | None = None, **_):
    """The files under ROOT triaged against OUT's store: (plan, store)."""
    from flows import pipeline, plan, store
    from flows.discover import discover

    root, out = str(Path(root).absolute()), str(Path(out).absolute())
    kept = store.Store(Path(out), store.versions(patterns, pipeline.archive_formats(formats)))
    return plan.triage(discover(root, exclude=(out,)), kept, retry_failed), kept


def unchanged(root: str, out: str, *, reviews: str | None = None, **params) -> dict | None:
    """When nothing under ROOT is new or changed and no Prefect server is configured, the
    summary, written without starting a temporary server (5–10 s of a re-run's 11–13 s).

    With a server configured the flow runs as usual, so the run shows in its UI. Returns
    None when there is something to check.
    """
    return _summary_if_unchanged(root, out, *triaged(root, out, **params), reviews)


def _summary_if_unchanged(root: str, out: str, the_plan, kept, reviews: str | None) -> dict | None:
    if the_plan.to_check:
        return None
    from prefect.settings import PREFECT_API_URL  # only now: a profile or .env may name a server

    if PREFECT_API_URL.value():
        return None
    from flows import summary

    root, out = Path(root).absolute(), Path(out).absolute()
    return summary.finish(root, out, the_plan, dict(the_plan.records), kept, reviews)


def serve(args: argparse.Namespace) -> int:
    """Serve the archive run on its schedule; the schedule, its time zone and the server are
    checked first, each a line and an exit status of its own (2, 2, 6) instead of a traceback."""
    params = _params(args)
    from flows.settings import check_schedule, local_timezone, require_answer

    timezone, note = getattr(args, "timezone", None), None
    if not timezone:
        timezone, note = local_timezone()
    _prepare(args)
    check_schedule(args.cron, timezone)
    require_answer(temporary=False)
    if note:  # said once the command is known to go on: a refusal stays one line
        print(f"jixiao: {note}", file=sys.stderr)
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise UsageError("定时运行需要一个 Prefect 服务器（临时服务器没有调度器）",
                         "请先运行 `prefect server start`，再设置 PREFECT_API_URL=http://127.0.0.1:4200/api")
    from flows.archive import serve as serve_flow

    serve_flow(str(args.root), str(args.out), args.cron, timezone=timezone, workers=args.workers, dask=args.dask,
               pool=args.pool, name=args.name,
               **params)
    return 0
