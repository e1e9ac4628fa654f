"""Read a report from a PDF file or from plain text (for tests and pattern samples)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from extract import patterns as patterns_module
from extract.errors import InputError, NoReportError
from extract.lines import Char, Line, strip_running
from extract.model import Report, Source
from extract.blocks import assemble
from extract.paragraphs import Paragraph
from extract.parse import parse
from extract.pdf import read_pages, sha256_of


def display_path(path: Path) -> str:
    """The path as a report names it: relative to the working folder when it lies below it,
    else as given if relative, else the file name (documents hold no absolute paths)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.name if path.is_absolute() else path.as_posix()


def read_pdf(path: str | Path, password: str | None = None, patterns_file: str | None = None) -> Report:
    """Extract a report from a PDF. Raises InputError if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}：文件不存在或不是普通文件", "请检查路径")
    pages = read_pages(path, password)
    if not any(p.lines or p.tables for p in pages):
        raise InputError(
            f"{path.name}：PDF 没有可读取的文字层（可能是扫描件）", "请提交由 Word/WPS 导出的 PDF"
        )
    blocks = assemble(strip_running([p.lines for p in pages]), [p.tables for p in pages])
    source = Source(display_path(path), sha256_of(path), len(pages))
    return parse(blocks, source, patterns_module.load(patterns_file))


def read_text(text: str, name: str = "text", patterns_file: str | None = None) -> Report:
    """Extract a report from plain text: one paragraph a line, pages split by form feeds.

    Each character gets a made-up box (10 pt wide, lines 20 pt apart) so that spans
    behave as they do for PDFs.
    """
    paragraphs = paragraphs_from_text(text)
    source = Source(name, hashlib.sha256(text.encode("utf-8")).hexdigest(), text.count("\f") + 1)
    return parse(paragraphs, source, patterns_module.load(patterns_file))


def paragraphs_from_text(text: str) -> list[Paragraph]:
    paragraphs = []
    for page_number, page in enumerate(text.split("\f"), start=1):
        for row, line_text in enumerate(page.splitlines()):
            if not line_text.strip():
                continue
            top = 20.0 * row
            chars = [
                Char(ch, page_number, 10.0 * i, top, 10.0 * (i + 1), top + 10.0, 10.0)
                for i, ch in enumerate(line_text)
            ]
            paragraphs.append(Paragraph(chars, [Line(page_number, chars)]))
    return paragraphs


def require_figures(report: Report) -> Report:
    """Refuse a document that holds no report figures at all (exit 4)."""
    if not report.projects and not report.aggregates:
        raise NoReportError(
            f"{report.source.path}：未找到预算数、执行数等绩效自评数据",
            "请确认这是绩效自评报告；如果写法特殊，可用 --patterns 添加写法",
        )
    return report
