"""The `jixiao` command line: check and extract reports; one handler maps errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from extract.errors import ExitCode, InternalError, JixiaoError, UsageError, decoded, shown
from extract.triage import DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES
from flows.files import fit, safe_stem, write_atomic
from flows.isolate import DEFAULT_MEMORY, DEFAULT_TIMEOUT
from flows.review_cli import REVIEWS_FILE, load_reviews
from flows.usage import command, epilog

log = logging.getLogger("jixiao")


def add_logging_options(p: argparse.ArgumentParser) -> None:
    """-q, -v and --log-level (--debug is added by each command: its help differs)."""
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no warnings or notes on stderr (errors are still shown, one line each)")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="jixiao's progress logs on stderr (-vv: its debug logs)")
    p.add_argument("--log-level", type=str.lower, choices=LOG_LEVELS, metavar="LEVEL",
                   help=f"level of every logger, third-party libraries' too ({', '.join(LOG_LEVELS)})")


LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
# Loggers of jixiao itself (its packages' module loggers): -v and --debug open these only, so
# that pdfminer's debug log (about 15 000 lines a page) stays out of --debug.
OWN_LOGGERS = ("jixiao", "extract", "reconcile", "flows")

CHECK_EXAMPLES = (
    "jixiao check report.pdf                                  # 表格与汇总行；有错误时退出码 1",
    "jixiao check report.pdf --format json > report.json      # 完整 JSON 文档（结构见 jixiao schema）",
    "jixiao check report.pdf --format html --out report.html  # 给复核人的离线网页",
    "jixiao check a/*.pdf --format xlsx --out 结果/            # 每个报告一个 Excel 文件",
    "jixiao check report.pdf --reviews reviews.toml           # 已排除的错误不再导致退出码 1",
    "jixiao check report.pdf --fail-on warning -q             # CI：警告也失败，不输出提示",
)
EXTRACT_EXAMPLES = (
    "jixiao extract report.pdf                                # 读到的项目、合计与关系（JSON）",
    "jixiao extract a.pdf b.pdf --format csv --out 项目.csv    # 一张表，带 UTF-8 BOM，Excel 可直接打开",
)
REVIEW_EXAMPLES = (
    "jixiao review report.pdf                                 # 每条发现的编号、级别、页码与结论",
    'jixiao review report.pdf --dismiss sum_mismatch:3cd9 --reason "第 5 页另有说明" --by 审计一组',
    "jixiao review report.pdf --confirm sum_mismatch:05e1",
    "jixiao review --merge report.reviews.toml --reviews shared.toml",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jixiao",
        description="核对绩效自评报告中的合计、比率、项数与结余（Check the arithmetic of performance self-evaluation reports.）",
        epilog=epilog(("jixiao check report.pdf", "jixiao extract report.pdf --format csv --out 项目.csv",
                       "jixiao review report.pdf", "jixiao render report.json --pdf report.pdf --out report.html",
                       "jixiao archive 报告/ --out 结果/", "jixiao schema > report.schema.json",
                       "jixiao COMMAND --help                  # 各命令的选项与示例")),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # "--work 2" is not "--workers 2": scripts and config files stay unambiguous
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("files", nargs="+", metavar="FILE", type=Path, help="PDF report(s)")
        p.add_argument("--out", type=Path, help="write here instead of standard output")
        p.add_argument("--password", help="password of an encrypted PDF")
        p.add_argument("--patterns", metavar="TOML", help="extra phrasings to read (see extract/data/patterns.toml)")
        p.add_argument("--config", metavar="TOML",
                       help="defaults for these options (else ./jixiao.toml or ~/.config/jixiao/config.toml)")
        p.add_argument("--debug", action="store_true",
                       help="show tracebacks and jixiao's debug logs (no child process)")
        add_logging_options(p)
        limits = p.add_argument_group("limits for each file")
        limits.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES, metavar="N",
                            help=f"refuse longer PDFs (default {DEFAULT_MAX_PAGES})")
        limits.add_argument("--max-size", type=int, default=DEFAULT_MAX_BYTES >> 20, metavar="MIB",
                            help=f"refuse larger files (default {DEFAULT_MAX_BYTES >> 20} MiB)")
        limits.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                            help=f"stop a file after this long (default {DEFAULT_TIMEOUT:g}; 0: no limit)")
        limits.add_argument("--max-memory", type=int, default=DEFAULT_MEMORY >> 20, metavar="MIB",
                            help=f"stop a file that needs more memory (default {DEFAULT_MEMORY >> 20} MiB; 0: no limit)")

    from reconcile.render import offered

    check = command(sub, "check", "extract a report and check its arithmetic", CHECK_EXAMPLES,
                    (0, 1, 2, 3, 4, 5, 8, 130, 143))
    common(check)
    check.add_argument("--format", choices=offered("check"), default="text",
                       help="xlsx and pdf need --out; formats written one file per report need a folder with several files")
    check.add_argument("--reviews", metavar="TOML",
                       help="reviewers' decisions (confirmed / dismissed findings by id); dismissed errors do not fail")
    check.add_argument("--fail-on", choices=FAIL_ON, default="error",
                       help="findings that give exit status 1: error (the default), warning (errors and warnings) "
                            "or never (other exit codes are unchanged)")
    extract = command(sub, "extract", "extract project lines and stated totals, without checking", EXTRACT_EXAMPLES,
                      (0, 2, 3, 4, 5, 8, 130, 143))
    common(extract)
    extract.add_argument("--format", choices=offered("extract"), default="json",
                         help="json (default) or csv (one row per project line; written to --out with a UTF-8 BOM)")
    command(sub, "schema", "print the JSON Schema (draft 2020-12) of the JSON document of check and extract",
            ("jixiao schema > report.schema.json",
             "jixiao check report.pdf --format json | check-jsonschema --schemafile report.schema.json -"), (0, 5))
    patterns = sub.add_parser("patterns", help="run every phrasing's sample sentence (--check)", allow_abbrev=False)
    patterns.add_argument("--check", action="store_true", default=True, help="read every sample (the default)")
    patterns.add_argument("--patterns", metavar="TOML", help="a user's phrasings, overlaid on the shipped ones")
    patterns.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    add_review_command(sub)
    from flows.render_cli import add_render_command

    add_render_command(sub)
    from flows.archive_cli import add_commands

    add_commands(sub)  # archive, serve
    return parser


FAIL_ON = ("error", "warning", "never")


def add_review_command(sub) -> None:
    review = command(sub, "review", "list a report's findings with their ids and decisions, or record one",
                     REVIEW_EXAMPLES, (0, 2, 3, 4, 5, 130, 143))
    review.add_argument("file", metavar="FILE", type=Path, nargs="?", help="the PDF report")
    decide = review.add_mutually_exclusive_group()
    decide.add_argument("--merge", metavar="TOML", type=Path,
                        help="add the decisions of another reviews file (an HTML report's export) to --reviews")
    decide.add_argument("--dismiss", metavar="ID", help="set this finding aside (needs --reason)")
    decide.add_argument("--confirm", metavar="ID", help="confirm this finding: it is to be raised")
    review.add_argument("--reason", default="", help="why (required with --dismiss)")
    review.add_argument("--by", default="", metavar="NAME", help="who decided")
    review.add_argument("--reviews", metavar="TOML",
                        help=f"the reviews file to read and update (default: the config's, else ./{REVIEWS_FILE})")
    review.add_argument("--password", help="password of an encrypted PDF")
    review.add_argument("--patterns", metavar="TOML", help="extra phrasings to read (see extract/data/patterns.toml)")
    review.add_argument("--config", metavar="TOML", help="defaults for these options")
    review.add_argument("--debug", action="store_true", help="show tracebacks and jixiao's debug logs")
    add_logging_options(review)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jixiao")
    except PackageNotFoundError:
        return "0+unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        apply_config(parser, args, argv)
    except JixiaoError as exc:
        return fail(exc, getattr(args, "debug", False))
    configure_logging(args)
    if getattr(args, "patterns", None) and args.command != "patterns":
        from extract.patterns import load

        try:
            load(args.patterns)  # a bad phrasing file: one line, exit 2, before any work
        except JixiaoError as exc:
            return fail(exc, getattr(args, "debug", False))
    if args.command == "schema":
        return print_schema()
    if args.command == "patterns":
        return check_patterns(args)
    if args.command == "review":
        from flows.review_cli import review

        try:
            return review(args)
        except JixiaoError as exc:
            return fail(exc, args.debug)
    if args.command == "render":
        from flows.render_cli import render

        try:
            return render(args)
        except JixiaoError as exc:
            return fail(exc, args.debug)
    if args.command in ("archive", "serve"):  # Prefect flows: flows/archive_cli.py
        from flows import archive_cli

        try:
            return getattr(archive_cli, args.command)(args)
        except JixiaoError as exc:
            return fail(exc, args.debug)
    try:
        check_outputs(args)
        args.decisions = load_reviews(getattr(args, "reviews", None))
        status, outputs = run(args)
        emit(outputs, args)
        say_unmatched(args, outputs)
    except JixiaoError as exc:
        return fail(exc, args.debug)
    return status


def apply_config(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str] | None) -> None:
    """Settings from the config file fill the options not given on the command line, each
    checked as its option would be (`workers = 0` is refused as `--workers 0` is: exit 2)."""
    from flows.config import config_path, load_config

    given = list(argv if argv is not None else sys.argv[1:])
    actions = {a.dest: a for a in _subparser(parser, args.command)._actions}
    for key, value in load_config(getattr(args, "config", None)).items():
        action = actions.get(key)
        if hasattr(args, key) and not (action is not None and _given(action, given)):
            setattr(args, key, _option_value(action, value, key, config_path(getattr(args, "config", None))))


def _given(action: argparse.Action, argv: list[str]) -> bool:
    """Whether the command line gives this option, by any of its names ("--workers 2",
    "--workers=2", "-q", "-vv"). Options cannot be abbreviated (allow_abbrev=False), so a
    config value never overrides "--work 2" taken for "--workers 2"."""
    for token in argv:
        if token == "--":
            return False
        for name in action.option_strings:
            if token == name or (name.startswith("--") and token.startswith(name + "=")):
                return True
            if len(name) == 2 and not token.startswith("--") and token.startswith("-") and name[1] in token[1:]:
                return True
    return False


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    return parser


def _option_value(action: argparse.Action | None, value, key: str, path: Path | None):
    """A config file's value converted and checked as the command line's would be."""
    if action is None:
        return value
    try:
        if action.type is not None and not isinstance(value, bool):
            text = ",".join(map(str, value)) if isinstance(value, list) else str(value)  # formats = ["json", "html"]
            value = action.type(text)
        if action.choices is not None and value not in action.choices:
            raise ValueError(f"可选：{'、'.join(map(str, action.choices))}")
    except (TypeError, ValueError, argparse.ArgumentTypeError) as exc:
        raise UsageError(f"配置文件 {path} 的设置 {key} = {value!r} 无效（{exc}）", "请按该选项的 --help 修改") from exc
    return value


def configure_logging(args: argparse.Namespace) -> None:
    """Where log records go: warnings of every logger on stderr by default; -q only errors;
    -v jixiao's own INFO, -vv and --debug its DEBUG (third-party libraries stay at WARNING:
    pdfminer alone logs ~15 000 debug lines a page); --log-level sets every logger's level."""
    quiet, verbose, debug = getattr(args, "quiet", False), getattr(args, "verbose", 0), getattr(args, "debug", False)
    level = getattr(args, "log_level", None)
    root = getattr(logging, level.upper()) if level else logging.ERROR if quiet else logging.WARNING
    own = logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else None
    if own is not None:
        own = min(own, root)
    logging.basicConfig(level=root, format="%(name)s: %(message)s")
    logging.getLogger().setLevel(root)
    for name in OWN_LOGGERS:  # NOTSET: as the root logger (a previous in-process run's level is undone)
        logging.getLogger(name).setLevel(own if own is not None else logging.NOTSET)


