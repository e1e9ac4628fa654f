"""Paragraphs → report: the sample report checked by hand, then one phrasing per case."""

from decimal import Decimal

import pytest

from extract import read_text

D = Decimal


def _only(items):
    assert len(items) == 1, items
    return items[0]


def _line(text):
    """The one project line a text holds."""
    report = read_text(text)
    assert report.aggregates == [], report.aggregates
    return _only(report.projects)


def _kind(report, kind):
    return [a for a in report.aggregates if a.kind == kind]


# =================================================================== the sample report


def test_sample_document(sample):
    assert sample.document.title == "2023年度唐山市科学技术协会整体绩效自评工作报告"
    assert sample.document.organization == "唐山市科学技术协会"
    assert sample.document.year == 2023
    assert sample.source.pages == 1


def test_sample_has_27_lines_in_four_groups(sample):
    assert len(sample.projects) == 27
    groups = sample.groups()
    assert [g.label for g in groups] == ["科协本级", "科工中心", "进修学院", "科技馆"]
    assert [g.declared_count.value for g in groups] == [D(11), D(4), D(8), D(4)]
    assert [g.declared_count.unit for g in groups] == ["项"] * 4
    for group in groups:
        lines = sample.lines_of(group.label)
        assert len(lines) == group.declared_count.value
        assert [line.seq for line in lines] == [str(n) for n in range(1, len(lines) + 1)]
    assert all(line.group for line in sample.projects), "every line sits in a group"


def test_sample_has_one_department_one_enumeration_four_groups(sample):
    assert sorted(a.kind for a in sample.aggregates) == ["department", "enumeration"] + ["group"] * 4


def test_sample_department_totals(sample):
    department = _only(_kind(sample, "department"))
    assert department.label == "部门整体"
    assert department.budget.value == D("4795.32")
    assert department.budget.unit == "万元"
    assert department.budget.field == "申请预算资金"
    assert department.actual.value == D("3380.19")
    assert department.stated_rate.value == D("70.49")
    assert department.stated_rate.decimals == 2
    assert department.declared_count is None
    assert department.members == []


NINE = [
    "唐山市科普专项经费",
    "唐山科技馆运营服务费",
    "唐山市总工会房屋租金",
    "科创中国及科创河北试点城市建设",
    "全国科技工作者日河北主场活动",
    "科技工作者之家建设经费",
    "唐山科技馆装修布展工程",
    "科技馆免费开放中央补助资金",
    "唐山科技馆装修布展工程鉴定费",
]


def test_sample_enumeration(sample):
    enumeration = _only(_kind(sample, "enumeration"))
    assert enumeration.label == "专项项目"
    assert enumeration.declared_count.value == D(9)
    assert enumeration.declared_count.unit == "个"
    assert [m.name for m in enumeration.members] == NINE
    assert enumeration.complete is True
    assert enumeration.budget.value == D("3183.53")
    assert enumeration.actual.value == D("1945.89")
    assert enumeration.stated_rate.value == D("61.12")
    # each member's span covers its name: 10 pt per character in read_text
    for member in enumeration.members:
        x0, _, x1, _ = member.span.bbox
        assert x1 - x0 == 10 * len(member.name)
        assert member.span.page == 1


def _by(sample, group, seq):
    return _only([p for p in sample.lines_of(group) if p.seq == seq])


# (group, seq, name, budget, actual, rate, completion) read off source.txt by hand
SAMPLE_LINES = [
    ("科协本级", "1", "科技工作者之家建设活动", "10", "6", "60", None),
    ("科协本级", "6", "唐山市总工会房屋租金", "832.52", "802.51", "96.3", "100"),
    ("科协本级", "8", "唐山市科普专项经费", "60", "59.99", "99.9", "100"),
    ("科协本级", "9", "办公家具购置", "0.60", "0.60", "100", "100"),
    ("科协本级", "11", "全国科技工作者日河北主场活动", "30.5", "30.4", "99.6", "100"),
    ("科工中心", "1", "维修费", "40", "12.33", "30.83", None),
    ("进修学院", "8", "委托业务费", "120", "71.65", "59.71", None),
    ("科技馆", "2", "唐山科技馆装修布展工程", "1081.95", "109.47", "10.1", None),
    ("科技馆", "3", "唐山科技馆装修布展工程司法鉴定费", "60", "60", "100", "100"),
]


