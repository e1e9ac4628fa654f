"""Checkers for the relations read from prose: a whole and its parts, a count and its items, a rate and its quantities."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from extract.model import Fact, Relation, Report
from reconcile import registry as R
from reconcile.arithmetic import DISAGREES, EXACT, HABIT_NAMES, judge_rate, judge_total, plain, show, step, to_places
from reconcile.context import Context
from reconcile.model import FAIL, INSUFFICIENT, PASS, ROUNDING, Check, Finding, Member
from reconcile.registry import checker
from reconcile.rules import PASSING, common_unit
from reconcile.wording import FIELD_NAMES, quote

OPEN_ENDED = "列举延续到文件中断处，可能未列全，不作不符处理"


def in_unit(fact: Fact, unit: str, ctx: Context) -> Decimal:
    return ctx.wan(fact) if unit == "万元" else fact.value


def _members(relation: Relation) -> list[Member]:
    return [Member(t.name, t.name, None, "line" if t.fact else "missing", t.fact, page=t.span.page)
            for t in relation.terms]


def _insufficient(relation: Relation, label: str, why: str, unit: str) -> Check:
    stated = relation.stated
    return Check(relation.kind, label, INSUFFICIENT, INSUFFICIENT, stated.span, quote(relation.sentence, stated.text),
                 stated=stated.value, unit=unit, members=_members(relation), note=why, inputs=(stated,))


def _label(relation: Relation) -> str:
    if not relation.stated.is_money and relation.stated.unit != "%":
        return f"{relation.label} 个数"
    word = relation.stated.field or FIELD_NAMES.get(relation.field, "")
    return f"{relation.label} {word}".strip() if word and word not in relation.label else relation.label


@checker
def relation_sums(report: Report, ctx: Context) -> Iterator[Check]:
    for relation in report.relations:
        if relation.kind == "sum":
            yield _sum(relation, ctx)


def _sum(relation: Relation, ctx: Context) -> Check:
    stated = relation.stated
    label = _label(relation)
    facts = [t.fact for t in relation.terms]
    money = stated.is_money
    unit = common_unit([stated, *[f for f in facts if f]]) if money else stated.unit
    if not relation.complete or any(f is None for f in facts):
        return _insufficient(relation, label, relation.why or "部分明细缺少数字", unit)
    if money:
        values = [in_unit(f, unit, ctx) for f in facts]
        total = in_unit(stated, unit, ctx)
        quantum = (lambda f: ctx.quantum(f)) if unit == "万元" else (lambda f: step(f.decimals))
        member_step = min(quantum(f) for f in [stated, *facts])
        if unit == "万元":
            member_step = min(member_step, ctx.finest_step)
        verdict = judge_total(total, quantum(stated), values, member_step)
    elif stated.unit == "%":
        values, total = [f.value for f in facts], stated.value
        verdict = judge_total(total, step(stated.decimals), values, min(step(f.decimals) for f in [stated, *facts]))
    else:  # counts add up exactly
        values, total = [f.value for f in facts], stated.value
        verdict = judge_total(total, Decimal(0), values, Decimal(0))
    digits = max(_places(f, unit) for f in [stated, *facts])
    expression = " + ".join(show(v, digits) for v in values) + f" = {show(verdict.recomputed, digits)}"
    outcome = PASS if verdict.passes else FAIL
    check = Check("sum", label, outcome, verdict.verdict, stated.span, quote(relation.sentence, stated.text),
                  expression, total, verdict.recomputed, verdict.difference, verdict.tolerance, unit,
                  _members(relation), inputs=(stated, *facts) if money else ())
    negative = [t for t in relation.terms if t.inferred and t.fact.value < 0]
    if negative and outcome == PASS:
        outcome = check.outcome = FAIL
        check.verdict = DISAGREES
        message = (f"{label}：按其他数字推算，{negative[0].name}应为 {show(negative[0].fact.value, digits)} {unit}，"
                   f"为负数：各部分之和超过报告所写的总数")
        check.findings.append(Finding(R.SUM_MISMATCH.code, R.SUM_MISMATCH.severity, message, stated.span, check.quote,
                                      stated=total, recomputed=verdict.recomputed - negative[0].fact.value,
                                      difference=negative[0].fact.value, unit=unit,
                                      evidence=[f.span for f in facts]))
    elif outcome == FAIL and relation.open_ended:
        check.outcome, check.verdict, check.note = INSUFFICIENT, INSUFFICIENT, OPEN_ENDED
    elif outcome == FAIL:
        shown = f"{show(verdict.recomputed, digits)} {unit}"
        message = (f"{label}：各项之和为 {expression} {unit}，报告写 {show(total, digits)} {unit}，"
                   f"相差 {show(abs(verdict.difference), digits)} {unit}" if len(facts) > 1 else
                   f"{label}：明细为 {shown}，报告写 {show(total, digits)} {unit}")
        rule = R.SUM_MISMATCH if money or stated.unit == "%" else R.COUNT_MISMATCH  # 23 = 18 + 5 projects
        found = Finding(rule.code, rule.severity, message, stated.span, check.quote,
                        stated=total, recomputed=verdict.recomputed, difference=verdict.difference,
                        tolerance=verdict.tolerance, unit=unit, evidence=[f.span for f in facts])
        check.findings.append(found)
    return check


def _places(fact: Fact, unit: str) -> int:
    if unit == "万元" and fact.is_money and fact.unit != "万元":
        text = plain(fact.wan)
        return len(text.split(".", 1)[1]) if "." in text else 0
    return fact.decimals


@checker
def relation_counts(report: Report, ctx: Context) -> Iterator[Check]:
    for relation in report.relations:
        if relation.kind != "count":
            continue
        stated = relation.stated
        label = relation.label
        if not relation.complete:
            yield _insufficient(relation, label, relation.why or "未列全", stated.unit)
            continue
        listed = len(relation.terms)
        ok = Decimal(listed) == stated.value
        check = Check("count", label, PASS if ok else FAIL, EXACT if ok else DISAGREES, stated.span,
                      quote(relation.sentence, stated.text), f"列出 {listed} {stated.unit}", stated.value,
                      Decimal(listed), stated.value - listed, Decimal(0), stated.unit, _members(relation))
        if not ok and relation.open_ended:
            check.outcome, check.verdict, check.note = INSUFFICIENT, INSUFFICIENT, OPEN_ENDED
        elif not ok:
            message = f"{label}：报告写 {plain(stated.value)} {stated.unit}，实际列出 {listed} {stated.unit}"
            check.findings.append(Finding(R.COUNT_MISMATCH.code, R.COUNT_MISMATCH.severity, message, stated.span,
                                          check.quote, stated=stated.value, recomputed=Decimal(listed),
                                          difference=stated.value - listed, tolerance=Decimal(0), unit=stated.unit))
        yield check


@checker
def relation_rates(report: Report, ctx: Context) -> Iterator[Check]:
    for relation in report.relations:
        if relation.kind != "rate":
            continue
        stated = relation.stated
        numerator, denominator = (t.fact for t in relation.terms)
        if numerator is None or denominator is None or denominator.value == 0:
            yield _insufficient(relation, relation.label, "缺少分子或分母，或分母为零", "%")
            continue
        top, bottom = numerator.value, denominator.value
        verdict = judge_rate(top, bottom, stated.value, stated.decimals)
        shown = show(verdict.recomputed, max(2, stated.decimals + 1))
        expression = (f"{plain(top)}{numerator.unit} ÷ {plain(bottom)}{denominator.unit} = {shown}%")
        outcome = PASS if verdict.verdict in PASSING else (FAIL if verdict.verdict == DISAGREES else ROUNDING)
        check = Check("rate", relation.label, outcome, verdict.verdict, stated.span,
                      quote(relation.sentence, stated.text), expression, stated.value, verdict.recomputed,
                      verdict.difference, verdict.tolerance, "%", _members(relation))
        numbers = dict(stated=stated.value, recomputed=to_places(verdict.recomputed),
                       difference=to_places(verdict.difference), tolerance=verdict.tolerance, unit="%")
        if verdict.rounding_note:
            message = f"{relation.label}：{expression}，报告写 {stated.text}（{HABIT_NAMES[verdict.verdict]}）"
            check.findings.append(Finding(R.RATE_ROUNDING.code, R.RATE_ROUNDING.severity, message, stated.span,
                                          check.quote, **numbers))
        elif verdict.verdict == DISAGREES:
            gap = show(abs(verdict.difference), max(2, stated.decimals + 1))
            message = f"{relation.label}：{expression}，报告写 {stated.text}，相差 {gap} 个百分点"
            check.findings.append(Finding(R.RATE_MISMATCH.code, R.RATE_MISMATCH.severity, message, stated.span,
                                          check.quote, evidence=[numerator.span, denominator.span], **numbers))
        yield check
