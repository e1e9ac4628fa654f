"""`jixiao render DOC.json`: a saved JSON document of `jixiao check` rendered again, without the checks.

The HTML, Excel, Markdown and annotated PDF reports are made from the JSON document alone
(reconcile/view.py), so a reviewer can be sent a new rendering — new decisions, a new
template — of a document checked earlier, and gets what `jixiao check --format html` gave.
Only the page crops of the HTML report and the annotated PDF need the PDF itself (`--pdf`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from extract.errors import ExitCode, InputError, UsageError, shown
from flows.files import write_atomic
from flows.usage import command

EXAMPLES = (
    "jixiao check report.pdf --format json --out report.json",
    "jixiao render report.json --pdf report.pdf --out report.html",
    "jixiao render report.json --format xlsx --out report.xlsx",
    "jixiao render report.json --reviews reviews.toml --pdf report.pdf --out report.html",
)


def add_render_command(sub) -> None:
    from reconcile.render import FORMATS

    names = tuple(name for name, fmt in FORMATS.items() if fmt.from_document is not None)
    render = command(sub, "render", "render a saved JSON document of check again (html, xlsx, md, pdf, json)",
                     EXAMPLES, (0, 2, 3, 5, 130, 143))
    render.add_argument("document", metavar="DOC", type=Path, help="a JSON document of `jixiao check --format json`")
    render.add_argument("--format", choices=names, default="html",
                        help="html (default), xlsx, md, pdf (the original PDF annotated: needs --pdf) or json")
    render.add_argument("--pdf", type=Path, metavar="FILE",
                        help="the PDF the document was checked from: page crops for html, the pages for pdf")
    render.add_argument("--out", type=Path, help="write here instead of standard output (xlsx and pdf need it)")
    render.add_argument("--reviews", metavar="TOML", help="reviewers' decisions to show instead of the document's")
    render.add_argument("--debug", action="store_true", help="show tracebacks")


def render(args: argparse.Namespace) -> int:
    from flows.review_cli import load_reviews
    from reconcile import reviews
    from reconcile.render import FORMATS

    fmt = FORMATS[args.format]
    if fmt.binary and args.out is None:
        raise UsageError(f"--format {fmt.name} 是二进制格式，请用 --out 指定输出文件")
    if args.format == "pdf" and args.pdf is None:
        raise UsageError("--format pdf 在原始 PDF 上标注，需要 --pdf 指定核对时读取的文件")
    decisions = load_reviews(args.reviews)
    doc = load_document(args.document)
    if decisions is not None:
        reviews.apply(doc, decisions)
    content = fmt.from_document(doc, args.pdf)
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    if args.out is None:
        sys.stdout.write(content)
    else:
        write_atomic(args.out, fmt.bom + data)
    return int(ExitCode.ok)


def load_document(path: Path) -> dict:
    """A checked JSON document of this version, or InputError (exit 3) saying what it is instead."""
    from reconcile.document import SCHEMA

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{shown(path)}：文件不存在", "请检查路径") from exc
    except OSError as exc:
        raise InputError(f"{shown(path)}：无法读取（{exc.strerror or exc}）", "请检查文件权限") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{shown(path)}：不是 JSON 文件（{exc}）",
                         "请提供 jixiao check --format json 的输出") from exc
    if isinstance(doc, list):
        raise InputError(f"{shown(path)}：是 {len(doc)} 个文件的结果列表，render 一次渲染一个文档",
                         "请分别核对各文件，或用 --out 文件夹一次写出各自的报告")
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema != SCHEMA and isinstance(schema, str) and schema.startswith("jixiao.report/"):
        raise InputError(f"{shown(path)}：由另一版本的 jixiao 生成（{schema}，本版本为 {SCHEMA}）",
                         "请用本版本重新核对原 PDF")
    if schema != SCHEMA:
        raise InputError(f"{shown(path)}：不是 jixiao 的 JSON 文档", "请提供 jixiao check --format json 的输出")
    if "findings" not in doc:
        raise InputError(f"{shown(path)}：是 jixiao extract 的结果，没有核对结论",
                         "请用 jixiao check --format json 生成文档")
    return doc