@pytest.mark.parametrize(("group", "seq", "name", "budget", "actual", "rate", "completion"), SAMPLE_LINES)
def test_sample_lines_by_hand(sample, group, seq, name, budget, actual, rate, completion):
    line = _by(sample, group, seq)
    assert line.name == name
    assert line.budget.value == D(budget)
    assert line.budget.unit == "万元"
    assert line.actual.value == D(actual)
    assert line.stated_rate.value == D(rate)
    assert line.stated_rate.unit == "%"
    if completion is None:
        assert line.stated_completion is None
    else:
        assert line.stated_completion.value == D(completion)


def test_sample_line_6_facts_and_spans(sample):
    line = _by(sample, "科协本级", "6")
    assert line.budget.field == "调整预算数"
    assert line.actual.field == "实际执行数"
    assert line.stated_rate.field == "支出进度"
    assert line.stated_rate.decimals == 1
    assert line.budget.text == "832.52万元"
    assert line.remainder is None and line.initial_budget is None
    # row 18 of source.txt (0-based) → top 360; "（6）" takes 3 characters of 10 pt
    assert line.span.page == 1
    assert line.span.bbox == (30.0, 360.0, 130.0, 370.0)
    # "（6）唐山市总工会房屋租金，调整预算数" is 19 characters; "832.52万元" is 8
    assert line.budget.span.bbox == (190.0, 360.0, 270.0, 370.0)
    assert line.sentence.startswith("（6）唐山市总工会房屋租金，")


def test_sample_line_1_remainder(sample):
    line = _by(sample, "科协本级", "1")
    assert line.remainder.value == D(4)
    assert line.remainder.field == "剩余"
    assert line.stated_completion is None


def test_sample_line_9_keeps_its_written_decimals(sample):
    line = _by(sample, "科协本级", "9")
    assert line.budget.value == D("0.60")
    assert str(line.budget.value) == "0.60"
    assert line.budget.decimals == 2
    assert line.budget.quantum_wan == D("0.01")
    assert line.budget.text == "0.60 万元"  # as printed, space included


# Sums of the budget / actual column of each group, added by hand from source.txt.
GROUP_SUMS = [
    ("科协本级", "1349.50", "1315.28"),
    ("科工中心", "61.28", "32.65"),
    ("进修学院", "165.68", "107.71"),
    ("科技馆", "1762.23", "570.93"),
]


@pytest.mark.parametrize(("group", "budget", "actual"), GROUP_SUMS)
def test_sample_group_columns_add_up_to_the_hand_sums(sample, group, budget, actual):
    lines = sample.lines_of(group)
    assert sum((p.budget.wan for p in lines), D(0)) == D(budget)
    assert sum((p.actual.wan for p in lines), D(0)) == D(actual)


def test_sample_items_of_the_nine_add_up_as_domain_says(sample):
    # The nine 专项项目 as item lines (two named differently in the list).
    items = [("科协本级", s) for s in ("1", "6", "7", "8", "10", "11")] + [("科技馆", s) for s in ("1", "2", "3")]
    lines = [_by(sample, g, s) for g, s in items]
    assert sum((p.budget.wan for p in lines), D(0)) == D("3059.85")
    assert sum((p.actual.wan for p in lines), D(0)) == D("1834.89")


# (title as printed, organisation, year)
TITLES = [
    ("2023 年度唐山市科学技术协会 整体绩效自评工作报告", "唐山市科学技术协会", 2023),
    ("唐山市科学技术协会2023年度部门整体支出绩效自评报告", "唐山市科学技术协会", 2023),
    ("2022年唐山市科学技术协会项目支出绩效自评报告", "唐山市科学技术协会", 2022),
    ("2023年度唐山市科学技术协会部门整体支出绩效自评表", "唐山市科学技术协会", 2023),
    pytest.param(
        "关于2023年度唐山市科学技术协会整体绩效自评的报告", "唐山市科学技术协会", 2023,
        id="guanyu",  # was a bug: '关于' before the year was taken as the organisation
    ),
    pytest.param(
        "唐山市科学技术协会整体绩效自评报告", "唐山市科学技术协会", None,
        id="no-year",  # was a bug: without a year no organisation was read
    ),
]


