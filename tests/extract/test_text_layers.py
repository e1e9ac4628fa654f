"""PDFium and pdfplumber read the same report: the same lines, figures, checks, findings and ids.

extract/pdfium.py reads a page's characters and ruled tables with PDFium wherever it can say as
much as pdfplumber, which reads the rest. Both paths are kept honest against each other on
every fixture (the real reports among them) and on generated PDFs: the JSON documents must be
equal in everything but geometry — text exactly, spaces included.
"""

from __future__ import annotations

import pytest

from extract.pdf import AUTO, PDFPLUMBER, read_pages
from extract.reader import read_pdf
from flows.changes import assign_ids
from reconcile import reconcile
from reconcile.document import document
from tests.conftest import CASES, FIXTURES

REAL = sorted(p.parent.name for p in (FIXTURES / "real").glob("*/report.pdf"))
GEOMETRY = {"bbox", "boxes", "x0", "x1", "top", "bottom"}


def without_geometry(value):
    if isinstance(value, dict):
        return {k: without_geometry(v) for k, v in value.items() if k not in GEOMETRY}
    if isinstance(value, list):
        return [without_geometry(v) for v in value]
    return value


def doc(path, layer: str) -> dict:
    report = read_pdf(path, layer=layer)
    result = document(report, reconcile(report))
    assign_ids(result.get("findings", []))
    return result


def texts(pages) -> list[str]:
    """Every line's and every table cell's text, in reading order."""
    out = []
    for page in pages:
        out += [line.text for line in page.lines]
        out += [cell.text for table in page.tables for row in table.rows for cell in row]
    return out


@pytest.mark.parametrize("path", [FIXTURES / c / "report.pdf" for c in CASES]
                         + [FIXTURES / "real" / c / "report.pdf" for c in REAL],
                         ids=[*CASES, *(f"real/{c}" for c in REAL)])
def test_both_layers_give_the_same_document(path):
    plumber, pdfium = doc(path, PDFPLUMBER), doc(path, AUTO)
    assert without_geometry(pdfium) == without_geometry(plumber)
    assert [f["id"] for f in pdfium.get("findings", [])] == [f["id"] for f in plumber.get("findings", [])]


@pytest.mark.parametrize("path", [FIXTURES / c / "report.pdf" for c in CASES]
                         + [FIXTURES / "real" / c / "report.pdf" for c in REAL],
                         ids=[*CASES, *(f"real/{c}" for c in REAL)])
def test_pdfium_reads_every_page_of_these_and_the_same_text(path):
    """Every page of the fixtures and real reports is PDFium's (none left to pdfplumber), and
    every line and cell reads the same, spaces included."""
    fast, slow = read_pages(path), read_pages(path, layer=PDFPLUMBER)
    assert {p.read_by for p in fast} == {"pdfium"}
    assert {p.read_by for p in slow} == {"pdfplumber"}
    assert texts(fast) == texts(slow)
    assert [len(p.tables) for p in fast] == [len(p.tables) for p in slow]


def test_a_space_in_a_run_of_its_own_is_kept():
    """LibreOffice prints "(8)" and "唐山" in two fonts with the space in a text object of its
    own; PDFium's text page leaves such an object out (it has no width). Read before the fix:
    "(8)唐山市科普专项经费" where pdfplumber reads "(8) 唐山市科普专项经费"."""
    lines = [line.text for page in read_pages(FIXTURES / "sample" / "report.pdf") for line in page.lines]
    assert any(text.startswith("(8) 唐山市科普专项经费") for text in lines)
    assert not any(text.startswith("(8)唐山") for text in lines)


def test_edges_are_pdfplumbers_own():
    """The edges built from PDFium's path objects are pdfplumber's `page.edges`, page by page,
    on every page that draws rules (table fixtures and real forms)."""
    import pdfplumber
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    from extract.pdfium import edges

    def key(e):
        return (e["orientation"], e["top"], e["x0"], e["bottom"], e["x1"])

    def same(ours, theirs):  # PDFium keeps coordinates in single precision: equal to 0.01 pt
        return len(ours) == len(theirs) and all(
            a[0] == b[0] and all(abs(x - y) <= 0.01 for x, y in zip(a[1:], b[1:])) for a, b in zip(ours, theirs))

    pages = 0
    for path in [FIXTURES / c / "report.pdf" for c in CASES] + [FIXTURES / "real" / c / "report.pdf" for c in REAL]:
        document = pypdfium2.PdfDocument(path)
        with pdfplumber.open(path) as pdf:
            for index, page in enumerate(pdf.pages):
                theirs = sorted(key(e) for e in page.edges if e["orientation"])
                if not theirs:
                    continue
                fpage = document[index]
                paths = [pdfium_c.FPDFPage_GetObject(fpage, i) for i in range(pdfium_c.FPDFPage_CountObjects(fpage))]
                paths = [o for o in paths if pdfium_c.FPDFPageObj_GetType(o) == pdfium_c.FPDF_PAGEOBJ_PATH]
                ours = sorted(key(e) for e in edges(paths, fpage.get_height())[0])
                assert same(ours, theirs), (path, index + 1)
                pages += 1
        document.close()
    assert pages >= 10


