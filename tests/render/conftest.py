"""Rendered outputs of the sample report (rendered once) and a report full of hostile text."""

from __future__ import annotations

import pytest

from reconcile.render import checked
from tests.conftest import FIXTURES, report_of, result_of

SAMPLE_PDF = FIXTURES / "sample" / "report.pdf"

SCRIPT = "<script>alert(1)</script>培训费"
IMG = "<img src=x onerror=alert(2)>会议费"
HYPERLINK = '=HYPERLINK("//evil.example/x")'
AT = "@SUM(1+1)|cmd"
HOSTILE_TEXT = (
    "2023年度<b>某</b>单位整体绩效自评报告\n"
    f"其中：专项项目 2 个，涉及{SCRIPT}、{HYPERLINK}，预算数 20 万元，实际支出 11 万元，执行率为 55%。\n"
    "1、本级纳入绩效评价的项目共计4项。\n"
    f"（1）{SCRIPT}，调整预算数10万元，实际执行数6万元，支出进度65%。\n"
    f"（2）{HYPERLINK}，调整预算数5万元，实际执行数5万元，支出进度100%。\n"
    f"（3）{IMG}，调整预算数2万元，实际执行数1万元，支出进度50%。\n"
    f"（4）{AT}，调整预算数2万元，实际执行数1万元，支出进度50%。\n"
)


@pytest.fixture(scope="session")
def sample():
    return report_of("sample"), result_of("sample")


@pytest.fixture(scope="session")
def sample_html(sample) -> str:
    from reconcile.html import render

    return render(checked(*sample), SAMPLE_PDF)


@pytest.fixture(scope="session")
def sample_xlsx(sample) -> bytes:
    from reconcile.xlsx import render

    return render(checked(*sample), SAMPLE_PDF)


@pytest.fixture(scope="session")
def hostile():
    from extract import read_text
    from reconcile import reconcile

    report = read_text(HOSTILE_TEXT, name="<i>hostile</i>.pdf")
    names = [p.name for p in report.projects]
    assert names == [SCRIPT, HYPERLINK, IMG, AT], names  # the parser keeps the text whole
    return report, reconcile(report)