def note(args: argparse.Namespace, message: str) -> None:
    """A warning or note for the reader on stderr (-q silences it; errors go through `fail`)."""
    if not getattr(args, "quiet", False):
        print(f"jixiao: {message}", file=sys.stderr)


def print_schema() -> int:
    """`jixiao schema`: the JSON Schema of the JSON document, as shipped in the package."""
    from reconcile.render import schema_text

    sys.stdout.write(schema_text())
    return int(ExitCode.ok)


def say_unmatched(args: argparse.Namespace, outputs: list[Output]) -> None:
    """One stderr line for the decisions whose id matched no finding of any file checked."""
    reviews = args.decisions
    if not reviews or not outputs or any(o.failed for o in outputs):  # a file not read might have matched
        return
    found = {i for o in outputs for i in o.finding_ids}
    unmatched = [r for r in reviews.entries.values() if r.id not in found]
    if unmatched:
        shown_ids = "、".join(r.id for r in unmatched[:3]) + ("…" if len(unmatched) > 3 else "")
        note(args, f"复核文件 {reviews.path} 中有 {len(unmatched)} 条结论没有对应的发现（{shown_ids}）；"
                   "报告可能已修改，见 JSON 的 reviews_unmatched")


def check_patterns(args: argparse.Namespace) -> int:
    """Read every sample sentence of the phrasing data; exit 1 if one is not read as it claims."""
    from extract.samples import check_samples

    try:
        results = check_samples(args.patterns)
    except JixiaoError as exc:  # a missing file, bad TOML, a pattern that does not compile
        return fail(exc, args.debug)
    for result in results:
        mark = "通过" if result.ok else "失败"
        print(f"{mark}  {result.entry:<24} {result.sample}\n      → {result.detail}")
    failed = sum(not r.ok for r in results)
    print(f"共 {len(results)} 个样例：通过 {len(results) - failed}，失败 {failed}")
    return int(ExitCode.findings if failed else ExitCode.ok)