@pytest.mark.parametrize(("title", "organization", "year"), TITLES)
def test_document_info(title, organization, year):
    info = read_text(title + "\n一、部门整体概况").document
    assert info.title == title.replace(" ", "")
    assert info.organization == organization
    assert info.year == year


def test_no_title_no_document_info():
    info = read_text("一、部门整体概况\n本部门预算数10万元，实际支出5万元。").document
    assert (info.title, info.organization, info.year) == ("", "", None)


# =================================================================== phrasings


def test_figures_in_another_order():
    line = _line("（1）某项目，实际支出5万元，预算数10万元，执行率50%。")
    assert line.name == "某项目"
    assert line.budget.value == D(10)
    assert line.actual.value == D(5)
    assert line.stated_rate.value == D(50)


def test_initial_and_adjusted_budget_in_one_line():
    line = _line("（1）信息化运维，年初预算数50万元，调整后预算数40万元，实际执行数40万元，执行率100%。")
    assert line.initial_budget.value == D(50)
    assert line.initial_budget.field == "年初预算数"
    assert line.budget.value == D(40)
    assert line.budget.field == "调整后预算数"
    assert line.actual.value == D(40)


def test_initial_budget_alone_is_not_the_budget():
    line = _line("（1）某项目，年初预算数50万元，实际支出6万元。")
    assert line.initial_budget.value == D(50)
    assert line.budget is None


def test_first_figure_of_a_field_wins():
    line = _line("（1）某项目，预算数10万元，实际支出6万元，其中预算数3万元用于采购。")
    assert line.budget.value == D(10)


# DOMAIN.md's table, "words that mean the same field", one row per word.
DOMAIN_WORDS = {
    "budget": "调整预算数 调整后预算数 全年预算数 年度预算数 预算数 批复预算 预算资金 申请预算资金 下达资金",
    "initial_budget": "年初预算数 年初预算 年初批复预算",
    "actual": "实际执行数 全年执行数 预算执行数 执行数 实际支出 支出数 已支出 实际使用",
    "stated_rate": "支出进度 执行率 预算执行率 资金执行率 支出率",
    "stated_completion": "总体完成率 完成率 目标完成率",
    "remainder": "剩余 结余 结转 未支出",
}
_PERCENT = {"stated_rate", "stated_completion"}


@pytest.mark.parametrize(
    ("field", "word"), [(f, w) for f, words in DOMAIN_WORDS.items() for w in words.split()]
)
def test_domain_synonym(field, word):
    if field in _PERCENT:
        text = f"（1）某项目，预算数20万元，{word}62.5%。"
        value, unit = D("62.5"), "%"
    else:
        text = f"（1）某项目，{word}12.5万元。"
        value, unit = D("12.5"), "万元"
    line = _line(text)
    fact = getattr(line, field)
    assert fact is not None, f"{word}: {line.facts()}"
    assert fact.value == value
    assert fact.unit == unit
    assert fact.field == word
    # no other field took the figure
    others = {k for k, v in line.facts().items() if v is fact}
    assert others == {field}


@pytest.mark.parametrize("word", ["剩余", "结余", "结转", "未支出"])
def test_remainder_words_with_budget_and_actual(word):
    line = _line(f"（1）某项目，预算数10万元，实际支出6万元，{word}4万元。")
    assert line.budget.value == D(10)
    assert line.actual.value == D(6)
    assert line.remainder.value == D(4)


@pytest.mark.parametrize("joiner", ["", "为", "是", "达到", "达", "共计", "合计", "总计", "共", "计", "：", ":", " "])
def test_joiners_between_word_and_figure(joiner):
    line = _line(f"（1）某项目，预算数{joiner}10万元，执行率{joiner}50%。")
    assert line.budget.value == D(10)
    assert line.stated_rate.value == D(50)


