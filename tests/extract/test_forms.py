"""Provincial 自评表 templates read block by block: real published forms, and the same blocks built here.

The real forms (四川 01, 02; 内蒙古 04; 上海 07; 重庆 08's project table) are read from their
PDFs; every expected figure below is the hand-made truth of the case (truth.json).
"""

from __future__ import annotations

from decimal import Decimal as D
from functools import cache
from pathlib import Path

import pytest

from extract.lines import Char
from extract.model import Source
from extract.patterns import load
from extract.parse import parse
from extract.table_read import column_of, read_table
from extract.tables import ruled_tables

ROOT = Path(__file__).resolve().parents[2]


def real_pdf(case: str) -> Path:
    """A real report's PDF, as committed under fixtures/real."""
    return ROOT / "fixtures" / "real" / case / "report.pdf"


@cache
def read(case: str):
    from extract import read_pdf
    from reconcile import reconcile

    report = read_pdf(real_pdf(case))
    return report, reconcile(report)


def wan(fact):
    return None if fact is None else fact.wan


def lines(case: str) -> list[tuple]:
    """(source, name, initial budget, budget, actual, stated rate) of every line, amounts in 万元."""
    report, _ = read(case)
    return [(p.source, p.name, wan(p.initial_budget), wan(p.budget), wan(p.actual),
             p.stated_rate.value if p.stated_rate else None) for p in report.projects]


def checks(case: str, *relations: str) -> list[tuple]:
    """(relation, label without the project, stated, outcome) of the checks of these relations."""
    report, result = read(case)
    names = sorted({e.project for e in report.self_evaluations if e.project}, key=len, reverse=True)

    def short(label: str) -> str:
        return next((label.removeprefix(n).strip().removeprefix("/ ") for n in names if label.startswith(n)), label)

    return [(c.relation, short(c.label), c.stated, c.outcome) for c in result.checks if c.relation in relations]


def errors(case: str) -> list[tuple]:
    return [(f.rule, f.stated) for f in read(case)[1].findings if f.severity == "error"]


# ---- 四川: 部门预算项目支出绩效自评表 ----------------------------------------------------------------

QINGSHEN = "01_qingshen_fgj_gongzi_2023"
DAYING = "02_daying_sifa_anke_2023"


