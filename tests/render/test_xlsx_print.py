"""The workbook on screen and on paper: rows tall enough for their wrapped text, A4 landscape
pages at a legible scale with the header row, page numbers and the report's name on each."""

from __future__ import annotations

import io
import math
import re
import subprocess
from collections import defaultdict

import pytest

from tests.render.test_xlsx import _calc

LINE = 15.0  # points a line of 11 pt text needs
BODY_SIZE = 11.0  # the workbook's font size


@pytest.fixture(scope="module")
def book(sample_xlsx):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(sample_xlsx))


def test_wrapped_lines_counts_cjk_twice_breaks_at_spaces_and_newlines():
    from reconcile.xlsx import wrapped_lines

    assert wrapped_lines("", 20) == 1 and wrapped_lines("短", 20) == 1
    assert wrapped_lines("a\nb\nc", 20) == 3
    assert wrapped_lines("一" * 40, 22) >= 4  # 80 columns of CJK text in a 22-wide cell
    assert wrapped_lines("1" * 40, 22) < wrapped_lines("一" * 40, 22)  # a digit takes half a CJK character
    # Latin text breaks at spaces: two 12-column words do not share a 20-column line
    assert wrapped_lines("aaaaaaaaaaaa bbbbbbbbbbbb", 20) == 2
    assert wrapped_lines("x" * 100, 20) >= 5  # a word longer than the line is broken inside


def test_row_height_fits_lines():
    from reconcile.xlsx import MAX_ROW_HEIGHT, row_height

    for n in (2, 3, 10):
        assert row_height(n) >= n * LINE
    assert row_height(1000) == MAX_ROW_HEIGHT  # Excel's ceiling


def test_every_wrapped_cell_gets_a_row_tall_enough(book):
    """A lower bound that does not trust the estimate: the text's display width over the
    column's width (or its newlines, if more) lines of LINE points each."""
    from reconcile.xlsx import display_width

    checked = 0
    for ws in book:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.value is None or not cell.alignment.wrap_text:
                    continue
                text = str(cell.value)
                width = ws.column_dimensions[cell.column_letter].width
                total = sum(display_width(line) for line in text.split("\n"))
                lines = max(math.ceil(total / width), text.count("\n") + 1)
                height = ws.row_dimensions[cell.row].height or LINE
                assert height >= lines * LINE, (ws.title, cell.coordinate, text[:40], height)
                checked += lines > 1
    assert checked > 50  # the sample has many wrapped cells of several lines
    formula = book["核对结果"]["G2"]
    assert formula.value.startswith("60.00 + 325.88") and book["核对结果"].row_dimensions[2].height >= 2 * LINE


