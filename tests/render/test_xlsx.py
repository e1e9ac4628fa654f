"""The workbook: four sheets, Chinese headers, frozen header rows, numbers as numbers, findings highlighted."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest

from reconcile.render import checked

SHEETS = ["核对结果", "项目明细", "核对项", "文档信息"]


@pytest.fixture(scope="module")
def book(sample_xlsx):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(sample_xlsx))


def header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def column(ws, name: str) -> list:
    index = header(ws).index(name)
    return [row[index] for row in ws.iter_rows(min_row=2)]


def test_sheets_and_headers(book):
    assert book.sheetnames == SHEETS
    assert header(book["核对结果"])[:6] == ["序号", "级别", "规则", "问题类型", "页码", "说明"]
    assert {"报告数", "重算数", "差异", "允许误差", "单位", "原文"} <= set(header(book["核对结果"]))
    assert {"项目名称", "预算数（万元）", "执行数（万元）", "报告执行率（%）", "重算执行率（%）", "差异（百分点）"} \
        <= set(header(book["项目明细"]))
    assert {"类别", "核对内容", "结果", "判定", "算式", "明细"} <= set(header(book["核对项"]))
    assert header(book["文档信息"]) == ["项目", "内容"]
    for ws in book:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.b for c in ws[1])
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")


def test_row_counts(book, sample):
    report, result = sample
    assert book["核对结果"].max_row == 1 + len(result.findings) == 12
    assert book["项目明细"].max_row == 1 + len(report.projects) == 28
    assert book["核对项"].max_row == 1 + len(result.checks) == 76


def test_amounts_are_numbers_with_formats(book):
    ws = book["核对结果"]
    first = dict(zip(header(ws), [c for c in ws[2]], strict=True))
    assert first["规则"].value == "sum_mismatch" and first["级别"].value == "错误"
    assert first["相关页码"].value == "1、3、4、6"  # the stated total's page and its members' pages
    for name, expected in (("报告数", "3183.53"), ("重算数", "3059.85"), ("差异", "123.68")):
        cell = first[name]
        assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal(expected)
        assert cell.number_format != "General"
    budgets = [c for c in column(book["项目明细"], "预算数（万元）") if c.value is not None]
    assert len(budgets) == 27 and all(c.data_type == "n" and "0.00" in c.number_format for c in budgets)
    rates = column(book["项目明细"], "重算执行率（%）")
    assert all(isinstance(c.value, (int, float)) for c in rates)


def test_amounts_read_back_as_the_decimals_of_the_report(book, sample):
    """Each cell holds the double nearest the Decimal; its shortest form is the Decimal again."""
    report, result = sample
    ws = book["项目明细"]
    budgets, actuals = column(ws, "预算数（万元）"), column(ws, "执行数（万元）")
    for line, budget, actual in zip(report.projects, budgets, actuals, strict=True):
        assert Decimal(str(budget.value)) == line.budget.wan and Decimal(str(actual.value)) == line.actual.wan
    recomputed = [Decimal(str(c.value)) for c in column(book["核对项"], "重算数") if c.value is not None]
    assert Decimal("96.3953") in recomputed and Decimal("3059.85") in recomputed


def test_project_rows_with_findings_are_highlighted(book):
    ws = book["项目明细"]
    names = column(ws, "项目名称")
    rows = {c.value: c.row for c in names}
    fill = lambda name: ws.cell(rows[name], 1).fill.fgColor.rgb  # noqa: E731
    assert fill("唐山市总工会房屋租金").endswith("E8F1FB")  # a note (truncated rate)
    assert fill("科技工作者之家建设活动").endswith("FFF4E0")  # a warning (loose name match)
    assert fill("唐山市老科协经费") in (None, "00000000")
    rent = {h: ws.cell(rows["唐山市总工会房屋租金"], i + 1).value for i, h in enumerate(header(ws))}
    assert rent["报告执行率（%）"] == pytest.approx(96.3) and rent["重算执行率（%）"] == pytest.approx(96.3953)
    assert rent["判定"] == "截断" and "rate_rounding" in rent["问题"]
    assert ws.cell(rows["唐山市总工会房屋租金"], header(ws).index("报告执行率（%）") + 1).number_format == "0.0"


def test_every_check_with_its_outcome(book):
    outcomes = [c.value for c in column(book["核对项"], "结果")]
    assert outcomes.count("通过") == 64 and outcomes.count("取整差异") == 7 and outcomes.count("不符") == 4
    members = [c.value for c in column(book["核对项"], "明细") if c.value]
    assert any("科技工作者之家建设经费→科技工作者之家建设活动（0.78）" in m for m in members)


def test_document_sheet(book, sample):
    report, _ = sample
    info = {row[0].value: row[1] for row in book["文档信息"].iter_rows(min_row=2)}
    assert info["单位"].value == "唐山市科学技术协会" and info["SHA-256"].value == report.source.sha256
    assert info["页数"].value == 9 and info["页数"].data_type == "n"
    assert info["错误"].value == 2 and info["年度"].value == 2023


def test_columns_have_widths(book):
    for ws in book:
        widths = [d.width for d in ws.column_dimensions.values()]
        assert len(widths) == ws.max_column and all(w and w >= 6 for w in widths)
    name = book["项目明细"].column_dimensions["D"]
    assert name.width >= 30


def test_no_formulas_anywhere(sample_xlsx):
    with zipfile.ZipFile(io.BytesIO(sample_xlsx)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 4 and not any("<f>" in s or "<f " in s for s in sheets)


def _calc() -> str | None:
    """soffice, when LibreOffice Calc is installed (Writer alone cannot open a workbook)."""
    from pathlib import Path

    soffice = shutil.which("soffice")
    if soffice is None or not (Path(soffice).resolve().parent / "libsclo.so").exists():
        return None
    return soffice


@pytest.mark.skipif(_calc() is None, reason="LibreOffice Calc is not installed (libreoffice-calc-nogui)")
def test_libreoffice_opens_the_workbook_and_keeps_formula_text_as_text(tmp_path, hostile):
    """LibreOffice converts the hostile workbook's project sheet to CSV: the =HYPERLINK(…) text stays text."""
    from reconcile.xlsx import render
    from tests.render.conftest import HYPERLINK, SCRIPT

    report, result = hostile
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(render(checked(report, result)))
    env_home = tmp_path / "home"
    subprocess.run([_calc(), f"-env:UserInstallation=file://{env_home}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=120)
    csv = (tmp_path / "hostile-项目明细.csv").read_text(encoding="utf-8")
    assert HYPERLINK.replace('"', '""') in csv and SCRIPT in csv