def test_sichuan_form_reads_its_total_and_every_source_with_a_figure():
    # 总额 | 238.93 | 251.89 | 251.89 | 100.00%, its 其中 rows; 其他资金 (all cells empty) is no line.
    assert lines(QINGSHEN) == [
        ("selfeval", "51000021R000000019951-工资性支出", D("238.93"), D("251.89"), D("251.89"), D("100.00")),
        ("funding", "财政资金", D("238.93"), D("251.89"), D("251.89"), D("100.00")),
        ("funding", "财政专户管理资金", D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("funding", "单位资金", D("0.00"), D("0.00"), D("0.00"), D("0.00")),
    ]
    report, _ = read(QINGSHEN)
    assert {p.budget.unit for p in report.projects} == {"万元"}  # from the label cell 年度预算数(万元)
    assert {p.group for p in report.projects if p.source == "funding"} == {"51000021R000000019951-工资性支出"}


def test_sichuan_form_checks_its_sums_points_and_weights_and_finds_nothing():
    assert checks(QINGSHEN, "sum", "score") == [
        ("sum", "总额 调整后预算数", D("251.89"), "pass"),
        ("sum", "总额 年初预算", D("238.93"), "pass"),
        ("sum", "总额 预算执行数", D("251.89"), "pass"),
        ("score", "预算执行分值", D("10"), "pass"),  # 预算执行情况(10分) against 权重 10
        ("score", "绩效指标分值合计", D("90"), "pass"),  # 绩效指标(90分) = 60 + 30
        ("score", "分值合计", D("100"), "pass"),  # "合计 | 100" in a merged cell = 10 + 60 + 30
    ]
    assert errors(QINGSHEN) == []


def test_sichuan_form_rates_of_nothing_over_nothing_are_not_checkable():
    rates = checks(QINGSHEN, "rate")
    assert rates == [
        ("rate", "（自评表） 预算执行率", D("100.00"), "pass"),
        ("rate", "财政资金（自评表） 预算执行率", D("100.00"), "pass"),
        ("rate", "财政专户管理资金（自评表） 预算执行率", None, "insufficient_data"),
        ("rate", "单位资金（自评表） 预算执行率", None, "insufficient_data"),
    ]
    notes = [c.note for c in read(QINGSHEN)[1].checks if c.relation == "rate" and c.outcome == "insufficient_data"]
    assert notes == ["预算数为零", "预算数为零"]


def test_sichuan_form_blocks_organisation_and_blank_scores():
    [form] = read(QINGSHEN)[0].self_evaluations
    assert (form.project, form.organization) == ("51000021R000000019951-工资性支出", "青神县发展和改革局")
    assert (form.funding_points.value, form.indicator_points.value) == (D(10), D(90))
    assert [(i.level3, i.weight.value, i.score) for i in form.indicators] == [
        ("发放(缴纳)覆盖率", D(60), None), ("足额保障率(参保率)", D(30), None)]
    assert (form.funding_weight.value, form.funding_score, form.total_weight.value, form.total_score) == (
        D(10), None, D(100), None)
    # Blank scores: no 总分 check at all, and no 预算执行得分 without a score.
    labels = [label for _, label, _, _ in checks(QINGSHEN, "score")]
    assert not any("得分" in label or label == "总分" for label in labels)


def test_a_form_cut_after_its_indicator_header_is_no_weights_fault():
    assert lines(DAYING) == [
        ("selfeval", "51092324T000010263357-2023年全县安可替代补助资金项目", D("0.00"), D("3.36"), D("3.36"), D("100.00")),
        ("funding", "财政资金", D("0.00"), D("3.36"), D("3.36"), D("100.00")),
        ("funding", "财政专户管理资金", D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("funding", "单位资金", D("0.00"), D("0.00"), D("0.00"), D("0.00")),
    ]
    assert checks(DAYING, "sum", "score") == [
        ("sum", "总额 调整后预算数", D("3.36"), "pass"),
        ("sum", "总额 年初预算", D("0.00"), "pass"),
        ("sum", "总额 预算执行数", D("3.36"), "pass"),
        ("score", "预算执行得分", D("10"), "pass"),  # 10 × 3.36 ÷ 3.36
        ("score", "预算执行分值", D("10"), "pass"),
        ("score", "绩效指标分值合计", None, "insufficient_data"),  # no indicator row was printed
        ("score", "分值合计", None, "insufficient_data"),  # never "各项分值之和为 10，应为 100"
    ]
    assert errors(DAYING) == []
    [form] = read(DAYING)[0].self_evaluations
    assert form.organization == "大英县司法局"  # 实施单位, not the 主管部门 大英县司法局部门


# ---- 内蒙古: 转移支付 fund form ---------------------------------------------------------------------

LINHE = "04_linhe_jiuye_2022"


def test_transfer_form_reads_sources_by_level_in_the_unit_of_its_section_label():
    # 资金投入情况(万元) |  | 全年预算数(A) | 全年执行数(B): no 权重, no 得分, no 执行率.
    assert lines(LINHE) == [
        ("selfeval", "就业补助资金", None, D("7165.32"), D("6992.95"), None),
        ("funding", "中央财政资金", None, D("3144.00"), D("3144.00"), None),
        ("funding", "自治区财政资金", None, D("570.17"), D("570.17"), None),
        ("funding", "盟市财政资金", None, D("433.00"), D("432.10"), None),
        ("funding", "旗县财政资金", None, D("1426.90"), D("1294.84"), None),
        ("funding", "其他资金(包括以前年度结转资金)", None, D("1591.22"), D("1551.84"), None),
    ]
    report, _ = read(LINHE)
    assert [p.budget.field for p in report.projects[:1]] == ["全年预算数"]  # the (A) is no part of it
    [form] = report.self_evaluations
    # 地方主管部门, never 中央主管部门 (人力资源社会保障部); the project is 转移支付(项目)名称.
    assert (form.project, form.organization) == ("就业补助资金", "巴彦淖尔市临河")
    assert checks(LINHE, "score") == []


def test_transfer_form_total_of_its_executed_sources_holds():
    assert checks(LINHE, "sum")[1] == ("sum", "年度资金总额 全年执行数", D("6992.95"), "pass")


def test_transfer_form_total_budget_disagrees_with_its_sources():
    # 3144.00 + 570.17 + 433.00 + 1426.90 + 1591.22 = 7165.29, written 7165.32 (truth: sum_mismatch).
    assert checks(LINHE, "sum")[0] == ("sum", "年度资金总额 全年预算数", D("7165.32"), "fail")
    assert errors(LINHE) == [("sum_mismatch", D("7165.32"))]


# ---- 上海: two 财政项目支出绩效自评表 in 元 ----------------------------------------------------------

PUTUO = "07_putuo_tiyu_2022"


def test_two_forms_in_yuan_keep_their_sources_apart():
    assert lines(PUTUO) == [
        ("selfeval", "普陀体育中心与委托运营方结算费用", D("25"), D("25"), D("21.54576"), D("86.19")),
        ("funding", "当年财政拨款", D("25"), D("25"), D("21.54576"), None),
        ("funding", "上年结转资金", D(0), D(0), None, None),
        ("funding", "其他资金", D(0), D(0), None, None),
        ("selfeval", "援滇对口支援及结对帮扶经费", D(2), D(2), D("0.9034"), D("45.17")),
        ("funding", "当年财政拨款", D(0), D(0), None, None),
        ("funding", "上年结转资金", D(0), D(0), None, None),
        ("funding", "其他资金", D(0), D(0), None, None),
    ]
    report, _ = read(PUTUO)
    assert {f.unit for p in report.projects for f in (p.budget, p.initial_budget, p.actual) if f} == {"元"}
    assert report.projects[0].actual.text == "215,457.6"
    # Same names in both forms, never merged: each form's sources are in its own group.
    assert [(p.group, p.name) for p in report.projects if p.source == "funding" and p.name == "上年结转资金"] == [
        ("普陀体育中心与委托运营方结算费用", "上年结转资金"), ("援滇对口支援及结对帮扶经费", "上年结转资金")]
    assert all(not p.readings for p in report.projects)


def test_two_forms_in_yuan_checks_and_the_two_totals_over_empty_sources():
    found = [c for c in checks(PUTUO, "sum", "score") if not c[1].endswith("得分不超分值")]
    assert found == [
        ("sum", "年度资金总额 全年预算数", D("250000.00"), "pass"),
        ("sum", "年度资金总额 年初预算数", D("250000.00"), "pass"),
        # Only 当年财政拨款 states an execution; the 0 | 0 | (empty) sources hold nothing.
        ("sum", "年度资金总额 全年执行数", D("215457.6"), "pass"),
        ("sum", "年度资金总额 全年预算数", D("20000.00"), "fail"),
        ("sum", "年度资金总额 年初预算数", D("20000.00"), "fail"),
        # 9,034 executed while no source states an execution: not checkable, not 0.
        ("sum", "年度资金总额 全年执行数", None, "insufficient_data"),
        ("score", "预算执行得分", D("8.62"), "pass"),  # 10 × 215457.6 ÷ 250000 = 8.618
        ("score", "分值合计", D("100"), "pass"),  # 10 + 10 + 20 + 20 + 30 + 10
        ("score", "总分", D("98.62"), "pass"),  # 8.62 + 10 + 20 + 20 + 30 + 10
        ("score", "预算执行得分", D("4.52"), "pass"),  # 10 × 9034 ÷ 20000 = 4.517
        ("score", "分值合计", None, "insufficient_data"),  # the second form's indicators are cut off
    ]
    assert errors(PUTUO) == [("sum_mismatch", D("20000.00")), ("sum_mismatch", D("20000.00"))]
    [rate] = [c for c in read(PUTUO)[1].checks if c.relation == "rate" and c.outcome != "pass"]
    assert (rate.stated, rate.outcome, rate.verdict) == (D("86.19"), "rounding", "rounded_up")


def test_two_forms_in_yuan_organisation_is_the_implementing_unit():
    report, _ = read(PUTUO)
    assert [(e.project, e.organization) for e in report.self_evaluations] == [
        ("普陀体育中心与委托运营方结算费用", "上海市普陀区体育事业管理中心"),
        ("援滇对口支援及结对帮扶经费", "上海市普陀区体育事业管理中心")]
    amounts = [c.expression for c in read(PUTUO)[1].checks if c.label.endswith("预算执行得分")]
    assert amounts[0] == "10 × 215457.60 ÷ 250000.00 = 8.618"  # as printed, in 元


# ---- 重庆: a project list with 资金规模, 评分情况, 评级情况 --------------------------------------------

JIANGBEI = "08_jiangbei_czj_zhongdian_2020"


def test_project_list_reads_fund_size_as_budget_and_keeps_scores_out_of_money():
    table = [(source, budget) for source, _, _, budget, actual, _ in lines(JIANGBEI) if source == "table"]
    assert table == [("table", D(b)) for b in ("460", "265", "12738", "5467.69", "300", "305", "2000")]
    report, _ = read(JIANGBEI)
    rows = [p for p in report.projects if p.source == "table"]
    assert all(p.actual is None and p.stated_rate is None and p.initial_budget is None for p in rows)
    assert rows[0].name == "江北区科学技术局援企业稳岗补贴专项资金项目"


@pytest.mark.parametrize(
    ("heading", "field", "shown"),
    [
        ("全年预算数(A)", "budget", "全年预算数"),
        ("全年执行数(B)", "actual", "全年执行数"),
        ("执行率(B/A)", "stated_rate", "执行率"),
        ("资金规模(万元)", "budget", "资金规模(万元)"),
        ("评分情况", "score", "评分情况"),
        ("评级情况", "grade", "评级情况"),
        ("权重", "weight", "权重"),
    ],
)
def test_form_headings(heading, field, shown):
    column = column_of(heading, load())
    assert (column.field, column.heading) == (field, shown)


# ---- the same blocks, built here ------------------------------------------------------------------

WIDTH, HEIGHT = 150, 20


def table_of(rows: list[list[str]], page: int = 1):
    """A ruled table; "^" is a cell merged into the one above (a section label running down)."""
    grid, chars = [], []
    for r, row in enumerate(rows):
        boxes = []
        for c, text in enumerate(row):
            if text == "^":
                boxes.append(None)
                continue
            x, top = c * WIDTH, r * HEIGHT
            boxes.append((x, top, x + WIDTH, top + HEIGHT))
            chars += [Char(ch, page, x + 2 + 10 * i, top + 5, x + 12 + 10 * i, top + 15, 10.0)
                      for i, ch in enumerate(text)]
        grid.append(boxes)
    [table] = ruled_tables([grid], chars, page, WIDTH * 10, HEIGHT * 40)
    return table


FUNDING = [
    ["项目名称", "乡村道路养护", "乡村道路养护", "乡村道路养护", "乡村道路养护", "乡村道路养护"],
    ["实施单位(盖章)", "某县交通运输局", "主管部门", "某县人民政府", "", ""],
    ["预算执行情况(10分)", "项目资金(元)", "调整后预算数", "预算执行数", "权重", "得分"],
    ["^", "资金总额", "1,200,000", "1,080,000", "10", "9"],
    ["^", "其中:财政资金", "1,000,000", "900,000", "/", "/"],
    ["^", "单位资金", "200,000", "180,000", "/", "/"],
    ["^", "其他资金", "—", "—", "/", "/"],
]
INDICATORS = [
    ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "分值", "得分"],
    ["^", "产出指标", "数量指标", "养护里程", "50", "45"],
    ["^", "效益指标", "社会效益指标", "通行条件", "40", "40"],
    ["总分", "", "", "", "100", "94"],
]


def forms_of(*tables):
    patterns = load()
    results = [read_table(t, patterns, "", "", "") for t in tables]
    report = parse(list(tables), Source("forms.pdf", "0" * 64, 2), patterns)  # joins the forms
    return report, results


def test_built_form_in_one_table():
    report, [result] = forms_of(table_of(FUNDING + INDICATORS))
    [form] = result.self_evaluations
    assert (form.project, form.organization) == ("乡村道路养护", "某县交通运输局")
    assert [(p.source, p.name, p.budget.value, p.budget.unit, p.actual.value) for p in report.projects] == [
        ("selfeval", "乡村道路养护", D(1200000), "元", D(1080000)),
        ("funding", "财政资金", D(1000000), "元", D(900000)),
        ("funding", "单位资金", D(200000), "元", D(180000)),
    ]
    assert (form.funding_points.value, form.indicator_points.value, form.total_weight.value) == (D(10), D(90), D(100))
    assert [i.level3 for i in form.indicators] == ["养护里程", "通行条件"]


def test_built_form_whose_indicators_are_a_table_of_their_own_is_one_form():
    from reconcile import reconcile

    report, results = forms_of(table_of(FUNDING), table_of(INDICATORS, page=2))
    assert [len(r.self_evaluations) for r in results] == [1, 1]
    [form] = report.self_evaluations  # joined by parse
    assert form.project == "乡村道路养护" and [i.level3 for i in form.indicators] == ["养护里程", "通行条件"]
    assert (form.indicator_points.value, form.total_weight.value, form.total_score.value) == (D(90), D(100), D(94))
    scores = {c.label.removeprefix("乡村道路养护 "): (c.stated, c.outcome)
              for c in reconcile(report).checks if c.relation == "score"}
    assert scores == {
        "预算执行得分": (D(9), "pass"),  # 10 × 1080000 ÷ 1200000 = 9
        "预算执行分值": (D(10), "pass"),
        "绩效指标分值合计": (D(90), "pass"),
        "养护里程 得分不超分值": (D(45), "pass"),
        "通行条件 得分不超分值": (D(40), "pass"),
        "分值合计": (D(100), "pass"),
        "总分": (D(94), "pass"),  # 9 + 45 + 40
    }


def test_built_form_whose_indicator_weights_miss_their_declared_points_is_a_fault():
    from reconcile import reconcile

    wrong = [row[:] for row in INDICATORS]
    # 通行条件 分值 and 得分 30: 50 + 30 = 80 against 绩效指标(90分), while 10 + 80 = 90 is the 总分 written
    # and 9 + 45 + 30 = 84 its score: only the declared points disagree.
    wrong[2][4], wrong[2][5], wrong[3][4], wrong[3][5] = "30", "30", "90", "84"
    report, _ = forms_of(table_of(FUNDING + wrong))
    found = [(f.rule, f.stated, f.recomputed) for f in reconcile(report).findings if f.severity == "error"]
    assert found == [("score_mismatch", D(90), D(80))]


def test_built_table_without_a_total_row_is_no_form():
    rows = [FUNDING[2], ["^", "其中:财政资金", "1,000,000", "900,000", "/", "/"]]
    result = read_table(table_of(rows), load(), "", "", "")
    assert result.self_evaluations == [] and all(p.source == "table" for p in result.projects)


def test_built_total_row_with_only_a_score_states_no_weight_total():
    rows = INDICATORS[:-1] + [["总分", "", "", "", "", "94"]]
    [form] = read_table(table_of(FUNDING + rows), load(), "", "", "").self_evaluations
    assert (form.total_weight, form.total_score.value) == (None, D(94))


DEPARTMENT = [
    ["部门名称", "某县农业农村局", "某县农业农村局", "某县农业农村局"],
    ["年度预算资金(万元)", "", "全年预算数", "全年执行数"],
    ["^", "年度资金总额", "100", "90"],
    ["^", "按收入性质分:", "", ""],
    ["^", "一般公共预算财政拨款", "80", "72"],
    ["^", "其他资金", "20", "18"],
    ["^", "按支出性质分:基本支出", "60", "55"],
    ["^", "项目支出", "45", "35"],
]


def test_department_form_breaks_its_total_down_twice_and_each_way_is_summed_alone():
    from reconcile import reconcile

    report, _ = forms_of(table_of(DEPARTMENT))
    sums = [(c.label.split("年度资金总额")[1], c.stated, c.outcome) for c in reconcile(report).checks
            if c.relation == "sum"]
    assert sums == [
        ("（按收入性质分） 全年预算数", D(100), "pass"), ("（按收入性质分） 全年执行数", D(90), "pass"),
        ("（按支出性质分） 全年预算数", D(100), "fail"), ("（按支出性质分） 全年执行数", D(90), "pass"),
    ]
    assert [p.name for p in report.projects if p.source == "funding"] == [
        "一般公共预算财政拨款", "其他资金", "基本支出", "项目支出"]