def test_rate_word_with_money_unit_is_not_a_rate():
    line = _line("（1）某项目，执行率5万元，预算数10万元。")
    assert line.stated_rate is None
    assert line.budget.value == D(10)


def test_numbers_with_spaces_full_width_digits_and_separators():
    line = _line("①办公费，预算数 ８３２．５２ 万元，实际支出 1,234.5 万元，支出进度 ９６．３％。")
    assert line.budget.value == D("832.52")
    assert line.budget.decimals == 2
    assert line.budget.text == "８３２．５２ 万元"  # printed form kept
    assert line.actual.value == D("1234.5")
    assert line.actual.decimals == 1
    assert line.stated_rate.value == D("96.3")
    assert line.stated_rate.unit == "%"


# (printed budget, unit, value, value in 万元, quantum in 万元)
UNITS = [
    ("8325200元", "元", "8325200", "832.52", "0.0001"),
    ("8,025,100元", "元", "8025100", "802.51", "0.0001"),
    ("1.2亿元", "亿元", "1.2", "12000", "1000"),
    ("832.52万元", "万元", "832.52", "832.52", "0.01"),
]


@pytest.mark.parametrize(("printed", "unit", "value", "wan", "quantum"), UNITS)
def test_units_yuan_and_yi(printed, unit, value, wan, quantum):
    line = _line(f"（1）某项目，调整预算数{printed}，实际执行数1万元。")
    assert line.budget.unit == unit
    assert line.budget.value == D(value)
    assert line.budget.wan == D(wan)
    assert line.budget.quantum_wan == D(quantum)
    assert line.budget.is_money


def test_department_in_yi_and_wan():
    report = read_text("本单位预算数1.2亿元，实际支出8000万元，执行率66.67%。")
    department = _only(report.aggregates)
    assert department.kind == "department"
    assert department.budget.wan == D(12000)
    assert department.actual.wan == D(8000)
    assert report.projects == []


@pytest.mark.parametrize(
    ("heading", "count", "unit"),
    [
        ("1、科协本级纳入年度绩效评价的项目共计十一项。", 11, "项"),
        ("1、科协本级纳入年度绩效评价的项目共计 11 项。", 11, "项"),
        ("1、科协本级共11个项目。", 11, "个"),
        ("1、科协本级共有项目十一个。", 11, "个"),
        ("1、科协本级项目11个。", 11, "个"),
        ("（一）科协本级纳入年度绩效评价的项目共计二十项。", 20, "项"),
        ("1、科协本级纳入年度绩效评价的项目共计两项。", 2, "项"),
    ],
)
def test_group_declared_count(heading, count, unit):
    report = read_text(heading)
    group = _only(report.groups())
    assert group.label == "科协本级"
    assert group.declared_count.value == D(count)
    assert group.declared_count.unit == unit


def test_group_collects_deeper_items_until_a_sibling_heading():
    text = "\n".join([
        "1、科协本级纳入年度绩效评价的项目共计十一项。",
        "（1）甲，预算数1万元，实际支出1万元。",
        "说明文字，不带编号。",
        "（2）乙，预算数2万元，实际支出1万元。",
        "2、科工中心项目两个。",
        "①丙，预算数3万元，实际支出3万元。",
        "二、存在问题",
        "（1）丁，预算数4万元，实际支出4万元。",
    ])
    report = read_text(text)
    assert [(g.label, g.declared_count.value) for g in report.groups()] == [("科协本级", 11), ("科工中心", 2)]
    assert [(p.group, p.seq, p.name) for p in report.projects] == [
        ("科协本级", "1", "甲"),
        ("科协本级", "2", "乙"),
        ("科工中心", "①", "丙"),
        ("", "1", "丁"),  # 二、 closes the group
    ]


