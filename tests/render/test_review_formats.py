"""Decisions in the terminal table, Markdown and Excel: rendered with the reviews in force, and
(Excel) filled into a workbook rendered without them, as an archive run does, with the same cells."""

from __future__ import annotations

import copy
import io

import pytest

from reconcile.document import document
from reconcile.reviews import parse
from reconcile.render import checked
from tests.render.conftest import SAMPLE_PDF


@pytest.fixture(scope="module")
def decided(sample):
    report, result = sample
    result = copy.copy(result)  # the session's result stays without reviews
    errors = [f["id"] for f in document(report, result)["findings"] if f["severity"] == "error"]
    result.reviews = parse(f'[[review]]\nid = "{errors[0]}"\ndecision = "dismissed"\nreason = "=见附表"\n'
                           f'by = "审计一组"\nat = 2026-12-03\n\n[[review]]\nid = "{errors[1]}"\ndecision = "confirmed"\n')
    return report, result, errors


def _cells(data: bytes) -> dict[str, tuple]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data))["核对结果"]
    header = [c.value for c in sheet[1]]
    at = {name: header.index(name) for name in ("编号", "复核结论", "复核说明")}
    return {row[at["编号"]]: (row[at["复核结论"]], row[at["复核说明"]])
            for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_excel_has_the_decisions_and_an_archive_fills_the_same_cells(sample, decided):
    from reconcile.xlsx import apply_reviews, render

    report, result, errors = decided
    direct = _cells(render(checked(report, result), SAMPLE_PDF))
    assert direct[errors[0]] == ("排除", "=见附表（审计一组，2026-12-03）")
    assert direct[errors[1]] == ("确认", None)
    assert sum(1 for v in direct.values() if v == (None, None)) == len(direct) - 2
    plain = render(checked(*sample), SAMPLE_PDF)
    assert all(v == (None, None) for v in _cells(plain).values())
    assert _cells(apply_reviews(plain, result.reviews)) == direct
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(apply_reviews(plain, result.reviews)))["核对结果"]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "=见附表（审计一组，2026-12-03）")
    assert cell.data_type == "s"  # a reason starting with = stays text, never a formula


def test_terminal_and_markdown_show_each_decision(decided):
    from reconcile.markdown import render as markdown
    from reconcile.text import render as text

    report, result, _ = decided
    lines = text(report, result).splitlines()
    errors = [ln for ln in lines if ln.startswith("错误")]
    assert "排除" in errors[0] and "（复核：=见附表）" in errors[0] and "确认" in errors[1]
    assert lines[-1].endswith("复核：待复核 9，确认 1，排除 1")
    md = markdown(checked(report, result))
    assert "`sum_mismatch`（已排除：\\=见附表）" not in md  # "=" is no Markdown special
    assert "`sum_mismatch`（已排除：=见附表）" in md and "`sum_mismatch`（已确认）" in md
    assert "复核：待复核 9，确认 1，排除 1" in md