def test_print_setup_of_every_sheet(book):
    from openpyxl.utils import get_column_letter

    from reconcile.xlsx import MIN_SCALE

    for ws in book:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and int(setup.paperSize) == 9, ws.title  # A4
        assert ws.print_title_rows == "$1:$1"
        assert ws.print_area == f"'{ws.title}'!$A$1:${get_column_letter(ws.max_column)}${ws.max_row}"
        assert ws.page_margins.left <= 0.5 and ws.page_margins.bottom >= ws.page_margins.footer
        footer = ws.oddFooter
        assert "&P" in footer.right.text and "&N" in footer.right.text
        assert footer.left.text == "唐山市科学技术协会 2023 report.pdf"
        if ws.sheet_properties.pageSetUpPr.fitToPage:  # one page wide: only the narrow sheet
            assert ws.title == "文档信息" and (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        else:
            assert MIN_SCALE <= setup.scale <= 100, ws.title
            assert ws.print_title_cols == "$A:$A"  # the row number on every page across
    # the wide sheets are never squeezed onto one page width
    assert not book["核对结果"].sheet_properties.pageSetUpPr.fitToPage


def test_print_scale_keeps_narrow_sheets_whole_and_wide_ones_legible():
    from reconcile.xlsx import MIN_SCALE, pages_across, print_scale, printable_width

    room = printable_width()
    assert print_scale([room / 4] * 4) == (None, 1)  # fits at 100 %
    assert print_scale([room / 4] * 5) == (None, 1)  # fits at 80 %
    scale, across = print_scale([room / 4] * 12)  # three pages' worth at 100 %
    assert MIN_SCALE <= scale <= 100 and across == pages_across([room / 4] * 12, MIN_SCALE, room) >= 2
    assert pages_across([room / 4] * 12, scale, room) == across
    assert scale == 100 or pages_across([room / 4] * 12, scale + 1, room) > across  # the largest such scale


def test_footer_name_is_text_not_codes():
    from reconcile.xlsx import _footer_text, display_width

    assert _footer_text("R&D 中心 &P 2023") == "R&&D 中心 &&P 2023"
    assert display_width(_footer_text("很长的单位名称" * 20)) <= 60


def test_reviews_keep_the_print_setup_and_grow_the_row(sample_xlsx):
    from openpyxl import load_workbook

    from reconcile.reviews import Review, Reviews
    from reconcile.xlsx import apply_reviews

    ws = load_workbook(io.BytesIO(sample_xlsx))["核对结果"]
    last = ws.max_row
    finding_id = ws.cell(last, [c.value for c in ws[1]].index("编号") + 1).value
    before = ws.row_dimensions[last].height or LINE
    reason = "第五页另有说明，经与单位财务人员核实，差额为结转资金，" * 6
    reviews = Reviews({finding_id: Review(finding_id, "dismissed", reason, "审计一组", "2026-12-03")})
    after = load_workbook(io.BytesIO(apply_reviews(sample_xlsx, reviews)))["核对结果"]
    assert reason in after.cell(last, 19).value
    assert after.row_dimensions[last].height > before and after.row_dimensions[last].height >= 7 * LINE
    assert after.print_title_rows == "$1:$1" and after.page_setup.orientation == "landscape"
    assert after.page_setup.scale == ws.page_setup.scale and "&P" in after.oddFooter.right.text


# ---------------------------------------------------------------------------- on paper
@pytest.fixture(scope="module")
def printed(tmp_path_factory, sample_xlsx):
    """The sample's workbook printed to PDF by LibreOffice: pdfplumber pages."""
    import pdfplumber

    calc = _calc()
    if calc is None:
        pytest.skip("LibreOffice Calc is not installed (libreoffice-calc-nogui)")
    tmp = tmp_path_factory.mktemp("print")
    path = tmp / "sample.xlsx"
    path.write_bytes(sample_xlsx)
    subprocess.run([calc, f"-env:UserInstallation=file://{tmp / 'home'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp), str(path)], check=True, capture_output=True, timeout=180)
    with pdfplumber.open(tmp / "sample.pdf") as pdf:
        yield [(page.width, page.height, page.chars, page.edges) for page in pdf.pages]


def _lines(chars) -> list[str]:
    rows = defaultdict(list)
    for c in chars:
        rows[round(c["top"])].append(c)
    return ["".join(c["text"] for c in sorted(row, key=lambda c: c["x0"])) for _, row in sorted(rows.items())]


def test_printed_pages_are_a4_landscape_legible_and_numbered(printed):
    from reconcile.xlsx import MIN_SCALE

    assert 10 <= len(printed) <= 30
    for n, (width, height, chars, _) in enumerate(printed, start=1):
        assert (round(width), round(height)) == (842, 595)
        body = [c for c in chars if c["top"] < height - 40]
        footer = "".join(_lines([c for c in chars if c["top"] >= height - 40]))
        assert f"第 {n} 页，共 {len(printed)} 页" in footer and "唐山市科学技术协会 2023 report.pdf" in footer
        # no text smaller than the 11 pt font at MIN_SCALE % (the old fit-to-one-page-wide: 3 pt)
        assert min(c["size"] for c in body) >= BODY_SIZE * MIN_SCALE / 100 - 0.05, n
        header = _lines(body)[0]
        assert re.match(r"序号|行号|项目内容", header), (n, header)  # the header row on every page


def test_printed_wrapped_text_stays_in_its_row(printed):
    """With the grid printed, no character crosses a row's line: text wrapped onto more lines
    than its row holds would run over the next row (the glyph's box is shrunk by a quarter of
    its size: a font's box reaches above and below the ink)."""
    seen = ""
    for n, (_, height, chars, edges) in enumerate(printed, start=1):
        rules = sorted({e["top"] for e in edges if e["orientation"] == "h" and e["object_type"] == "line"})
        assert len(rules) >= 3, n  # the grid is printed
        for c in chars:
            if c["top"] >= height - 40:
                continue
            pad = c["size"] / 4
            crossed = [y for y in rules if c["top"] + pad < y < c["bottom"] - pad]
            assert not crossed, (n, c["text"], c["top"], crossed)
        seen += "".join(_lines(chars))
    # the formula that used to run over the next row, printed whole (on two lines)
    assert "60.00 + 325.88 + 832.52 + 40.00 + 30.50 + 10.00" in seen
    assert "1081.95 + 619.00 + 60.00 = 3059.85" in seen