def fail(exc: JixiaoError, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(exc)
    print(f"jixiao: {exc}", file=sys.stderr)
    return int(exc.exit_code)


def run(args: argparse.Namespace) -> tuple[int, list[Output]]:
    """Process every file; each failure is reported on its own line and the worst status wins.

    `outputs` holds one Output a file given, in order: a failed one with its exit code and
    reason and no content (for the JSON list of several files).

    Each file is read in a child process under the time and memory limits (flows/isolate.py),
    so a pathological PDF is stopped and reported instead of hanging or exhausting memory.
    With --debug, or both limits at 0, it is read in this process.
    """
    worst = ExitCode.ok
    outputs: list[Output] = []
    isolated = not args.debug and (args.timeout > 0 or args.max_memory > 0)
    if isolated and len(args.files) > 1:
        # loaded once here, what every forked child would load again (with one file there is
        # nothing to share: its child loads what that file needs)
        from flows.pipeline import warm

        warm(args.patterns, (args.format,))
    for path in args.files:
        if isolated:
            from flows import isolate

            outcome = isolate.run(process, args, path, timeout=args.timeout or None, capture_stderr=False,
                                  memory=(args.max_memory << 20) or None)
            if outcome.ok:
                status, output = outcome.value
                outputs.append(replace(output, exit_code=int(status)))
            else:
                status = outcome.exit_code
                print(f"jixiao: {shown(path, whole=True)}：{outcome.reason}" if outcome.kind != "error"
                      else f"jixiao: {outcome.reason}", file=sys.stderr)
                outputs.append(Output(path, None, exit_code=int(status), reason=_reason(path, outcome.reason)))
        else:
            try:
                status, output = process(args, path)
                outputs.append(replace(output, exit_code=int(status)))
            except JixiaoError as exc:
                status = fail(exc, args.debug)
                outputs.append(Output(path, None, exit_code=int(status), reason=_reason(path, str(exc))))
        worst = max(worst, status)
    return int(worst), outputs


def process(args: argparse.Namespace, path: Path) -> tuple[int, Output]:
    """Read, check and render one file (in the child process when isolated)."""
    from extract.reader import read_pdf, require_figures

    try:
        report = read_pdf(path, args.password, args.patterns, max_pages=args.max_pages, max_bytes=args.max_size << 20)
        if _format(args).name == "text":  # the terminal names the file as typed; documents keep no
            report.source = replace(report.source, path=given_path(path))  # absolute path (DESIGN.md)
        return _render(args, require_figures(report), path)
    except JixiaoError:
        raise
    except Exception as exc:  # a bug: one line, the file's name, and what to do
        if args.debug:
            raise
        raise InternalError(f"{shown(path, whole=True)}：处理时发生内部错误（{type(exc).__name__}: {exc}）",
                            "请加 --debug 重试并报告此问题") from exc


@dataclass(frozen=True)
class Output:
    source: Path
    content: str | bytes | None  # None: the file failed
    finding_ids: tuple[str, ...] = ()  # to tell which review decisions matched no finding of the run
    exit_code: int = 0  # the file's own status
    reason: str = ""  # why it failed, without its name

    @property
    def failed(self) -> bool:
        return self.content is None


def given_path(path: Path) -> str:
    """A file's path as the user gave it on the command line (absolute if given so), as text
    that can be stored anywhere (`decoded`), with "/" separators."""
    return decoded(Path(path).as_posix())


def _reason(path: Path, message: str) -> str:
    """A failure's one-line message without the file name it starts with (the entry names the file)."""
    for named in (f"{shown(path, whole=True)}：", f"{shown(path)}："):
        if message.startswith(named):
            return message[len(named):]
    return message


def _render(args: argparse.Namespace, report, path: Path) -> tuple[int, Output]:
    fmt = _format(args)
    if args.command == "extract":
        return ExitCode.ok, Output(path, fmt.render(report, None, path))
    from reconcile import reconcile

    from reconcile.document import verdict

    result = reconcile(report)
    result.reviews = getattr(args, "decisions", None)
    doc = verdict(result)
    status = ExitCode.findings if failing(doc["findings"], getattr(args, "fail_on", "error")) else ExitCode.ok
    if not any(c.outcome != "insufficient_data" for c in result.checks):
        unused = f"；未能关联的含数字句子 {len(report.unused)} 句（见 JSON 的 unused）" if report.unused else ""
        note(args, f"{shown(path, whole=True)}：读到数字，但没有可核对的关系（核对 0 项）{unused}，请人工复核")
    return status, Output(path, fmt.render(report, result, path), tuple(f["id"] for f in doc["findings"]))


def failing(findings: list[dict], fail_on: str = "error") -> int:
    """The findings that give exit status 1 under --fail-on: errors (the default), errors and
    warnings, or none; a finding dismissed by a reviewer never counts."""
    severities = {"error": ("error",), "warning": ("error", "warning"), "never": ()}[fail_on]
    from reconcile.reviews import DISMISSED

    return sum(1 for f in findings
               if f["severity"] in severities and (f.get("review") or {}).get("decision") != DISMISSED)


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
    if args.out is not None and args.out.exists() and any(_same(args.out, f) for f in args.files):
        raise UsageError(f"--out {args.out} 就是输入文件，写入会覆盖原件", "请另选输出路径")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def emit(outputs: list[Output], args: argparse.Namespace) -> None:
    """One output, or several combined, to --out or stdout; otherwise one file each in --out.

    JSON of several files is a list, one entry a file given, in order, also when some or all
    failed: a document (with "status" and "exit_code") or {"source": {"path"}, "status":
    "failed", "exit_code", "reason"}. Other formats show the files that were read.
    """
    fmt = _format(args)
    if fmt.name == "json" and len(args.files) > 1:
        content = json_list(outputs, args.command)
        if args.out is None:
            sys.stdout.write(content)
        else:
            write_atomic(args.out, _bytes(content))
        return
    if len(args.files) > 1 and fmt.combine is None:
        for name, output in zip(output_names(args.files), outputs):  # one Output a file given, in order
            if not output.failed:
                write_atomic(args.out / (name + fmt.suffix), _bytes(output.content))
        return
    outputs = [o for o in outputs if not o.failed]
    if not outputs:
        return
    content = outputs[0].content if len(outputs) == 1 else fmt.combine([o.content for o in outputs])
    if args.out is None:
        sys.stdout.write(content)
    else:
        write_atomic(args.out, fmt.bom + _bytes(content))  # a BOM only in files: on stdout it would reach a pipe


def output_names(files: Sequence[Path]) -> list[str]:
    """The name (without suffix) each input's output takes in the --out folder, in order.

    A file's own name (`safe_stem`), unless another input has the same one (a/report.pdf,
    b/report.pdf): then each of those goes in a subfolder named after as many of its last
    folders as tell them apart (a/report, b/report; x/a/report, y/a/report). The same file
    given twice, or names that differ only in unsafe characters, get "-2", "-3"."""
    stems = [safe_stem(f) for f in files]
    folders = [Path(os.path.abspath(f)).parent.parts[1:] for f in files]  # normalised: no ".."
    names = list(stems)
    for stem in {s.casefold() for s in stems}:
        same = [i for i, s in enumerate(stems) if s.casefold() == stem]
        distinct = len({tuple(p.casefold() for p in folders[i]) for i in same})
        if distinct < 2:  # one file, or the same folder given twice: "-2" below
            continue
        for k in range(1, max(len(folders[i]) for i in same) + 1):  # the fewest last folders that tell them apart
            if len({tuple(p.casefold() for p in folders[i][-k:]) for i in same}) == distinct:
                break
        for i in same:
            names[i] = "/".join([*(_safe_part(p) for p in folders[i][-k:]), stems[i]])
    used: set[str] = set()
    for i, name in enumerate(names):
        n, base = 1, name
        while name.casefold() in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name.casefold())
        names[i] = name
    return names


def _safe_part(name: str) -> str:
    """A folder name kept in an output name, made safe as `safe_stem` makes a file's."""
    return fit("".join(c if c.isalnum() or c in "-_." else "_" for c in decoded(name)).strip("._") or "_")


def json_list(outputs: list[Output], command: str) -> str:
    """The JSON list of several files (see `emit`)."""
    import json

    from extract.reader import display_path
    from reconcile.document import dumps

    entries = []
    for output in outputs:
        if output.failed:
            entries.append({"source": {"path": display_path(Path(output.source))}, "status": "failed",
                            "exit_code": output.exit_code, "reason": output.reason})
            continue
        doc = json.loads(output.content)
        status = {"status": "checked" if command == "check" else "extracted", "exit_code": output.exit_code}
        entries.append({"schema": doc.pop("schema"), **status, **doc} if "schema" in doc else {**status, **doc})
    return dumps(entries)


def _bytes(content) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
