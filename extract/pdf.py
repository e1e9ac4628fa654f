"""Open a PDF with pdfplumber and read each page's characters once, as lines."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from dataclasses import dataclass, field

from extract.errors import InputError
from extract.lines import Char, Line, group_lines
from extract.tables import Table, ruled_tables

log = logging.getLogger(__name__)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(slots=True)
class PageContent:
    """One page: its text lines outside ruled tables, and its ruled tables."""

    number: int
    lines: list[Line]
    tables: list[Table] = field(default_factory=list)


def read_pages(path: Path, password: str | None = None) -> list[PageContent]:
    """Every page's lines and ruled tables; a page's characters are read once and its caches freed."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(path, password=password or "")
    except PDFPasswordIncorrect as exc:
        raise InputError(
            f"{path.name}：PDF 已加密，无法打开", "请用 --password 提供打开密码，或提交未加密的文件"
        ) from exc
    except PDFSyntaxError as exc:
        raise InputError(f"{path.name}：不是有效的 PDF 文件（{exc}）", "请确认文件完整且确为 PDF") from exc
    except Exception as exc:  # pdfminer raises many kinds for damaged files
        name = type(exc).__name__
        raise InputError(f"{path.name}：PDF 文件已损坏，无法读取（{name}）", "请重新导出或下载原文件") from exc
    pages: list[PageContent] = []
    with pdf:
        for number, page in enumerate(pdf.pages, start=1):
            try:
                chars = [
                    Char(c["text"], number, c["x0"], c["top"], c["x1"], c["bottom"], c["size"])
                    for c in page.chars
                    if c.get("upright", True) and c["text"]
                ]
            except Exception as exc:
                raise InputError(
                    f"{path.name}：第 {number} 页无法解析（{type(exc).__name__}）", "请重新导出 PDF 后再试"
                ) from exc
            width, height = float(page.width), float(page.height)
            tables = ruled_tables(_grids(page), chars, number, width, height)
            if tables:
                chars = [c for c in chars if not any(_within(c, t.bbox) for t in tables)]
            pages.append(PageContent(number, group_lines(chars, number, width, height), tables))
            page.close()  # frees the page's object and layout caches
    return pages


def _grids(page) -> list[list[list[tuple | None]]]:
    """Ruled tables as grids of cell boxes; only pages that draw lines or boxes are searched."""
    if not (page.objects.get("line") or page.objects.get("rect")):
        return []
    grids = []
    for table in page.find_tables():
        rows = [list(row.cells) for row in table.rows]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            grids.append(rows)
    return grids


def _within(ch: Char, box: tuple) -> bool:
    x, y = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]
