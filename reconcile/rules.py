"""The checkers: pure functions from the extracted report to checks and their findings."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from extract.model import Aggregate, Fact, Report
from reconcile import registry as R
from reconcile.arithmetic import (
    DISAGREES, HABIT_NAMES, PASSING, Verdict, judge_rate, judge_total, show, step, to_places,
)
from reconcile.context import Context, Subject
from reconcile.model import FAIL, INSUFFICIENT, PASS, ROUNDING, Check, Finding, Member
from reconcile.registry import checker
from reconcile.wording import field_word, places, quote, subject, wan


def subjects(report: Report) -> Iterator[Subject]:
    """Every aggregate, every project line, and every other reading of a project."""
    yield from report.aggregates
    for line in report.projects:
        yield line
        yield from line.readings


def finding(rule: R.Rule, message: str, check: Check, fact: Fact | None = None, **numbers) -> Finding:
    span = fact.span if fact is not None else check.span
    return Finding(rule.code, rule.severity, message, span, check.quote, unit=check.unit, **numbers)


def _insufficient(relation: str, label: str, item: Subject, fact: Fact | None, why: str, **extra) -> Check:
    span = fact.span if fact is not None else item.span
    return Check(relation, label, INSUFFICIENT, INSUFFICIENT, span,
                 quote(item.sentence, fact.text if fact else ""), note=why, **extra)


# ---- rates: stated rate = actual ÷ budget ---------------------------------------------------


# A rate field and the figure it is the rate of (over the budget): 执行率 of the actual,
# 到位率 of what arrived.
RATE_OF = {"stated_rate": "actual", "arrival_rate": "arrived"}
MISSING = {"actual": "缺少预算数或执行数", "arrived": "缺少应到位数或实际到位数"}


def rate_check(item: Subject, ctx: Context, rate_field: str = "stated_rate") -> Check | None:
    stated = getattr(item, rate_field, None)
    if stated is None:
        return None
    numerator = getattr(item, RATE_OF[rate_field], None)
    label = f"{subject(item)} {field_word(stated, rate_field)}"
    if item.budget is None or numerator is None:
        return _insufficient("rate", label, item, stated, MISSING[RATE_OF[rate_field]], unit="%")
    budget, actual = ctx.wan(item.budget), ctx.wan(numerator)
    if budget == 0:
        return _insufficient("rate", label, item, stated, "预算数为零", unit="%")
    verdict = judge_rate(actual, budget, stated.value, stated.decimals)
    amount, _, digits = as_printed(ctx, item.budget, numerator)
    shown = show(verdict.recomputed, max(2, stated.decimals + 1))
    expression = f"{wan(amount(numerator), digits)} ÷ {wan(amount(item.budget), digits)} = {shown}%"
    check = Check(
        "rate", label, _outcome(verdict), verdict.verdict, stated.span,
        quote(item.sentence, stated.text), expression,
        stated.value, verdict.recomputed, verdict.difference, verdict.tolerance, "%",
        inputs=(item.budget, numerator),
    )
    numbers = dict(stated=stated.value, recomputed=to_places(verdict.recomputed),
                   difference=to_places(verdict.difference), tolerance=verdict.tolerance)
    name = subject(item)
    written = f"报告写 {stated.value}%"
    if verdict.rounding_note:
        habit = HABIT_NAMES[verdict.verdict]
        check.findings.append(finding(R.RATE_ROUNDING, f"{name}：{expression}，{written}（{habit}）", check, stated, **numbers))
    elif verdict.verdict == DISAGREES:
        other = _other_denominator(item, ctx, actual, stated) if rate_field == "stated_rate" else None
        if other is not None:
            check.findings.append(finding(R.RATE_DENOMINATOR, f"{name}：{expression}，{written}；"
                                          f"按{other}计算才相符，口径与所写不一致", check, stated, **numbers))
        else:
            gap = show(abs(verdict.difference), max(2, stated.decimals + 1))
            check.findings.append(finding(R.RATE_MISMATCH, f"{name}：{expression}，{written}，"
                                          f"相差 {gap} 个百分点", check, stated, **numbers))
    return check


def _other_denominator(item: Subject, ctx: Context, actual: Decimal, stated: Fact) -> str | None:
    """The budget figure the stated rate was really computed on, if another one fits."""
    initial = item.initial_budget
    if initial is None or ctx.wan(initial) == 0:
        return None
    fit = judge_rate(actual, ctx.wan(initial), stated.value, stated.decimals)
    if fit.verdict == DISAGREES:
        return None
    return f"{field_word(initial, 'initial_budget')} {wan(ctx.wan(initial), places(initial))} 万元"


def _outcome(verdict: Verdict) -> str:
    if verdict.verdict in PASSING:
        return PASS
    return FAIL if verdict.verdict == DISAGREES else ROUNDING


@checker
def rates(report: Report, ctx: Context) -> Iterator[Check]:
    for item in subjects(report):
        for rate_field in RATE_OF:
            check = rate_check(item, ctx, rate_field)
            if check is not None:
                yield check


# ---- sums: a stated total = Σ its members ------------------------------------------------------


def sum_check(item: Aggregate, field_name: str, ctx: Context) -> Check | None:
    stated: Fact | None = getattr(item, field_name)
    if stated is None or item.kind == "department":
        return None
    label = f"{item.label} {field_word(stated, field_name)}"
    resolved = ctx.members_of(item)
    if resolved.problem:
        return _insufficient("sum", label, item, stated, resolved.problem,
                             members=resolved.members, unit="万元")
    facts = [getattr(line, field_name) for line in resolved.lines]
    if not facts or any(f is None for f in facts):
        return _insufficient("sum", label, item, stated, f"部分明细缺少{field_word(None, field_name)}",
                             members=resolved.members, unit="万元")
    # A table in 元 is checked and told in 元, as printed; anything mixed, or corrected, in 万元.
    unit = "万元" if any(f in ctx.corrections for f in [stated, *facts]) else common_unit([stated, *facts])
    if unit == "万元":
        amount, quantum = ctx.wan, ctx.quantum
        member_step = min(ctx.finest_step, *(ctx.quantum(f) for f in [*facts, stated]))
        digits = places(stated, *facts)
    else:
        amount, quantum = (lambda f: f.value), (lambda f: step(f.decimals))
        member_step = min(step(f.decimals) for f in [*facts, stated])
        digits = max(f.decimals for f in [stated, *facts])
    verdict = judge_total(amount(stated), quantum(stated), [amount(f) for f in facts], member_step)
    members = [_with_fact(m, f) for m, f in zip(resolved.members, facts)]
    expression = " + ".join(wan(amount(f), digits) for f in facts) + f" = {wan(verdict.recomputed, digits)}"
    check = Check(
        "sum", label, _outcome(verdict), verdict.verdict, stated.span, quote(item.sentence, stated.text),
        expression, amount(stated), verdict.recomputed, verdict.difference, verdict.tolerance, unit, members,
        inputs=(stated, *facts),
    )
    if verdict.verdict == DISAGREES:
        field_text = field_word(stated, field_name)
        message = (f"{item.label}{field_text}合计应为 {wan(verdict.recomputed, digits)} {unit}，"
                   f"报告写 {wan(amount(stated), digits)} {unit}，相差 {wan(abs(verdict.difference), digits)} {unit}")
        found = finding(R.SUM_MISMATCH, message, check, stated, stated=amount(stated),
                        recomputed=verdict.recomputed, difference=verdict.difference, tolerance=verdict.tolerance)
        found.evidence = [f.span for f in facts]
        check.findings.append(found)
    return check


def as_printed(ctx: Context, *facts: Fact):
    """How to show amounts of one relation: in the unit they are all printed in (a form in 元
    stays in 元), else in 万元; with the decimals that unit needs."""
    if any(f in ctx.corrections for f in facts) or common_unit(list(facts)) == "万元":
        return ctx.wan, "万元", places(*facts)
    return (lambda f: f.value), facts[0].unit, max(f.decimals for f in facts)


def common_unit(facts: list[Fact]) -> str:
    """The unit every figure of a relation is written in, else 万元."""
    units = {f.unit for f in facts}
    return units.pop() if len(units) == 1 else "万元"


def _with_fact(member: Member, fact: Fact) -> Member:
    from dataclasses import replace

    return replace(member, fact=fact)


@checker
def sums(report: Report, ctx: Context) -> Iterator[Check]:
    for item in report.aggregates:
        for field_name in ("budget", "initial_budget", "actual"):
            check = sum_check(item, field_name, ctx)
            if check is not None:
                yield check


# ---- counts: a declared count = the lines listed -------------------------------------------------


@checker
def counts(report: Report, ctx: Context) -> Iterator[Check]:
    for item in report.aggregates:
        declared = item.declared_count
        if declared is None:
            continue
        label = f"{item.label} 项目数"
        resolved = ctx.members_of(item)
        if item.kind == "enumeration" and not item.complete:
            yield _insufficient("count", label, item, declared, "列举以“等”结尾，未列全", unit=declared.unit)
            continue
        listed = len(item.members) if item.kind == "enumeration" else len(resolved.lines)
        what = "列举" if item.kind == "enumeration" else "列出"
        ok = Decimal(listed) == declared.value
        check = Check("count", label, PASS if ok else FAIL, "exact" if ok else DISAGREES, declared.span,
                      quote(item.sentence, declared.text), f"{what} {listed} {declared.unit}",
                      declared.value, Decimal(listed), declared.value - listed, Decimal(0), declared.unit,
                      resolved.members)
        if not ok:
            message = f"{item.label}写共 {declared.value} {declared.unit}，实际{what} {listed} {declared.unit}"
            check.findings.append(finding(R.COUNT_MISMATCH, message, check, declared, stated=declared.value,
                                          recomputed=Decimal(listed), difference=declared.value - listed,
                                          tolerance=Decimal(0)))
        yield check


# ---- remainders: stated remainder = budget − actual ----------------------------------------------


@checker
def remainders(report: Report, ctx: Context) -> Iterator[Check]:
    for item in subjects(report):
        stated = getattr(item, "remainder", None)
        if stated is None:
            continue
        label = f"{subject(item)} {field_word(stated, 'remainder')}"
        if item.budget is None or item.actual is None:
            yield _insufficient("remainder", label, item, stated, "缺少预算数或执行数", unit="万元")
            continue
        budget, actual = ctx.wan(item.budget), ctx.wan(item.actual)
        member_step = min(ctx.finest_step, *(ctx.quantum(f) for f in (stated, item.budget, item.actual)))
        verdict = judge_total(ctx.wan(stated), ctx.quantum(stated), [budget, -actual], member_step)
        digits = places(stated, item.budget, item.actual)
        expression = f"{wan(budget, digits)} − {wan(actual, digits)} = {wan(verdict.recomputed, digits)}"
        check = Check("remainder", label, _outcome(verdict), verdict.verdict, stated.span,
                      quote(item.sentence, stated.text), expression, ctx.wan(stated), verdict.recomputed,
                      verdict.difference, verdict.tolerance, "万元", inputs=(stated, item.budget, item.actual))
        if verdict.verdict == DISAGREES:
            message = (f"{subject(item)}：{field_word(stated, 'remainder')}应为 {expression} 万元，"
                       f"报告写 {wan(ctx.wan(stated), digits)} 万元")
            check.findings.append(finding(R.DIFFERENCE_MISMATCH, message, check, stated,
                                          stated=ctx.wan(stated), recomputed=verdict.recomputed,
                                          difference=verdict.difference, tolerance=verdict.tolerance))
        yield check


# ---- budget caps: actual ≤ budget ----------------------------------------------------------------


@checker
def budget_caps(report: Report, ctx: Context) -> Iterator[Check]:
    """Actual ≤ budget; and where a report says what arrived, actual ≤ arrived (paying more
    than reached the unit contradicts its own account)."""
    for item in subjects(report):
        if getattr(item, "kind", "") == "funding":
            continue  # a 自评表's funding total is checked once, as the project's reading
        for ceiling in ("budget", "arrived"):
            cap, actual = getattr(item, ceiling, None), item.actual
            if cap is not None and actual is not None:
                yield _cap_check(item, cap, actual, ceiling, ctx)


def _cap_check(item: Subject, cap: Fact, actual_fact: Fact, ceiling: str, ctx: Context) -> Check:
    amount, unit, digits = as_printed(ctx, cap, actual_fact)
    budget, actual = amount(cap), amount(actual_fact)
    over = ctx.wan(actual_fact) > ctx.wan(cap)
    word = "预算" if ceiling == "budget" else "到位数"
    label = f"{subject(item)} 执行数不超{word}"
    check = Check("budget_cap", label, FAIL if over else PASS, DISAGREES if over else "exact",
                  actual_fact.span, quote(item.sentence, actual_fact.text),
                  f"{wan(actual, digits)} {'>' if over else '≤'} {wan(budget, digits)}",
                  actual, budget, actual - budget, Decimal(0), unit, inputs=(cap, actual_fact))
    if over:
        message = (f"{subject(item)}：{field_word(actual_fact, 'actual')} {wan(actual, digits)} {unit}"
                   f"超过{field_word(cap, ceiling)} {wan(budget, digits)} {unit}")
        check.findings.append(finding(R.OVER_BUDGET, message, check, actual_fact, stated=actual,
                                      recomputed=budget, difference=actual - budget))
    return check


# ---- names: every listed project is found among the lines --------------------------------------


@checker
def names(report: Report, ctx: Context) -> Iterator[Check]:
    for item in report.aggregates:
        if item.kind != "enumeration":
            continue
        for ref, member in zip(item.members, ctx.members_of(item).members):
            label = f"{item.label} 列举项目“{ref.name}”"
            ok = member.status == "exact"
            check = Check("name", label, PASS if ok else FAIL, member.status, ref.span,
                          quote(item.sentence, ref.name), members=[member])
            if member.status == "loose":
                message = (f"{item.label}列举的“{ref.name}”与项目“{member.matched}”"
                           f"（{member.group}（{member.seq}））名称不完全一致，相似度 {member.score:.2f}，按同一项目核对")
            elif member.status == "ambiguous":
                message = f"{item.label}列举的“{ref.name}”可对应多个项目，无法确定，相关合计未核对"
            elif member.status == "missing":
                message = f"{item.label}列举的“{ref.name}”在项目明细中未找到，相关合计未核对"
            else:
                yield check
                continue
            check.findings.append(finding(R.NAME_UNMATCHED, message, check))
            yield check
