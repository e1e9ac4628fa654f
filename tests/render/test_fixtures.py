"""Every fixture renders to HTML, Excel and Markdown: every finding shown, with a crop wherever it has boxes."""

from __future__ import annotations

import io

import pytest

from reconcile.render import checked
from tests.conftest import CASES, FIXTURES, report_of, result_of
from tests.render.dom import parse


@pytest.mark.parametrize("case", CASES)
def test_fixture_renders(case):
    from openpyxl import load_workbook

    from reconcile.html import render as html
    from reconcile.markdown import render as markdown
    from reconcile.xlsx import render as xlsx

    report, result = report_of(case), result_of(case)
    page = parse(html(checked(report, result), FIXTURES / case / "report.pdf"))
    articles = page.find_all("article", "finding")
    assert len(articles) == len(result.findings)
    assert all(a.find_all("img") for a in articles), case  # the PDF is at hand: every finding has a crop
    assert len(page.find("table", id="project-table").find("tbody").find_all("tr")) == len(report.projects)
    book = load_workbook(io.BytesIO(xlsx(checked(report, result))))
    assert book["核对结果"].max_row == 1 + len(result.findings)
    assert book["核对项"].max_row == 1 + len(result.checks)
    assert markdown(checked(report, result)).startswith("### ")
