"""Text from the PDF is text: markup renders as characters, formula-like cells never run."""

from __future__ import annotations

import io
import zipfile

from reconcile.render import checked
from tests.render.conftest import AT, HYPERLINK, IMG, SCRIPT
from tests.render.dom import parse


def test_html_escapes_everything_from_the_pdf(hostile):
    from reconcile.html import render

    html = render(checked(*hostile))
    page = parse(html)
    [script] = page.find_all("script", type=None)  # only the report's own
    assert "alert" not in script.text
    assert not page.find_all("img") and not page.find_all("b") and not page.find_all("i")
    assert not [e for e in page.iter() if any(k.startswith("on") for k in e.attrs)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;培训费" in html
    # The reviewer sees the names as written, wherever they appear.
    names = [td.text for td in page.find_all("td", "name")]
    assert names == [SCRIPT, HYPERLINK, IMG, AT]
    assert "<b>某</b>单位" in page.find("header", "doc").text
    assert "<i>hostile</i>.pdf" in page.find("title").text
    members = page.find("table", "members")
    assert SCRIPT in members.text


def test_xlsx_neutralises_formula_like_text(hostile):
    from openpyxl import load_workbook

    from reconcile.xlsx import render

    data = render(checked(*hostile))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<f>" not in sheets and "<f " not in sheets
    book = load_workbook(io.BytesIO(data))
    ws = book["项目明细"]
    names = {c.value: c for c in ws["D"][1:]}
    assert set(names) == {SCRIPT, HYPERLINK, IMG, AT}
    for value in (HYPERLINK, AT):
        cell = names[value]
        assert cell.data_type == "s" and cell.quotePrefix, value
    assert not names[SCRIPT].quotePrefix
    # Every cell anywhere that starts like a formula is a quote-prefixed string.
    risky = [c for s in book for row in s.iter_rows() for c in row
             if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky)


def test_set_text_neutralises_each_leading_character():
    from openpyxl import Workbook

    from reconcile.xlsx import set_text

    ws = Workbook().active
    for i, value in enumerate(["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "普通文字", "a=b"], start=1):
        set_text(ws.cell(i, 1), value)
    cells = [ws.cell(i, 1) for i in range(1, 8)]
    assert all(c.data_type == "s" for c in cells)
    assert [bool(c.quotePrefix) for c in cells] == [True, True, True, True, True, False, False]
    set_text(ws.cell(9, 1), "控制\x01字符")
    assert ws.cell(9, 1).value == "控制字符"


def test_markdown_escapes_hostile_text(hostile):
    from reconcile.markdown import render

    text = render(checked(*hostile))
    assert "<script>" not in text and "<b>" not in text
