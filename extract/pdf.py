"""Open a PDF and read each page's characters once, as lines and ruled tables (PDFium where
it suffices, pdfplumber elsewhere: extract/pdfium.py)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from extract.errors import InputError, shown
from extract.lines import Char, Line, group_lines
from extract.tables import Table, grids_of, ruled_tables

log = logging.getLogger(__name__)


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in blocks (hashlib.file_digest)."""
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(slots=True)
class PageContent:
    """One page: its text lines outside ruled tables, and its ruled tables.

    `unreadable` marks a page without a usable text layer (a scan, or glyphs that map
    to no characters): it needs OCR.
    """

    number: int
    lines: list[Line]
    tables: list[Table] = field(default_factory=list)
    unreadable: bool = False
    width: float = 0.0
    height: float = 0.0
    read_by: str = "pdfplumber"  # or "pdfium"


# Which library reads a page's characters and rules: PDFium wherever it can say as much as
# pdfplumber (extract/pdfium.py), pdfplumber elsewhere; or pdfplumber for every page.
AUTO, PDFPLUMBER = "auto", "pdfplumber"
# PDFium's document keeps what it parsed of every page read (fonts above all): 24 MiB over a
# 200-page report read whole, 3 MiB when it is opened again every 20 pages, 2 MiB every 10
# (0.1 s more over 200 pages).
REOPEN_EVERY = 10


def read_pages(path: Path, password: str | None = None, max_pages: int | None = None,
               layer: str = AUTO) -> list[PageContent]:
    """Every page's lines and ruled tables; a page's characters are read once and its caches freed."""
    from extract import pdfium

    document = pdfium.open_document(path, password) if layer == AUTO else None
    plumber = None
    try:
        if document is None:  # pdfplumber for every page, and its words for a file it cannot open
            plumber = _open(path, password)
        count = len(document) if document is not None else len(plumber.pages)
        if count == 0:
            raise InputError(f"{shown(path)}：PDF 没有任何页面", "请重新导出该报告")
        if max_pages is not None and count > max_pages:
            raise InputError(f"{shown(path)}：共 {count} 页，超过上限 {max_pages} 页", "可用 --max-pages 调高上限")
        pages: list[PageContent] = []
        for number in range(1, count + 1):
            if document is not None and number > 1 and (number - 1) % REOPEN_EVERY == 0:
                document.close()  # PDFium's caches grow with every page read, closed or not
                document = pdfium.open_document(path, password)
            try:
                page = _by_pdfium(pdfium, document, number) if document is not None else None
                if page is not None:
                    pages.append(_content(page.chars, page.grids, page.images, number, page.width, page.height,
                                          "pdfium"))
                    continue
                plumber = plumber or _open(path, password)
                try:
                    pages.append(_read_page(plumber.pages[number - 1], number))
                finally:
                    plumber.pages[number - 1].close()  # frees the page's object and layout caches
            except InputError:
                raise
            except Exception as exc:
                raise InputError(
                    f"{shown(path)}：第 {number} 页无法解析（{type(exc).__name__}）", "请重新导出 PDF 后再试"
                ) from exc
        return pages
    finally:
        if plumber is not None:
            plumber.close()
        if document is not None:
            document.close()


def _by_pdfium(pdfium, document, number: int):
    """The page as PDFium reads it, or None to leave it to pdfplumber (whose error, if it fails
    too, is the one the user sees)."""
    try:
        return pdfium.read_page(document, number - 1, number)
    except Exception:
        log.debug("page %d: PDFium could not read it; pdfplumber reads it", number, exc_info=True)
        return None


def _open(path: Path, password: str | None):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        try:
            return pdfplumber.open(path, password=password or "")
        except Exception as exc:  # pdfplumber wraps pdfminer's errors: judge by the original
            original = exc.__cause__ or exc.__context__ or (exc.args[0] if exc.args else None)
            if isinstance(original, Exception) and type(exc).__name__ == "PdfminerException":
                raise original from exc
            raise
    except PDFPasswordIncorrect as exc:
        if password:
            raise InputError(f"{shown(path)}：PDF 打开密码不正确", "请核对 --password 提供的密码") from exc
        raise InputError(f"{shown(path)}：PDF 已加密，需要密码才能打开",
                         "请用 --password 提供打开密码，或提交未加密的文件") from exc
    except PDFEncryptionError as exc:
        raise InputError(f"{shown(path)}：PDF 使用了不支持的加密方式（{exc}）", "请提交未加密的文件") from exc
    except PDFSyntaxError as exc:
        raise InputError(f"{shown(path)}：PDF 结构损坏，无法读取（{exc}）", "请重新导出或重新下载原文件") from exc
    except RecursionError as exc:
        raise InputError(f"{shown(path)}：PDF 对象嵌套过深，无法读取", "请重新导出该报告") from exc
    except Exception as exc:  # pdfminer raises many kinds for damaged files
        name = type(exc).__name__
        raise InputError(f"{shown(path)}：PDF 文件已损坏，无法读取（{name}）", "请重新导出或重新下载原文件") from exc


def _read_page(page, number: int) -> PageContent:
    chars = [
        Char(c["text"], number, c["x0"], c["top"], c["x1"], c["bottom"], c["size"])
        for c in page.chars
        if c.get("upright", True) and c["text"]
    ]
    width, height = float(page.width), float(page.height)  # geometry: page size in points
    images = not chars and bool(page.objects.get("image"))
    grids = [] if images or _unusable(chars) else _grids(page)
    return _content(chars, grids, images, number, width, height)


def _content(chars: list[Char], grids: list, images: bool, number: int, width: float, height: float,
             read_by: str = "pdfplumber") -> PageContent:
    """A page from its characters and ruled grids, whichever library read them."""
    if _unusable(chars) or (not chars and images):
        return PageContent(number, [], [], True, width, height, read_by)
    tables = ruled_tables(grids, chars, number, width, height)
    if tables:
        chars = [c for c in chars if not any(_within(c, t.bbox) for t in tables)]
    return PageContent(number, group_lines(chars, number, width, height), tables, False, width, height, read_by)


def _unusable(chars: list[Char]) -> bool:
    """Glyphs without a character map come out as "(cid:N)" or private-use code points."""
    if not chars:
        return False
    bad = sum(1 for c in chars if c.text.startswith("(cid:") or "\ue000" <= c.text[0] <= "\uf8ff")
    return bad > 0.3 * len(chars)


def _grids(page) -> list[list[list[tuple | None]]]:
    """Ruled tables as grids of cell boxes; only pages that draw lines or boxes are searched."""
    if not (page.objects.get("line") or page.objects.get("rect")):
        return []
    return grids_of(page.find_tables())


def _within(ch: Char, box: tuple) -> bool:
    x, y = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]