@pytest.mark.parametrize(
    ("marker", "seq"),
    [("①", "①"), ("(1)", "1"), ("（1）", "1"), ("1.", "1"), ("1．", "1"), ("(12) ", "12"), ("⑪", "⑪")],
)
def test_list_markers(marker, seq):
    line = _line(f"{marker}办公费，预算数10万元，实际支出5万元。")
    assert line.seq == seq
    assert line.name == "办公费"
    assert line.budget.value == D(10)


def test_marker_needs_figures_to_make_a_line():
    assert read_text("（1）加强项目管理，提高资金使用效益。").projects == []


@pytest.mark.parametrize(
    "text",
    [
        "本年度工作进展顺利，各项目有序推进。",
        "按照全面覆盖的原则，以预算资金为主线，提高预算执行率。",
        "成功入选试点项目（全省 2 个）和研究项目（全省 1 个）。",
        "（1）加强项目管理，提高资金使用效益。",
    ],
)
def test_paragraph_without_figures_yields_nothing(text):
    report = read_text(text)
    assert report.projects == []
    assert report.aggregates == []


def test_enumeration_with_chinese_count():
    report = read_text("其中：专项项目九个，涉及甲项目、乙项目，预算数10万元，实际支出5万元。")
    enumeration = _only(_kind(report, "enumeration"))
    assert enumeration.declared_count.value == D(9)
    assert [m.name for m in enumeration.members] == ["甲项目", "乙项目"]
    assert enumeration.budget.value == D(10)
    assert _kind(report, "department") == []


ENDS_IN_DENG = [
    pytest.param(
        "其中：专项项目 3 个，涉及甲、乙、丙等，预算数 10 万元，实际支出 5 万元。",
        ["甲", "乙", "丙"],
        id="count-then-names",
    ),
    pytest.param(
        "其中包括维修费、委托业务费等2个项目，预算数45万元，实际支出17.33万元。",
        ["维修费", "委托业务费"],
        id="names-then-count",  # was a bug: the optional 等 after the lazy names group went unseen
    ),
]


@pytest.mark.parametrize(("text", "names"), ENDS_IN_DENG)
def test_enumeration_ending_in_deng_is_incomplete(text, names):
    enumeration = _only(_kind(read_text(text), "enumeration"))
    assert [m.name for m in enumeration.members] == names
    assert enumeration.complete is False


def test_department_and_enumeration_in_one_paragraph():
    report = read_text(
        "本部门预算数100万元，实际支出80万元，执行率80%。其中：专项项目 2 个，涉及甲、乙，"
        "预算数 30 万元，实际支出 20 万元。"
    )
    department = _only(_kind(report, "department"))
    enumeration = _only(_kind(report, "enumeration"))
    assert (department.budget.value, department.actual.value, department.stated_rate.value) == (D(100), D(80), D(80))
    assert (enumeration.budget.value, enumeration.actual.value) == (D(30), D(20))
    assert enumeration.stated_rate is None


def test_department_totals_under_a_numbered_heading():
    # Was a bug: a numbered paragraph was always read as a project line named after the heading.
    report = read_text("1、预算执行情况。本部门2023年度预算数4795.32万元，实际支出3380.19万元，执行率70.49%。")
    assert report.projects == []
    department = _only(_kind(report, "department"))
    assert department.budget.value == D("4795.32")


def test_page_of_a_line_on_page_two():
    text = "1、科协本级项目2个。\n（1）甲，预算数1万元。\f（2）乙，预算数2万元，实际支出1.5万元。"
    report = read_text(text)
    assert report.source.pages == 2
    first, second = report.projects
    assert (first.span.page, second.span.page) == (1, 2)
    assert second.group == "科协本级"  # a group runs on across a page break
    assert second.actual.span.page == 2
    # "（2）乙，预算数2万元，实际支出" is 16 characters: "1.5万元" (5) runs from x = 160 to 210
    assert second.actual.span.bbox == (160.0, 0.0, 210.0, 10.0)


@pytest.mark.parametrize("word", ["结余资金", "结转资金", "剩余资金"])
def test_remainder_written_with_zijin(word):
    report = read_text(f"（1）培训项目，调整预算数10万元，实际执行数6万元，{word}4万元。")
    [line] = report.projects
    assert line.remainder is not None and line.remainder.value == D(4)
