"""Read a report from a PDF file or from plain text (for tests and pattern samples)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path

from extract import ocr
from extract import patterns as patterns_module
from extract.errors import InputError, NoReportError, decoded, shown
from extract.lines import Char, Line, group_lines, strip_running
from extract.model import Fact, Report, Source
from extract.blocks import assemble
from extract.paragraphs import Paragraph
from extract.parse import parse
from extract.pdf import AUTO, PageContent, read_pages, sha256_of
from extract.triage import DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES, triage

log = logging.getLogger(__name__)


def display_path(path: Path) -> str:
    """The path as a report names it: relative to the working folder when it lies below it,
    else as given if relative, else the file name (documents hold no absolute paths)."""
    try:
        return decoded(path.resolve().relative_to(Path.cwd().resolve()).as_posix())
    except ValueError:
        return decoded(path, whole=False) if path.is_absolute() else decoded(path.as_posix())


def read_pdf(path: str | Path, password: str | None = None, patterns_file: str | None = None, *,
             max_pages: int = DEFAULT_MAX_PAGES, max_bytes: int = DEFAULT_MAX_BYTES, layer: str = AUTO) -> Report:
    """Extract a report from a PDF. Raises InputError, saying what to do, if it cannot be read.

    `layer` picks who reads the text (extract/pdf.py): "auto" (PDFium where it suffices) or
    "pdfplumber" for every page."""
    path = Path(path)
    triage(path, max_bytes)
    pages = read_pages(path, password, max_pages, layer)
    ocr_pages, unread = _recognise(path, password, pages)
    if not any(p.lines or p.tables for p in pages):
        if unread:
            raise InputError(f"{shown(path)}：PDF 没有文字层（扫描件，共 {len(pages)} 页）", ocr.INSTALL_HINT)
        raise InputError(f"{shown(path)}：PDF 中没有可读取的文字", "请提交由 Word/WPS 导出的 PDF")
    if unread:
        log.warning("%s：第 %s 页没有文字层，未能读取；%s", shown(path), "、".join(map(str, unread)), ocr.INSTALL_HINT)
    blocks = assemble(strip_running([p.lines for p in pages]), [p.tables for p in pages])
    source = Source(display_path(path), sha256_of(path), len(pages), tuple(ocr_pages), tuple(unread))
    report = parse(blocks, source, patterns_module.load(patterns_file))
    if ocr_pages:
        mark_ocr(report, set(ocr_pages))
    return report


def _recognise(path: Path, password: str | None, pages: list[PageContent]) -> tuple[list[int], list[int]]:
    """OCR each page without a usable text layer, when jixiao[ocr] is installed."""
    done, unread = [], []
    for page in pages:
        if not page.unreadable:
            continue
        if not ocr.available():
            unread.append(page.number)
            continue
        page.lines = group_lines(ocr.read_page(path, page.number, password), page.number, page.width, page.height)
        done.append(page.number)
    return done, unread


def mark_ocr(report: Report, pages: set[int]) -> None:
    """Flag every figure printed on an OCR'd page."""
    lines = [*report.projects, *(r for p in report.projects for r in p.readings)]
    holders = [*lines, *report.aggregates, *(r for a in report.aggregates for r in a.rows)]
    for ev in report.self_evaluations:
        holders.append(ev)
        holders.extend(ev.indicators)
    for holder in holders:
        for name in holder.__dataclass_fields__:
            fact = getattr(holder, name)
            if isinstance(fact, Fact) and fact.span.page in pages and not fact.ocr:
                setattr(holder, name, replace(fact, ocr=True))


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
            paragraphs.append(Paragraph([Line(page_number, chars)]))
    return paragraphs


def require_figures(report: Report) -> Report:
    """Refuse a document that holds no report figures at all (exit 4)."""
    if not (report.projects or report.aggregates or report.relations or report.self_evaluations or report.unused):
        raise NoReportError(
            f"{report.source.path}：未找到预算数、执行数等绩效自评数据",
            "请确认这是绩效自评报告；如果写法特殊，可用 --patterns 添加写法",
        )
    return report