def test_turned_and_cropped_pages_are_left_to_pdfplumber(tmp_path):
    """A page PDFium's reading would place differently — turned, cropped, or with its MediaBox
    off the origin — is pdfplumber's, and still reads the sample's text."""
    import pikepdf

    source = FIXTURES / "sample" / "report.pdf"
    target = tmp_path / "turned.pdf"
    with pikepdf.open(source) as pdf:
        pdf.pages[0].obj.Rotate = 90
        x0, y0, x1, y1 = (float(v) for v in pdf.pages[1].obj.MediaBox)
        pdf.pages[1].obj.CropBox = pikepdf.Array([x0 + 10, y0 + 10, x1 - 10, y1 - 10])
        pdf.save(target)
    pages = read_pages(target)
    assert [p.read_by for p in pages[:3]] == ["pdfplumber", "pdfplumber", "pdfium"]


def test_generated_reports_read_the_same_both_ways(tmp_path):
    """Reports nobody wrote for this reader: generated prose, tables and mixed, through ReportLab."""
    from fixtures.generate.generate import generate
    from fixtures.generate.render import render_reportlab

    compared = 0
    for seed, shape in [(s, shape) for s in (3, 11, 17) for shape in ("prose", "table", "mixed")]:
        text, _, _ = generate(seed, shape, "sum_mismatch" if seed == 11 else None)
        path = render_reportlab(text, tmp_path / f"{seed}-{shape}.pdf")
        plumber, pdfium = doc(path, PDFPLUMBER), doc(path, AUTO)
        assert without_geometry(pdfium) == without_geometry(plumber), path.name
        assert {p.read_by for p in read_pages(path)} == {"pdfium"}
        compared += 1
    assert compared == 9


def test_a_page_pdfium_fails_on_is_read_by_pdfplumber(monkeypatch):
    """PDFium failing on one page (a damaged object, say) costs that page its speed, not the file."""
    import pypdfium2

    from extract import pdfium

    read_page = pdfium.read_page

    def failing_on_two(document, index, number):
        if number == 2:
            raise pypdfium2.PdfiumError("damaged")
        return read_page(document, index, number)

    monkeypatch.setattr(pdfium, "read_page", failing_on_two)
    path = FIXTURES / "sample" / "report.pdf"
    pages = read_pages(path)
    assert [p.read_by for p in pages[:3]] == ["pdfium", "pdfplumber", "pdfium"]
    assert texts(pages) == texts(read_pages(path, layer=PDFPLUMBER))


def test_a_name_that_is_not_utf8_is_read_by_pdfium_too(tmp_path, monkeypatch):
    """A GBK-named file from a Windows archive (its name held as surrogates): pypdfium2 5.0.0
    encodes paths strictly and raised UnicodeEncodeError, which failed the file as an internal
    error (found by .ci/lower-bounds). Here PdfDocument is made as strict as 5.0.0 was."""
    import os

    import pypdfium2

    from extract import pdfium

    name = os.fsdecode("报告".encode("gbk") + b".pdf")
    path = tmp_path / name
    path.write_bytes((FIXTURES / "sample" / "report.pdf").read_bytes())
    original = pypdfium2.PdfDocument

    def strict(source, *args, **kwargs):
        if isinstance(source, (str, os.PathLike)):
            str(source).encode("utf-8")  # what pypdfium2 5.0.0 did with a path
        return original(source, *args, **kwargs)

    monkeypatch.setattr(pdfium.pypdfium2, "PdfDocument", strict)
    pages = read_pages(path)
    assert {p.read_by for p in pages} == {"pdfium"}
    assert texts(pages) == texts(read_pages(FIXTURES / "sample" / "report.pdf"))
