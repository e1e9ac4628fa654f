"""The `jixiao` command line: check and extract reports; one handler maps errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from extract.errors import ExitCode, JixiaoError, OutputError

log = logging.getLogger("jixiao")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jixiao",
        description="核对绩效自评报告中的合计、比率、项数与结余（Check the arithmetic of performance self-evaluation reports.）",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("files", nargs="+", metavar="FILE", type=Path, help="PDF report(s)")
        p.add_argument("--out", type=Path, help="write here instead of standard output")
        p.add_argument("--password", help="password of an encrypted PDF")
        p.add_argument("--patterns", metavar="TOML", help="extra phrasings to read (see extract/data/patterns.toml)")
        p.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")

    check = sub.add_parser("check", help="extract a report and check its arithmetic")
    common(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    extract = sub.add_parser("extract", help="extract project lines and stated totals, without checking")
    common(extract)
    extract.add_argument("--format", choices=("json", "csv"), default="json")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jixiao")
    except PackageNotFoundError:
        return "0+unknown"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(name)s: %(message)s")
    try:
        status, text = run(args)
        emit(text, args.out)
    except JixiaoError as exc:
        return fail(exc, args.debug)
    return status


def fail(exc: JixiaoError, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(exc)
    print(f"jixiao: {exc}", file=sys.stderr)
    return int(exc.exit_code)


def run(args: argparse.Namespace) -> tuple[int, str]:
    """Process every file; each failure is reported on its own line and the worst status wins."""
    from extract.reader import read_pdf, require_figures

    worst = ExitCode.ok
    outputs: list[str] = []
    docs: list[dict] = []
    for path in args.files:
        try:
            report = require_figures(read_pdf(path, args.password, args.patterns))
            status, rendered = _render(args, report)
        except JixiaoError as exc:
            status = fail(exc, args.debug)
        except Exception as exc:  # a bug: say so in one line, keep going with the other files
            if args.debug:
                raise
            print(f"jixiao: {path}：处理时发生内部错误（{type(exc).__name__}: {exc}）；"
                  f"请加 --debug 重试并报告此问题", file=sys.stderr)
            status = ExitCode.input_unreadable
        else:
            (docs if isinstance(rendered, dict) else outputs).append(rendered)
        worst = max(worst, status)
    if docs:
        from reconcile.document import dumps

        outputs.append(dumps(docs[0] if len(docs) == 1 else docs))
    return int(worst), "".join(outputs) if args.format != "text" else "\n".join(outputs)


def _render(args: argparse.Namespace, report) -> tuple[int, str | dict]:
    if args.command == "extract":
        if args.format == "csv":
            return ExitCode.ok, report.projects_frame().to_csv(index=False)
        from reconcile.document import document

        return ExitCode.ok, document(report)
    from reconcile import reconcile

    result = reconcile(report)
    status = ExitCode.findings if result.count("error") else ExitCode.ok
    if args.format == "json":
        from reconcile.document import document

        return status, document(report, result)
    from reconcile.text import render

    return status, render(report, result)


def emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    write_atomic(out, text.encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename: never a half-written output."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"无法写入 {path}（{exc.strerror or exc}）", "请检查输出路径与权限") from exc



if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
