"""A page's characters and ruled-table grids read by PDFium, in C; None where it cannot say as much.

pdfminer (under pdfplumber) interprets every content stream in Python; PDFium (pypdfium2,
which pdfplumber itself installs) reads the same page three to four times faster. This
module gives extract/pdf.py what pdfplumber would: the upright characters with their boxes,
and the grids of ruled tables — found by pdfplumber's own table finder (its TableFinder,
unchanged) from edges built the way pdfplumber builds them, out of PDFium's path objects.

`read_page` returns None, and pdfplumber reads the page, wherever the two could differ in
more than box edges (extract/pdf.py also gives pdfplumber any page PDFium raises on):
- the page is rotated, or its MediaBox does not start at (0, 0), or its CropBox differs;
- it holds form XObjects (nested content pdfplumber flattens its own way);
- a glyph has no Unicode (pdfplumber's "(cid:N)" decides whether the page needs OCR).

What differs, by design, is geometry: a character's box runs from its font's descent to its
ascent around the baseline (pdfminer's runs a font size up from the descent the font states,
often 0), so boxes sit a little lower than pdfplumber's. Text is the same, spaces included:
a space printed in a text object of its own, which PDFium's text page leaves out, is read
back from the page's objects (`_blank`). tests/extract/test_text_layers.py holds the two
readings to the same documents on every fixture, real report and generated PDF it reads.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pypdfium2
import pypdfium2.raw as pdfium_c

from extract.lines import Char
from extract.tables import grids_of

Box = tuple[float, float, float, float]

@dataclass(slots=True)
class Page:
    """What a page gives without pdfplumber."""

    chars: list[Char]
    grids: list[list[list[Box | None]]]
    images: bool
    width: float
    height: float


def open_document(path, password: str | None):
    """The document, or None when PDFium cannot open it (pdfplumber then says why, in its words).

    A file name that is not UTF-8 (GBK bytes from a Windows archive, held as surrogates) is
    opened from the file's bytes: pypdfium2 before 5.x's last releases encodes paths strictly."""
    try:
        try:
            return pypdfium2.PdfDocument(path, password=password or None)
        except UnicodeEncodeError:
            return pypdfium2.PdfDocument(Path(path).read_bytes(), password=password or None)
    except (pypdfium2.PdfiumError, OSError):
        return None


def read_page(document, index: int, number: int) -> Page | None:
    page = document[index]
    try:
        if not _plain(page):
            return None
        width, height = page.get_size()
        text_page = pdfium_c.FPDFText_LoadPage(page)
        try:
            objects = _objects(page, text_page, number, height)
            if objects is None:
                return None
            chars = _chars(text_page, number, height)
            if chars is None:
                return None
        finally:
            pdfium_c.FPDFText_ClosePage(text_page)
        paths, images, blanks = objects
        return Page(chars + blanks, _grids(paths, width, height), images, width, height)
    finally:
        page.close()


def _plain(page) -> bool:
    left, bottom, right, top = page.get_mediabox()
    return not page.get_rotation() and not left and not bottom and page.get_cropbox() == (left, bottom, right, top)


def _objects(page, text_page, number: int, height: float) -> tuple[list, bool, list[Char]] | None:
    """The page's path objects, whether it shows an image, and its blank text objects as
    spaces; None if it holds a form XObject."""
    paths, images, blanks = [], False, []
    for i in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            return None
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            paths.append(obj)
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images = True
        elif kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            blank = _blank(obj, text_page, number, height)
            if blank is not None:
                blanks.append(blank)
    return paths, images, blanks


def _blank(obj, text_page, number: int, height: float) -> Char | None:
    """A text object of spaces only, as one space at its origin.

    PDFium's text page leaves out a text object without width — one that prints nothing
    but spaces ("(8)" and "唐山" in two fonts, the space between in a run of its own) — and
    at most infers a space of its own where the gap is wide. pdfminer reports the space
    glyph; without it "(8) 唐山" would read "(8)唐山", and "100" and "200" in two runs with a
    narrow space between would run together as one number.
    """
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top) or right.value - left.value > 1e-3:
        return None
    if pdfium_c.FPDFTextObj_GetText(obj, text_page, None, 0) > 2:  # bytes, UTF-16 with its NUL: not empty
        return None
    matrix, size = pdfium_c.FS_MATRIX(), ctypes.c_float()
    pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
    if not (matrix.a * matrix.d > 0 and matrix.b * matrix.c <= 0) or not pdfium_c.FPDFTextObj_GetFontSize(obj, size):
        return None
    em = size.value * matrix.d
    base = height - matrix.f
    return Char(" ", number, matrix.e, base - 0.8 * em, matrix.e + 0.25 * em, base + 0.2 * em, em)


def _chars(text_page, number: int, height: float) -> list[Char] | None:
    """Upright characters, top-left origin, in points; None if a glyph has no Unicode.

    A character's box runs from its origin to its advance across, and from its font's
    descent to its ascent up and down from the baseline: every character of a font and size
    on a line gets the same top and bottom, as pdfminer gives them (PDFium's own loose boxes
    vary a little glyph by glyph, which would reorder findings printed on one line).
    What is the same for every character of a text object — its matrix (upright or not), its
    size, its font's ascent and descent — is asked once an object.
    """
    box = pdfium_c.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    objects: dict[int, tuple[bool, float, float, float]] = {}
    extents: dict[tuple[int | None, float], tuple[float, float]] = {}
    chars = []
    for i in range(pdfium_c.FPDFText_CountChars(text_page)):
        code = pdfium_c.FPDFText_GetUnicode(text_page, i)
        if code in (10, 13):
            continue
        if code == 32 and pdfium_c.FPDFText_IsGenerated(text_page, i):
            continue  # a space PDFium inferred (it infers only spaces and line breaks): no glyph in the PDF
        if code == 0 or code >= 0xFFFE or 0xE000 <= code <= 0xF8FF \
                or pdfium_c.FPDFText_HasUnicodeMapError(text_page, i) == 1:
            return None
        obj = pdfium_c.FPDFText_GetTextObject(text_page, i)
        where = ctypes.addressof(obj.contents) if obj else None
        known = objects.get(where) if where is not None else None
        if known is None:
            known = _object_of(text_page, i, obj)
            if where is not None:
                objects[where] = known
        upright, size, ascent, descent = known
        if not upright:
            continue  # not upright (pdfminer's test)
        pdfium_c.FPDFText_GetLooseCharBox(text_page, i, box)
        if ascent > descent:
            pdfium_c.FPDFText_GetCharOrigin(text_page, i, x, y)
            key = (where, y.value)  # the characters of an object on one baseline share their top and bottom
            extent = extents.get(key)
            if extent is None:
                extent = extents[key] = (height - (y.value + ascent * size), height - (y.value + descent * size))
            top, bottom = extent
        else:  # a font that states no ascent or descent: PDFium's loose box
            top, bottom = height - box.top, height - box.bottom
        text = _TEXTS.get(code)
        if text is None:
            text = _TEXTS[code] = chr(code)
        chars.append(Char(text, number, box.left, top, box.right, bottom, size))
    return chars


# One string per character for all the pages of a process (Python keeps one only below 256): a
# 200-page report holds about 100,000 characters until it is parsed, 7 MB of copies of 年 and 元.
_TEXTS: dict[int, str] = {}


def _object_of(text_page, index: int, obj) -> tuple[bool, float, float, float]:
    """Whether a character is upright (pdfminer's test on its matrix), its size, and its font's
    ascent and descent per point (0, 0 when the font gives none): the same for its whole object."""
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFText_GetMatrix(text_page, index, matrix)
    upright = matrix.a * matrix.d > 0 and matrix.b * matrix.c <= 0
    size = pdfium_c.FPDFText_GetFontSize(text_page, index)
    font = pdfium_c.FPDFTextObj_GetFont(obj) if obj else None
    ascent, descent = ctypes.c_float(), ctypes.c_float()
    if font and pdfium_c.FPDFFont_GetAscent(font, 1.0, ascent) and pdfium_c.FPDFFont_GetDescent(font, 1.0, descent):
        return upright, size, ascent.value, descent.value
    return upright, size, 0.0, 0.0


# Edges as pdfplumber makes them (pdfminer's paint_path, pdfplumber's line_to_edge,
# rect_to_edges and curve_to_edges): a path splits into subpaths at each move; a subpath's
# points are its segments' end points (a Bézier's control points left out) and, when it is
# closed, its start again. Two points make a line: one edge, horizontal if its ends are
# level, else vertical (pdfplumber's rule, a slanted line included). More make a rectangle
# or a curve: an edge between each two successive points, horizontal or vertical as they
# lie; a slanted one is no edge.


def _subpaths(obj, height: float) -> list[list[tuple[float, float]]]:
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
    a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    bezier = 0
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            if len(current) > 1:
                subpaths.append(current)
            current, bezier = [point], 0
        elif kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            bezier += 1
            if bezier % 3 == 0:  # the third point of a cubic Bézier is its end
                current.append(point)
        else:
            current.append(point)
        if pdfium_c.FPDFPathSegment_GetClose(segment) and current and current[-1] != current[0]:
            current.append(current[0])
    if len(current) > 1:
        subpaths.append(current)
    return subpaths


def _edge(p: tuple[float, float], q: tuple[float, float], orientation: str, kind: str) -> dict:
    x0, x1 = sorted((p[0], q[0]))
    top, bottom = sorted((p[1], q[1]))
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "width": x1 - x0, "height": bottom - top, "orientation": orientation}


def _is_rect(points: list[tuple[float, float]]) -> bool:
    if len(points) != 5 or points[0] != points[4]:
        return False
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = points
    return (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)


def edges(paths: list, height: float) -> tuple[list[dict], bool]:
    """pdfplumber's `page.edges` for these path objects, and whether any is a line or a
    rectangle (pdfplumber looks for tables only on such pages)."""
    found, ruled = [], False
    for obj in paths:
        for points in _subpaths(obj, height):
            if len(points) == 3 and points[2] == points[0]:
                points = points[:2]  # "m l h": a line
            if len(points) == 2:
                ruled = True
                orientation = "h" if points[0][1] == points[1][1] else "v"
                found.append(_edge(points[0], points[1], orientation, "line"))
                continue
            rect = _is_rect(points)
            ruled = ruled or rect
            for p, q in zip(points, points[1:]):
                orientation = "v" if p[0] == q[0] else ("h" if p[1] == q[1] else None)
                if orientation:
                    found.append(_edge(p, q, orientation, "rect_edge" if rect else "curve_edge"))
    return found, ruled


def _grids(paths: list, width: float, height: float) -> list[list[list[Box | None]]]:
    """Ruled tables as rows of cell boxes, by pdfplumber's TableFinder with its default settings."""
    found, ruled = edges(paths, height)
    if not ruled:
        return []
    from pdfplumber.table import TableFinder

    return grids_of(TableFinder(SimpleNamespace(edges=found, bbox=(0.0, 0.0, width, height))).tables)
