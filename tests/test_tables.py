"""Tables read from Word-exported PDFs: project lists with 合计/小计, 自评表, page breaks, no rules."""

from decimal import Decimal as D

import pytest

from tests.conftest import report_of, result_of


def errors(case):
    return sorted((f.rule, f.stated) for f in result_of(case).findings if f.severity == "error")


@pytest.mark.parametrize("case", ["table-list", "table-borderless", "table-pagebreak", "selfeval", "mixed"])
def test_consistent_tables_give_no_error_or_warning(case):
    assert [f for f in result_of(case).findings if f.severity != "info"] == []
    assert all(c.outcome != "insufficient_data" for c in result_of(case).checks)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("table-list-fault", [("sum_mismatch", D("579.93"))]),
        ("selfeval-fault-rate", [("rate_mismatch", D("89.98"))]),
        ("selfeval-fault-score", [("score_mismatch", D("12"))]),
        ("selfeval-fault-total", [("score_mismatch", D("95.00"))]),
        ("mixed-fault", [("source_mismatch", D("190.47"))]),
    ],
)
def test_each_injected_fault_is_found_and_nothing_else(case, expected):
    assert errors(case) == expected
    assert [f for f in result_of(case).findings if f.severity == "warning"] == []


@pytest.mark.parametrize("case", ["table-list", "table-borderless"])
def test_project_list_rows_and_total(case):
    report = report_of(case)
    assert [(p.name, p.budget.wan, p.actual.wan, p.stated_rate.value) for p in report.projects] == [
        ("科技馆免费开放中央补助资金", D("619"), D("400.74"), D("64.74")),
        ("唐山科技馆装修布展工程", D("1081.95"), D("109.47"), D("10.12")),
        ("唐山科技馆装修布展工程司法鉴定费", D("60"), D("60"), D("100.00")),
        ("其他交通费", D("1.28"), D("0.72"), D("56.25")),
    ]
    assert all(p.source == "table" and p.initial_budget.wan == p.budget.wan for p in report.projects)
    [total] = [a for a in report.aggregates if a.kind == "table_total"]
    assert (total.budget.wan, total.actual.wan, len(total.rows)) == (D("1762.23"), D("570.93"), 4)
    # "本单位…纳入绩效评价的项目共计4项，详见下表" counts the table's rows.
    [count] = [c for c in result_of(case).checks if c.relation == "count"]
    assert (count.stated, count.recomputed, count.outcome) == (D(4), D(4), "pass")


def test_table_over_a_page_break_is_one_table_with_its_merged_cells_filled():
    report = report_of("table-pagebreak")
    [table] = report.tables
    assert table.pages == (1, 2) and len(table.rows) == 33  # header once, 27 rows, 4 小计, 合计
    assert [r[0] for r in table.rows[1:]].count("进修学院") == 8  # the merged cell runs over the break
    subtotals = [a for a in report.aggregates if a.kind == "subtotal"]
    assert [(a.label, len(a.rows), a.budget.wan) for a in subtotals] == [
        ("科协本级 小计", 11, D("1349.50")), ("科工中心 小计", 4, D("61.28")),
        ("进修学院 小计", 8, D("165.68")), ("科技馆 小计", 4, D("1762.23"))]
    [total] = [a for a in report.aggregates if a.kind == "table_total"]
    assert len(total.rows) == 27 and total.budget.wan == D("3338.69")
    # Same lines and figures as the prose of the sample report.
    sample = {(p.group, p.seq, p.name): (p.budget.wan, p.actual.wan, p.stated_rate.value)
              for p in report_of("sample").projects}
    rows = {(p.group, p.seq, p.name): (p.budget.wan, p.actual.wan, p.stated_rate.value) for p in report.projects}
    assert rows == sample


def test_self_evaluation_is_read_block_by_block():
    report = report_of("selfeval")
    [ev] = report.self_evaluations
    assert (ev.project, ev.organization, ev.grade) == ("唐山市科普专项经费", "唐山市科学技术协会", "优")
    assert (ev.funding_weight.value, ev.funding_score.value) == (D(10), D("10.00"))
    assert (ev.funding.budget.wan, ev.funding.actual.wan, ev.funding.stated_rate.value) == (D(60), D("59.99"), D("99.98"))
    assert [(i.level3, i.weight.value, i.score.value) for i in ev.indicators] == [
        ("开展科普活动场次", 20, 20), ("活动覆盖公众人次", 15, 15), ("活动完成时限", 15, 15),
        ("公众科学素质提升", 20, 18), ("科普阵地长效运行", 10, 9), ("参与公众满意度", 10, 10)]
    assert (ev.total_weight.value, ev.total_score.value) == (D(100), D("97.00"))
    assert report.document.year == 2023
    [funding] = [a for a in report.aggregates if a.kind == "funding"]
    assert [r.name for r in funding.rows] == ["当年财政拨款", "上年结转资金", "其他资金"]


def test_mixed_report_is_one_report_with_relations_across_its_parts():
    report = report_of("mixed")
    assert [(p.name, p.source, [r.source for r in p.readings]) for p in report.projects] == [
        ("科技馆免费开放中央补助资金", "prose", ["table"]),
        ("唐山科技馆装修布展工程", "prose", ["table", "selfeval"]),
        ("唐山科技馆装修布展工程司法鉴定费", "prose", ["table"]),
        ("其他交通费", "prose", ["table"]),
        # The 自评表's source rows are lines of their own, in the group of the form's project.
        ("当年财政拨款", "funding", []), ("上年结转资金", "funding", []), ("其他资金", "funding", []),
    ]
    assert {p.group for p in report.projects if p.source == "funding"} == {"唐山科技馆装修布展工程"}
    sources = [c for c in result_of("mixed").checks if c.relation == "source"]
    assert len(sources) == 15 and all(c.outcome == "pass" for c in sources)
    # 64.7% in prose and 64.74% in the table agree: one is the other rounded.
    rate = next(c for c in sources if c.label.startswith("（1）") and "执行率" in c.label)
    assert rate.verdict == "within_tolerance"


def test_disagreement_between_prose_and_table_names_both_pages():
    [finding] = [f for f in result_of("mixed-fault").findings if f.severity == "error"]
    assert finding.span.page == 2 and finding.evidence[0].page == 1
    assert "正文写 109.47 万元（第1页），表格写 190.47 万元（第2页）" in finding.message
