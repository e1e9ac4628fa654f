"""Random consistent reports give no error; one injected fault gives exactly that error (hypothesis)."""

import os
from decimal import ROUND_HALF_UP, Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import read_text
from reconcile import reconcile

NAMES = ["科普宣传活动", "场馆维修工程", "委托业务费", "青少年科技创新大赛", "学术交流年会", "科技馆运营服务",
         "老科协会议费", "人才培训项目", "信息化运维", "科普大篷车巡展", "院士专家工作站", "科技志愿服务",
         "全民科学素质行动", "科技期刊编辑出版", "基层科普行动计划", "农村专业技术协会", "学会能力提升",
         "科技工作者状况调查", "智慧科协平台建设", "科学家精神宣讲"]
GROUPS = ["机关本级", "科技馆", "进修学院"]


def pct(actual: D, budget: D, places: int) -> D:
    return (actual / budget * 100).quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money(cents: int) -> D:
    return (D(cents) / 100).quantize(D("0.01"))


def written(value: D) -> str:
    """Amounts as reports write them: 10 for 10.00, 0.60 kept."""
    return str(value.to_integral()) if value == value.to_integral() else str(value)


@st.composite
def reports(draw):
    names = iter(draw(st.permutations(NAMES)))
    groups = []
    for label in GROUPS[: draw(st.integers(1, 3))]:
        items = []
        for _ in range(draw(st.integers(1, 5))):
            budget = draw(st.integers(100, 5_000_000))
            actual = draw(st.integers(0, budget))
            items.append({"name": next(names), "budget": money(budget), "actual": money(actual),
                          "places": draw(st.sampled_from([1, 2])), "remainder": draw(st.booleans())})
        groups.append((label, items))
    every = [item for _, items in groups for item in items]
    listed = draw(st.lists(st.sampled_from(every), min_size=2, max_size=len(every), unique_by=lambda i: i["name"])) \
        if len(every) >= 2 else []
    fault = draw(st.sampled_from([None, "rate", "count", "total", "remainder"]))
    return groups, listed, fault


def render(groups, listed, fault) -> tuple[str, str | None]:
    lines, expected = [], None
    total_budget = sum((i["budget"] for _, items in groups for i in items), D(0)) + D("1000.00")
    total_actual = sum((i["actual"] for _, items in groups for i in items), D(0))
    lines.append(f"本部门年度申请预算资金{written(total_budget)}万元，实际支出{written(total_actual)}万元，"
                 f"预算执行率{pct(total_actual, total_budget, 2)}%。")
    if listed:
        budget = sum((i["budget"] for i in listed), D(0))
        actual = sum((i["actual"] for i in listed), D(0))
        if fault == "total":
            budget, expected = budget + D("12.34"), "sum_mismatch"
        names = "、".join(i["name"] for i in listed)
        rate = pct(actual, budget, 2)
        lines.append(f"其中：专项项目{len(listed)}个，涉及{names}，预算数{written(budget)}万元，"
                     f"实际支出{written(actual)}万元，执行率为{rate}%。")
    for number, (label, items) in enumerate(groups, start=1):
        count = len(items) + (1 if fault == "count" and number == 1 else 0)
        lines.append(f"{number}、{label}纳入年度绩效评价的项目共计{count}项。")
        for seq, item in enumerate(items, start=1):
            rate = pct(item["actual"], item["budget"], item["places"])
            if fault == "rate" and number == 1 and seq == 1:
                rate += D("3.7")
            text = (f"（{seq}）{item['name']}，调整预算数{written(item['budget'])}万元，"
                    f"实际执行数{written(item['actual'])}万元，支出进度{rate}%")
            remainder = item["budget"] - item["actual"]
            if fault == "remainder" and number == 1 and seq == 1:
                text += f"，剩余{written(remainder + D('1.50'))}万元"
            elif item["remainder"]:
                text += f"，剩余{written(remainder)}万元"
            lines.append(text + "。")
    expected = expected or {"rate": "rate_mismatch", "count": "count_mismatch",
                            "remainder": "difference_mismatch"}.get(fault)
    return "\n".join(lines), expected


@settings(max_examples=int(os.environ.get("JIXIAO_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_consistent_reports_are_clean_and_one_fault_is_found(case):
    text, expected = render(*case)
    result = reconcile(read_text(text))
    serious = [f.rule for f in result.findings if f.severity in ("error", "warning")]
    assert serious == ([expected] if expected else []), text
