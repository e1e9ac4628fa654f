"""The sample report as an auditor reads it (DOMAIN.md), from every rendering of its PDF."""

from collections import Counter
from decimal import Decimal as D

import pytest

from reconcile.model import FAIL, INSUFFICIENT
from tests.conftest import SAMPLE_RENDERINGS, report_of, result_of

GROUPS = {"科协本级": 11, "科工中心": 4, "进修学院": 8, "科技馆": 4}
NINE = ["唐山市科普专项经费", "唐山科技馆运营服务费", "唐山市总工会房屋租金", "科创中国及科创河北试点城市建设",
        "全国科技工作者日河北主场活动", "科技工作者之家建设经费", "唐山科技馆装修布展工程",
        "科技馆免费开放中央补助资金", "唐山科技馆装修布展工程鉴定费"]


def lines(case):
    return [(p.group, p.seq, p.name,
             *(getattr(p, f).wan if getattr(p, f) else None for f in ("budget", "actual", "remainder")),
             p.stated_rate.value if p.stated_rate else None)
            for p in report_of(case).projects]


@pytest.mark.parametrize("case", SAMPLE_RENDERINGS)
def test_groups_and_project_lines(case):
    report = report_of(case)
    assert Counter(p.group for p in report.projects) == GROUPS
    assert {g.label: int(g.declared_count.value) for g in report.groups()} == GROUPS
    rent = next(p for p in report.projects if p.name == "唐山市总工会房屋租金")
    assert (rent.group, rent.seq, rent.budget.wan, rent.actual.wan, rent.stated_rate.value) == (
        "科协本级", "6", D("832.52"), D("802.51"), D("96.3"))
    first = report.projects[0]
    assert (first.name, first.remainder.wan) == ("科技工作者之家建设活动", D("4"))


@pytest.mark.parametrize("case", SAMPLE_RENDERINGS[1:])
def test_every_rendering_reads_the_same_lines_and_values(case):
    assert lines(case) == lines("sample")


@pytest.mark.parametrize("case", SAMPLE_RENDERINGS)
def test_stated_totals(case):
    report = report_of(case)
    dept = next(a for a in report.aggregates if a.kind == "department")
    assert (dept.budget.wan, dept.actual.wan, dept.stated_rate.value) == (D("4795.32"), D("3380.19"), D("70.49"))
    nine = next(a for a in report.aggregates if a.kind == "enumeration")
    assert nine.label == "专项项目" and nine.declared_count.value == 9
    assert [m.name for m in nine.members] == NINE
    assert (nine.budget.wan, nine.actual.wan, nine.stated_rate.value) == (D("3183.53"), D("1945.89"), D("61.12"))
    assert report.document.organization == "唐山市科学技术协会" and report.document.year == 2023


def test_figures_are_on_their_pages():
    report = report_of("sample")
    # fixtures/README.md: the department paragraph is on page 1, 科工中心 starts on page 4,
    # 科技馆 (1)–(4) on page 6 (the 9-page docx rendering).
    assert report.aggregates[0].budget.span.page == 1
    pages = {p.group: sorted({p.span.page for p in report.lines_of(p.group)}) for p in report.projects}
    assert pages["科技馆"] == [6]
    assert all(p.budget.span.page == p.span.page for p in report.projects)


@pytest.mark.parametrize("case", SAMPLE_RENDERINGS)
def test_findings_are_the_auditors(case):
    result = result_of(case)
    errors = [f for f in result.findings if f.severity == "error"]
    assert sorted((f.rule, f.stated, f.recomputed) for f in errors) == [
        ("sum_mismatch", D("1945.89"), D("1834.89")),
        ("sum_mismatch", D("3183.53"), D("3059.85")),
    ]
    sums = [c for c in result.checks if c.relation == "sum"]
    assert all(len(c.members) == 9 for c in sums)
    loose = {(m.listed, m.matched) for c in sums for m in c.members if m.status == "loose"}
    assert loose == {("科技工作者之家建设经费", "科技工作者之家建设活动"),
                     ("唐山科技馆装修布展工程鉴定费", "唐山科技馆装修布展工程司法鉴定费")}
    notes = [f for f in result.findings if f.rule == "rate_rounding"]
    assert sorted(f.stated for f in notes) == sorted(D(v) for v in ["96.3", "99.9", "99.7", "99.6", "97.8", "34.3", "56.2"])
    # Counts, the remainder and the department's rate were checked, and hold.
    for relation in ("count", "remainder"):
        assert [c.outcome for c in result.checks if c.relation == relation] and all(
            c.outcome == "pass" for c in result.checks if c.relation == relation)
    dept_rate = next(c for c in result.checks if c.relation == "rate" and c.label.startswith("部门整体"))
    assert dept_rate.outcome == "pass"
    assert not [c for c in result.checks if c.outcome == INSUFFICIENT]
    assert {c.relation for c in result.checks if c.outcome == FAIL} == {"sum", "name"}
