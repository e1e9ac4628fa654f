"""The `jixiao` command line: check and extract reports; one handler maps errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from extract.errors import ExitCode, JixiaoError, OutputError, UsageError

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

    from reconcile.render import offered

    check = sub.add_parser("check", help="extract a report and check its arithmetic")
    common(check)
    check.add_argument("--format", choices=offered("check"), default="text",
                       help="xlsx needs --out; formats written one file per report need a folder with several files")
    extract = sub.add_parser("extract", help="extract project lines and stated totals, without checking")
    common(extract)
    extract.add_argument("--format", choices=offered("extract"), default="json")
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
        check_outputs(args)
        status, outputs = run(args)
        emit(outputs, args)
    except JixiaoError as exc:
        return fail(exc, args.debug)
    return status


def fail(exc: JixiaoError, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(exc)
    print(f"jixiao: {exc}", file=sys.stderr)
    return int(exc.exit_code)


def run(args: argparse.Namespace) -> tuple[int, list[Output]]:
    """Process every file; each failure is reported on its own line and the worst status wins."""
    from extract.reader import read_pdf, require_figures

    worst = ExitCode.ok
    outputs: list[Output] = []
    for path in args.files:
        try:
            report = require_figures(read_pdf(path, args.password, args.patterns))
            status, output = _render(args, report, path)
        except JixiaoError as exc:
            status = fail(exc, args.debug)
        except Exception as exc:  # a bug: say so in one line, keep going with the other files
            if args.debug:
                raise
            print(f"jixiao: {path}：处理时发生内部错误（{type(exc).__name__}: {exc}）；"
                  f"请加 --debug 重试并报告此问题", file=sys.stderr)
            status = ExitCode.input_unreadable
        else:
            outputs.append(output)
        worst = max(worst, status)
    return int(worst), outputs


@dataclass(frozen=True)
class Output:
    source: Path
    content: str | bytes


def _render(args: argparse.Namespace, report, path: Path) -> tuple[int, Output]:
    fmt = _format(args)
    if args.command == "extract":
        return ExitCode.ok, Output(path, fmt.render(report, None, path))
    from reconcile import reconcile

    result = reconcile(report)
    status = ExitCode.findings if result.count("error") else ExitCode.ok
    return status, Output(path, fmt.render(report, result, path))


def _format(args: argparse.Namespace):
    from reconcile.render import FORMATS

    return FORMATS[args.format]


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output that cannot hold what was asked (exit 2)."""
    fmt = _format(args)
    if fmt.binary and args.out is None:
        raise UsageError(f"--format {fmt.name} 是二进制格式，请用 --out 指定输出文件")
    if len(args.files) > 1 and fmt.combine is None and (args.out is None or args.out.is_file()):
        raise UsageError(f"多个文件以 {fmt.name} 格式输出时，--out 应为文件夹（每个报告一个文件）")


def emit(outputs: list[Output], args: argparse.Namespace) -> None:
    """One output, or several combined, to --out or stdout; otherwise one file each in --out."""
    if not outputs:
        return
    fmt = _format(args)
    if len(args.files) > 1 and fmt.combine is None:
        used: set[str] = set()
        for output in outputs:
            stem = safe_stem(output.source)
            name, n = stem, 1
            while name in used:  # a/report.pdf and b/report.pdf
                n += 1
                name = f"{stem}-{n}"
            used.add(name)
            write_atomic(args.out / (name + fmt.suffix), _bytes(output.content))
        return
    content = outputs[0].content if len(outputs) == 1 else fmt.combine([o.content for o in outputs])
    if args.out is None:
        sys.stdout.write(content)
    else:
        write_atomic(args.out, _bytes(content))


def safe_stem(path: Path) -> str:
    """A file name from an input path that cannot leave the output folder."""
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in path.stem).strip("._") or "report"
    return stem[:120]


def _bytes(content) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


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
