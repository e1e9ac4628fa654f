"""The general reading of prose, on plain text: roles, subjects, breakdowns, lists, counts and rates.

These sentences are written for the tests, in the shapes real reports use (fixtures/real/ holds
the reports themselves); each asserts one rule of the reading, and what it must not do.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from extract.reader import read_text
from reconcile import reconcile


def read(text: str):
    report = read_text(text)
    return report, reconcile(report)


def lines(report) -> list[tuple]:
    return [(p.name, p.budget and p.budget.value, p.actual and p.actual.value) for p in report.projects]


def outcomes(result, relation: str) -> list[tuple]:
    return [(c.stated, c.outcome) for c in result.checks if c.relation == relation]


def errors(result) -> list[tuple]:
    return [(f.rule, f.stated) for f in result.findings if f.severity == "error"]


def test_a_whole_and_its_parts_add_up_or_do_not():
    report, result = read("2023年共安排专项资金500万元，其中市级资金300万元、县级资金150万元。")
    assert lines(report) == [("专项资金", D(500), None), ("市级资金", D(300), None), ("县级资金", D(150), None)]
    assert outcomes(result, "sum") == [(D(500), "fail")]
    assert errors(result) == [("sum_mismatch", D(500))]


def test_one_part_after_qizhong_is_of_which_not_a_breakdown():
    report, result = read("全年支出合计900万元，其中项目支出300万元。")
    assert outcomes(result, "sum") == []
    assert errors(result) == []


def test_parts_in_parentheses_take_the_wholes_role():
    report, result = read("省财政厅下达补助资金80万元（其中：中央资金50万元，省级资金30万元）。")
    assert lines(report) == [("补助资金", D(80), None), ("中央资金", D(50), None), ("省级资金", D(30), None)]
    assert outcomes(result, "sum") == [(D(80), "pass")]


def test_items_without_a_role_word_take_the_paid_total_they_break_down():
    report, result = read("截至年底已支付资金90万元。分项目看：①道路硬化项目40万元；②饮水工程项目55万元。")
    assert lines(report) == [("资金", None, D(90)), ("道路硬化项目", None, D(40)), ("饮水工程项目", None, D(55))]
    assert errors(result) == [("sum_mismatch", D(90))]


def test_arrival_rate_is_arrived_over_what_should_have_arrived():
    report, result = read("2023年安排水利资金100万元，应到位100万元，实际到位60万元，到位率50%。")
    (line,) = report.projects
    assert (line.budget.value, line.arrived.value, line.arrival_rate.value) == (D(100), D(60), D(50))
    assert errors(result) == [("rate_mismatch", D(50))]


def test_nothing_arrived_or_paid_is_a_zero():
    report, _ = read("①护林员补助应到位35万元，尚未到位，到位率0%；②防火物资补助应到位20万元，尚未支付。")
    assert [(p.name, p.arrived and p.arrived.value, p.actual and p.actual.value) for p in report.projects] == [
        ("护林员补助", D(0), None), ("防火物资补助", None, D(0))]


@pytest.mark.parametrize(("rate", "outcome"), [("120", "pass"), ("130", "fail")])
def test_completion_rate_beside_its_two_quantities(rate, outcome):
    _, result = read(f"（1）技能培训。全年培训农民300人，完成目标任务250人的{rate}%。")
    assert outcomes(result, "rate") == [(D(rate), outcome)]


def test_a_standard_per_head_is_not_an_amount():
    report, _ = read("按每人2000元的标准发放，共发放生活补助资金10万元。")
    assert [f.text for p in report.projects for f in p.facts().values()] == ["10万元"]


def test_dates_and_document_numbers_are_not_quantities():
    report, _ = read("根据《关于下达2023年资金的通知》（财农〔2023〕15号），于2023年5月12日下达。")
    assert report.projects == [] and report.relations == []


def test_an_enumerated_count_against_the_names_listed():
    _, result = read("重点支持道路、桥梁、水利共4项工程，资金合计120万元。")
    assert outcomes(result, "count") == [(D(4), "fail")]
    assert errors(result) == [("count_mismatch", D(4))]


def test_a_list_of_examples_is_never_summed():
    _, result = read("项目资金100万元，主要用于设备购置30万元、人员培训20万元。")
    assert [(c.stated, c.outcome) for c in result.checks if c.relation == "sum"] == [(D(100), "insufficient_data")]
    _, result = read("项目资金100万元，包括设备购置30万元、人员培训20万元等。")
    assert [(c.stated, c.outcome) for c in result.checks if c.relation == "sum"] == [(D(100), "insufficient_data")]


def test_a_total_after_its_parts_closes_them_and_is_no_line():
    report, result = read("第一批下达20万元；第二批下达30万元。两批合计下达60万元。")
    assert [p.name for p in report.projects] == ["第一批", "第二批"]
    assert errors(result) == [("sum_mismatch", D(60))]


def test_regrouping_breaks_down_the_current_whole_again():
    report, result = read("2023年农业资金合计100万元。\n按用途分，种植业资金70万元，养殖业资金20万元。")
    assert outcomes(result, "sum") == [(D(100), "fail")]


def test_a_list_below_its_intro_with_its_count_and_total():
    text = "\n".join(["纳入评价的项目共3个，项目支出50万元，分别为：", "1、档案整理费10万元，用于档案整理；",
                      "2、宣传经费15万元，用于政策宣传；", "3、培训经费25万元，用于技能培训。", "二、存在的问题"])
    report, result = read(text)
    assert lines(report)[1:] == [("档案整理费", None, D(10)), ("宣传经费", None, D(15)), ("培训经费", None, D(25))]
    assert outcomes(result, "count") == [(D(3), "pass")]
    assert outcomes(result, "sum") == [(D(50), "pass")]


def test_a_list_cut_off_by_the_end_of_the_file_is_not_a_fault():
    text = "项目支出80万元，包括：办公经费10万元，差旅经费20万元，"
    _, result = read(text)
    assert outcomes(result, "sum") == [(D(80), "insufficient_data")]
    assert errors(result) == []


def test_a_figure_with_nothing_to_check_is_shown_not_passed_in_silence():
    from reconcile.document import summary
    from reconcile.text import render

    report, result = read("另有社会捐赠资金5万元，由村委会统一管理。")
    assert lines(report) == [("社会捐赠资金", D(5), None)]
    assert "没有可核对的关系，请人工复核" in summary(result)["remarks"]
    assert "社会捐赠资金  5万元" in render(report, result)


def test_figures_no_line_takes_are_listed_as_unused():
    # A named line told again with another amount, in no breakdown: neither a repeat nor a part.
    report, _ = read("安排中央补助资金80万元。另安排中央补助资金90万元用于危房改造。")
    assert [p.name for p in report.projects] == ["中央补助资金"]
    assert [u.figures for u in report.unused] == [("90万元",)]


def test_words_that_name_nothing_with_other_amounts_are_a_line_of_their_own():
    report, _ = read("农村饮水专项资金85.6万元。\n下达资金1,250,000元，已支付1,180,000元，支付率94.4%。")
    assert [(p.name, p.budget.text) for p in report.projects] == [("农村饮水专项资金", "85.6万元"),
                                                                  ("资金", "1,250,000元")]


def test_a_change_against_last_year_is_no_amount_of_the_project():
    report, result = read("2023年项目支出138.6万元，较上年减少12.5万元，下降8.3%。")
    assert lines(report) == [("项目支出", None, D("138.6"))]


def test_an_average_per_household_is_not_an_amount():
    report, _ = read("共发放补助资金60万元，户均补助1.5万元。")
    assert [f.text for p in report.projects for f in p.facts().values()] == ["60万元"]


def test_investment_completion_is_spent_over_planned():
    report, result = read("项目总投资3500万元，已完成投资2800万元，投资完成率85%。")
    (line,) = report.projects
    assert (line.budget.value, line.actual.value, line.stated_rate.value) == (D(3500), D(2800), D(85))
    assert errors(result) == [("rate_mismatch", D(85))]


def test_a_departments_breakdown_is_checked_but_is_no_project_line():
    report, result = read("2023年部门整体支出1234.56万元，其中：基本支出800.12万元，项目支出434.44万元。")
    assert "部门整体支出" not in [p.name for p in report.projects]
    assert outcomes(result, "sum") == [(D("1234.56"), "pass")]


def test_a_rate_after_the_parts_is_the_wholes():
    report, _ = read("全年支出1498.67万元，其中基本支出1102.34万元，项目支出396.33万元，预算执行率98.37%。")
    assert [(p.name, p.stated_rate and p.stated_rate.value) for p in report.projects] == [
        ("全年支出", D("98.37")), ("基本支出", None), ("项目支出", None)]


def test_a_partly_read_department_statement_goes_to_the_general_reading():
    # 总预算 is no field word of the phrasings: they would keep 执行率 alone and lose the items.
    report, result = read("2023年我局共实施项目3个，总预算386万元，实际支出352.6万元，执行率91.35%。其中：（1）公路养护项目"
                          "预算200万元，支出188万元；（2）桥梁检测项目预算120万元，支出104.6万元；（3）安全宣传项目预算66万元，支出60万元。")
    assert [(c.stated, c.outcome) for c in result.checks if c.relation in ("sum", "rate")] == [
        (D("91.35"), "pass"), (D(386), "pass"), (D("352.6"), "pass")]
    assert len(report.projects) == 4


def test_words_that_name_nothing_join_the_one_fund_not_one_of_several():
    text = "\n".join(["2023年安排农业发展资金100万元，其中中央资金80万元、省级资金20万元。",
                      "2023年安排水利建设资金90万元，其中中央资金60万元、省级资金30万元。",
                      "截至2023年12月31日，项目资金到位50万元，到位率100%。"])
    report, result = read(text)
    assert [f.rule for f in result.findings if f.severity == "error"] == []
    assert report.projects[-1].arrived.value == D(50) and report.projects[-1].name == "项目资金到位"


def test_spending_with_no_name_of_its_own_is_the_one_funds():
    report, result = read("2023年安排项目总预算150万元。\n截至2023年12月31日，项目累计支出142.5万元，预算执行率95%。")
    assert lines(report) == [("项目总预算", D(150), D("142.5"))]
    assert [(c.stated, c.outcome) for c in result.checks if c.relation == "rate"] == [(D(95), "pass")]


def test_a_users_role_word_extends_the_reading(tmp_path):
    extra = tmp_path / "ours.toml"
    extra.write_text('[prose.roles]\nactual = ["已兑现"]\n', encoding="utf-8")
    text = "下达奖补资金50万元，已兑现48万元，执行率96%。"
    assert lines(read_text(text, patterns_file=str(extra))) == [("奖补资金", D(50), D(48))]
    assert ("奖补资金", D(50), None) in lines(read_text(text))  # without it, 已兑现 is no role word


def test_a_parts_own_breakdown_in_parentheses_is_not_more_parts_of_the_whole():
    report, result = read("2023年支出合计100万元，其中基本支出60万元（其中人员经费50万元、公用经费10万元），项目支出40万元。")
    assert [(p.group, p.name) for p in report.projects] == [
        ("", "支出"), ("支出", "基本支出"), ("基本支出", "人员经费"), ("基本支出", "公用经费"), ("支出", "项目支出")]
    assert sorted((c.stated, c.outcome) for c in result.checks if c.relation == "sum") == [
        (D(60), "pass"), (D(100), "pass")]


def test_carried_in_money_is_no_remainder_and_a_section_title_no_project():
    report, result = read("（一）预算执行情况。2023年度项目预算资金共计520万元，其中：财政拨款500万元，上年结转20万元。"
                          "截至2023年12月31日，项目实际支出495.6万元，预算执行率为95.31%。")
    assert [f.rule for f in result.findings] == []
    assert lines(report)[0] == ("项目预算资金", D(520), D("495.6"))
    assert sorted((c.relation, c.stated, c.outcome) for c in result.checks if c.relation in ("sum", "rate")) == [
        ("rate", D("95.31"), "pass"), ("sum", D(520), "pass")]


def test_a_heading_with_a_colon_over_one_fund_is_no_list_of_parts():
    text = "2023年安排项目资金500万元。\n资金到位情况：应到位资金300万元，实际到位280万元，到位率93.33%。"
    report, result = read(text)
    assert [r.kind for r in report.relations] == []
    assert [f.rule for f in result.findings] == []


def test_uses_listed_after_mainly_are_examples():
    text = "2023年安排项目资金520万元。\n项目资金主要用于：1.设备采购支出210万元；2.人员培训支出45万元；3.其他支出15万元。"
    _, result = read(text)
    assert [(c.stated, c.outcome) for c in result.checks if c.relation == "sum"] == [(D(520), "insufficient_data")]


@pytest.mark.parametrize(("share", "outcome"), [("34.73", "pass"), ("34.83", "fail")])
def test_a_parts_share_of_its_whole_is_a_rate(share, outcome):
    _, result = read(f"2023年度支出合计2298.45万元，其中：基本支出1500.23万元，占65.27%；项目支出798.22万元，占{share}%。")
    assert [(c.stated, c.outcome) for c in result.checks if c.relation == "rate"] == [
        (D("65.27"), "pass"), (D(share), outcome)]


# ---- misreads the generator's allocation shape found (fixtures/generate/README.md) --------------

def test_list_items_that_open_with_a_year_are_items():
    text = "项目共2个，安排项目资金30万元，具体如下：\n1、2021年水资源监测10万元；\n2.2021年河湖管理20万元。"
    report, result = read(text)
    assert [(p.seq, p.budget.value) for p in report.projects[1:]] == [("1", D(10)), ("2", D(20))]
    assert sorted((c.relation, c.outcome) for c in result.checks if c.relation in ("sum", "count")) == [
        ("count", "pass"), ("sum", "pass")]


def test_a_bracket_at_the_end_of_a_name_stays_in_it():
    report, _ = read("①地质灾害防治（二期）应到位10万元，实到5万元。")
    assert [p.name for p in report.projects] == ["地质灾害防治(二期)"]


def test_zhifu_in_a_purpose_or_a_name_is_neither_the_subject_nor_the_role():
    report, _ = read("②邮电费用于支付劳务报酬，支付3.34万元。")
    assert lines(report) == [("邮电费", None, D("3.34"))]
    report, _ = read("2021年，省财政厅安排妇女两癌筛查转移支付资金30万元（其中：中央资金20万元，省级资金10万元）。")
    assert lines(report) == [("妇女两癌筛查转移支付资金", D(30), None), ("中央资金", D(20), None), ("省级资金", D(10), None)]


def test_batches_of_a_named_fund_are_lines_of_their_own_and_add_up_to_it():
    text = ("2020年安排非遗保护奖补资金277.23万元。\n"
            "2020年2月，省财政厅下达非遗保护奖补资金82.55万元；2020年7月，省财政厅又下达非遗保护奖补资金194.68万元。")
    report, result = read(text)
    assert [p.budget.value for p in report.projects] == [D("277.23"), D("82.55"), D("194.68")]
    assert [(c.stated, c.outcome) for c in result.checks if c.relation == "sum"] == [(D("277.23"), "pass")]


def test_a_range_and_a_rate_per_head_are_no_amounts():
    report, _ = read("补助标准为1000-2000元/人，全年发放补助资金45.6万元，惠及农户312户。")
    assert [f.text for p in report.projects for f in p.facts().values()] == ["45.6万元"]
    assert report.projects[0].name == "补助资金"


def test_shares_after_zhanbi_are_checked():
    _, result = read("全年实际支出349.2万元。\n其中：人员经费支出120.5万元，占比34.51%；公用经费支出80.3万元，占比30.1%；"
                     "项目支出148.4万元，占比42.5%。")
    assert [(c.stated, c.outcome) for c in result.checks if c.relation == "rate"] == [
        (D("34.51"), "pass"), (D("30.1"), "fail"), (D("42.5"), "pass")]


def test_adjusted_budget_and_year_execution_are_one_line():
    report, result = read("（二）预算执行情况。年初预算1000万元，调整预算1234.56万元，全年执行1200万元，执行率97.2%。")
    (line,) = report.projects
    assert (line.initial_budget.value, line.budget.value, line.actual.value) == (D(1000), D("1234.56"), D(1200))
    assert [(c.stated, c.outcome) for c in result.checks if c.relation == "rate"] == [(D("97.2"), "pass")]


def test_income_spending_and_what_is_left_are_one_fund():
    report, result = read("2023年度收入总计1234.56万元，支出总计1200.00万元，年末结转和结余34.56万元。")
    assert [(c.relation, c.outcome) for c in result.checks if c.relation == "remainder"] == [("remainder", "pass")]


@pytest.mark.parametrize(("good", "errors_"), [("5", []), ("6", ["count_mismatch"])])
def test_counts_break_down_a_count_past_a_score(good, errors_):
    _, result = read(f"共对23个项目开展绩效自评，涉及资金3456.78万元，其中自评得分90分以上的项目18个，80-90分的项目{good}个。")
    assert [f.rule for f in result.findings if f.severity == "error"] == errors_


def test_parts_followed_by_the_rest_unstated_are_not_summed():
    _, result = read("全年支出900万元，其中：人员经费300万元、公用经费200万元，其余为项目支出。")
    assert [(c.stated, c.outcome) for c in result.checks if c.relation == "sum"] == [(D(900), "insufficient_data")]
