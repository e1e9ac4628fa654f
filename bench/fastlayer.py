"""A study, not used by jixiao: page characters from PDFium instead of pdfminer, where that suffices.

pdfminer (under pdfplumber) interprets a page's content stream in Python; PDFium
(pypdfium2, which pdfplumber installs) reads the same characters in C. `read_pages` here
is extract.pdf.read_pages with PDFium giving the characters of every page that pdfplumber
could tell nothing more about — at most MAX_SEGMENTS path segments (a ruled table of two
rows and two columns needs six edges), no images or form XObjects, unrotated, every glyph
mapped to Unicode — and pdfplumber reading the rest. bench/fastlayer_bench.py measures it
and compares its reports with pdfplumber's.

Why it is not adopted (the figures are in the README): PDFium's text page does not say
which spaces are glyphs in the PDF. It drops a space glyph at the end of a text run and
infers spaces of its own where glyphs stand apart (Word's gap between 2023 and 年), and
the object text (FPDFTextObj_GetText) is built from the same text page. pdfminer reports
exactly the space glyphs, so quotes — and the finding ids made from them — differ; widths
differ too (PDFium's loose box against the font's advance, up to a tenth of the size).
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c

from extract.lines import Char, group_lines
from extract.pdf import PageContent, _open, _read_page

MAX_SEGMENTS = 5


def fast_enough(page) -> bool:
    """Whether pdfplumber could find nothing on this page that PDFium's characters lack."""
    left, bottom, _, _ = page.get_mediabox()
    if page.get_rotation() or left or bottom or page.get_mediabox() != page.get_cropbox():
        return False
    segments = 0
    for i in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM, pdfium_c.FPDF_PAGEOBJ_SHADING):
            return False
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            segments += pdfium_c.FPDFPath_CountSegments(obj)
            if segments > MAX_SEGMENTS:
                return False
    return True


def page_chars(page, number: int) -> list[Char] | None:
    """The page's upright characters (top-left origin, points); None to leave it to pdfplumber."""
    height = page.get_height()
    text_page = pdfium_c.FPDFText_LoadPage(page)
    box, matrix = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()
    chars = []
    try:
        for i in range(pdfium_c.FPDFText_CountChars(text_page)):
            if pdfium_c.FPDFText_IsGenerated(text_page, i):
                continue  # spaces and line breaks PDFium inferred
            code = pdfium_c.FPDFText_GetUnicode(text_page, i)
            if code == 0 or code >= 0xFFFE or 0xE000 <= code <= 0xF8FF:
                return None  # a glyph without Unicode: pdfplumber's reading decides about OCR
            text = chr(code)
            if text in "\r\n":
                continue
            pdfium_c.FPDFText_GetMatrix(text_page, i, matrix)
            if not (matrix.a * matrix.d > 0 and matrix.b * matrix.c <= 0):
                continue  # not upright (pdfminer's test)
            pdfium_c.FPDFText_GetLooseCharBox(text_page, i, box)
            size = pdfium_c.FPDFText_GetFontSize(text_page, i)
            chars.append(Char(text, number, box.left, height - box.top, box.right, height - box.bottom, size))
        return chars
    finally:
        pdfium_c.FPDFText_ClosePage(text_page)


def read_pages(path: Path, password: str | None = None) -> tuple[list[PageContent], int]:
    """Like extract.pdf.read_pages; also the number of pages PDFium read."""
    document = pypdfium2.PdfDocument(str(path), password=password)
    plumber, pages, fast = None, [], 0
    try:
        for number in range(1, len(document) + 1):
            page = document[number - 1]
            chars = page_chars(page, number) if fast_enough(page) else None
            if chars is not None:
                width, height = page.get_size()
                pages.append(PageContent(number, group_lines(chars, number, width, height), [], False, width, height))
                fast += 1
            else:
                plumber = plumber or _open(path, password)
                pages.append(_read_page(plumber.pages[number - 1], number))
                plumber.pages[number - 1].close()
            page.close()
    finally:
        if plumber is not None:
            plumber.close()
        document.close()
    return pages, fast
