"""Checkers for what tables add: one project told twice agrees, and a 自评表's scores add up."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from extract.model import FACT_FIELDS, Fact, ProjectLine, Report, SelfEvaluation
from reconcile import registry as R
from reconcile.arithmetic import DISAGREES, EXACT, WITHIN_TOLERANCE, judge_rate, judge_total, plain, show, step
from reconcile.context import Context
from reconcile.model import FAIL, INSUFFICIENT, PASS, Check, Finding
from reconcile.registry import checker
from reconcile.wording import SOURCE_NAMES, field_word, places, subject, wan

# 自评等级 by 总分 (DOMAIN.md): 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60.
GRADE_BANDS = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差"))
FULL_MARKS = Decimal(100)


def grade_for(total: Decimal) -> str:
    return next(grade for floor, grade in GRADE_BANDS if total >= floor)


# ---- one project, several sources ------------------------------------------------------------------


def _agree(a: Fact, b: Fact, ctx: Context, line: ProjectLine) -> bool:
    """Two printings of one figure agree when each could be the other rounded (60 and 60.00;
    64.7% and 64.74%): they differ by at most half the coarser last place. Two rates also
    agree when each is a rendering, by some rounding habit, of the same actual ÷ budget
    (96.3% truncated in prose, 96.40% rounded in a table)."""
    if a.unit == "%" or b.unit == "%":
        if abs(a.value - b.value) <= max(step(a.decimals), step(b.decimals)) / 2:
            return True
        if line.budget is None or line.actual is None or ctx.wan(line.budget) == 0:
            return False
        actual, budget = ctx.wan(line.actual), ctx.wan(line.budget)
        return all(judge_rate(actual, budget, f.value, f.decimals).verdict != DISAGREES for f in (a, b))
    return abs(ctx.wan(a) - ctx.wan(b)) <= max(ctx.quantum(a), ctx.quantum(b)) / 2


@checker
def sources(report: Report, ctx: Context) -> Iterator[Check]:
    """Each figure a project's readings share must agree; when its amounts already
    disagree, its rates are not compared again (they follow from the amounts)."""
    for line in report.projects:
        for reading in line.readings:
            checks = []
            for name in FACT_FIELDS:
                first, other = getattr(line, name), getattr(reading, name)
                if first is None or other is None:
                    continue
                if first.unit == "%" and any(c.outcome == FAIL for c in checks):
                    checks.append(Check("source", f"{subject(line)} {field_word(None, name)}", INSUFFICIENT,
                                        INSUFFICIENT, other.span, reading.sentence,
                                        note="金额已不一致，比率的差异由此而来，不另行核对"))
                    continue
                checks.append(_source_check(line, reading, name, first, other, ctx))
            yield from checks


def _source_check(line: ProjectLine, reading: ProjectLine, name: str, first: Fact, other: Fact,
                  ctx: Context) -> Check:
    percent = first.unit == "%"
    unit = "%" if percent else "万元"
    a, b = (first.value, other.value) if percent else (ctx.wan(first), ctx.wan(other))
    digits = max(first.decimals, other.decimals) if percent else places(first, other)
    where_a, where_b = SOURCE_NAMES[line.source], SOURCE_NAMES[reading.source]
    label = f"{subject(line)} {field_word(None, name)}（{where_a}与{where_b}）"
    ok = _agree(first, other, ctx, line)
    shown = f"{where_a} {show(a, digits)} · {where_b} {show(b, digits)}"
    check = Check("source", label, PASS if ok else FAIL, EXACT if a == b else (WITHIN_TOLERANCE if ok else DISAGREES),
                  other.span, reading.sentence, shown, b, a, b - a, None, unit, inputs=(first, other))
    if not ok:
        word = "个百分点" if percent else "万元"
        message = (f"{line.name}：{field_word(first, name)}{where_a}写 {show(a, digits)}{'%' if percent else ' 万元'}"
                   f"（第{first.span.page}页），{where_b}写 {show(b, digits)}{'%' if percent else ' 万元'}"
                   f"（第{other.span.page}页），相差 {show(abs(b - a), digits)} {word}")
        found = Finding(R.SOURCE_MISMATCH.code, R.SOURCE_MISMATCH.severity, message, other.span, reading.sentence,
                        stated=b, recomputed=a, difference=b - a, unit=unit, evidence=[first.span])
        check.findings.append(found)
    return check


# ---- 自评表 scores --------------------------------------------------------------------------------


def _score_check(evaluation: SelfEvaluation, label: str, stated: Fact, recomputed: Decimal,
                 tolerance: Decimal, expression: str, message: str) -> Check:
    difference = stated.value - recomputed
    ok = abs(difference) <= tolerance
    verdict = EXACT if difference == 0 else (WITHIN_TOLERANCE if ok else DISAGREES)
    check = Check("score", label, PASS if ok else FAIL, verdict, stated.span, evaluation.project, expression,
                  stated.value, recomputed, difference, tolerance, "分", inputs=(stated,))
    if not ok:
        check.findings.append(Finding(R.SCORE_MISMATCH.code, R.SCORE_MISMATCH.severity, message, stated.span,
                                      f"{evaluation.project} 自评表", stated=stated.value, recomputed=recomputed,
                                      difference=difference, tolerance=tolerance, unit="分"))
    return check


def _missing(evaluation: SelfEvaluation, label: str, why: str) -> Check:
    return Check("score", label, INSUFFICIENT, INSUFFICIENT, evaluation.span, evaluation.project, note=why)


@checker
def scores(report: Report, ctx: Context) -> Iterator[Check]:
    for evaluation in report.self_evaluations:
        name = evaluation.project or "自评表"
        yield from _execution_score(evaluation, name, ctx)
        yield from _declared_points(evaluation, name)
        for indicator in evaluation.indicators:
            if indicator.score is None or indicator.weight is None:
                continue
            over = indicator.score.value > indicator.weight.value
            label = f"{name} {indicator.level3 or indicator.level2} 得分不超分值"
            check = Check("score", label, FAIL if over else PASS, DISAGREES if over else EXACT,
                          indicator.score.span, name,
                          f"{plain(indicator.score.value)} {'>' if over else '≤'} {plain(indicator.weight.value)}",
                          indicator.score.value, indicator.weight.value, indicator.score.value - indicator.weight.value,
                          Decimal(0), "分", inputs=(indicator.score,))
            if over:
                message = (f"{name}：指标“{indicator.level3 or indicator.level2}”得分 {plain(indicator.score.value)}"
                           f" 超过分值 {plain(indicator.weight.value)}")
                check.findings.append(Finding(R.SCORE_MISMATCH.code, R.SCORE_MISMATCH.severity, message,
                                              indicator.score.span, f"{name} 自评表", stated=indicator.score.value,
                                              recomputed=indicator.weight.value, unit="分"))
            yield check
        yield from _weights_and_total(evaluation, name)


def _execution_score(evaluation: SelfEvaluation, name: str, ctx: Context) -> Iterator[Check]:
    score, weight, funding = evaluation.funding_score, evaluation.funding_weight, evaluation.funding
    if score is None:
        return
    label = f"{name} 预算执行得分"
    if weight is None or funding is None or funding.budget is None or funding.actual is None:
        yield _missing(evaluation, label, "缺少分值、全年预算数或全年执行数")
        return
    budget, actual = ctx.wan(funding.budget), ctx.wan(funding.actual)
    if budget == 0:
        yield _missing(evaluation, label, "全年预算数为零")
        return
    raw = weight.value * actual / budget
    recomputed = min(raw, weight.value)
    capped = "，以分值为上限" if raw > weight.value else ""
    expression = (f"{plain(weight.value)} × {_amounts(funding.actual, funding.budget, ctx)} = "
                  f"{show(raw, max(score.decimals + 1, 2))}{capped}")
    message = f"{name}：预算执行得分应为 {expression}，报告写 {score.text}"
    yield _score_check(evaluation, label, score, recomputed, step(score.decimals) / 2, expression, message)


def _amounts(actual: Fact, budget: Fact, ctx: Context) -> str:
    """"actual ÷ budget" as printed when both are in one unit and uncorrected, else in 万元."""
    if actual.unit == budget.unit and actual not in ctx.corrections and budget not in ctx.corrections:
        digits = max(actual.decimals, budget.decimals)
        return f"{show(actual.value, digits)} ÷ {show(budget.value, digits)}"
    digits = places(budget, actual)
    return f"{wan(ctx.wan(actual), digits)} ÷ {wan(ctx.wan(budget), digits)}"


def _declared_points(evaluation: SelfEvaluation, name: str) -> Iterator[Check]:
    """A section label's points ("预算执行情况(10分)", "绩效指标(90分)") against the weights of its block."""
    points = evaluation.funding_points
    weight = evaluation.funding_weight
    if points is not None and weight is not None:
        message = f"{name}：{points.field}，而预算执行分值写 {plain(weight.value)}"
        yield _score_check(evaluation, f"{name} 预算执行分值", points, weight.value, Decimal(0),
                           f"{weight.field or '分值'} {plain(weight.value)}", message)
    points = evaluation.indicator_points
    if points is None:
        return
    label = f"{name} 绩效指标分值合计"
    weights = [i.weight for i in evaluation.indicators]
    if not weights:
        yield _missing(evaluation, label, "未读到绩效指标（表格不完整），无法核对")
    elif any(w is None for w in weights):
        yield _missing(evaluation, label, "部分绩效指标缺少分值")
    else:
        total = sum((w.value for w in weights), Decimal(0))
        expression = " + ".join(plain(w.value) for w in weights) + f" = {plain(total)}"
        message = f"{name}：绩效指标分值之和为 {plain(total)}，{points.field}"
        yield _score_check(evaluation, label, points, total, Decimal(0), expression, message)


def _weights_and_total(evaluation: SelfEvaluation, name: str) -> Iterator[Check]:
    """All weights against the 合计/总分 row (or 100), all scores against the total score. A form
    whose indicator block was not read (cut off after its header) is not checkable: its
    funding weight alone is no sum of the form's weights."""
    items = [(evaluation.funding_weight, evaluation.funding_score),
             *((i.weight, i.score) for i in evaluation.indicators)]
    weights = [w for w, _ in items if w is not None]
    if not evaluation.indicators:
        if weights or evaluation.total_weight is not None or evaluation.total_score is not None:
            yield _missing(evaluation, f"{name} 分值合计", "未读到绩效指标（表格不完整），分值合计无法核对")
    elif weights:
        total = sum((w.value for w in weights), Decimal(0))
        expression = " + ".join(plain(w.value) for w in weights) + f" = {plain(total)}"
        label = f"{name} 分值合计"
        if evaluation.total_weight is not None:
            message = f"{name}：各项分值之和为 {plain(total)}，报告写 {plain(evaluation.total_weight.value)}"
            yield _score_check(evaluation, label, evaluation.total_weight, total, Decimal(0), expression, message)
        else:
            yield _full_marks(evaluation, label, weights[0], total, expression)
    stated = evaluation.total_score
    if stated is not None and evaluation.indicators:
        yield from _total_score(evaluation, name, stated, items)
    elif stated is not None:
        yield _missing(evaluation, f"{name} 总分", "未读到绩效指标（表格不完整），总分无法核对")
    if evaluation.grade and stated is not None:
        expected = grade_for(stated.value)
        ok = expected == evaluation.grade
        span = evaluation.grade_span or stated.span
        check = Check("score", f"{name} 自评等级", PASS if ok else FAIL, EXACT if ok else DISAGREES, span, name,
                      f"总分 {plain(stated.value)} → {expected}", note="" if ok else f"报告写“{evaluation.grade}”")
        if not ok:
            message = f"{name}：总分 {plain(stated.value)} 对应等级“{expected}”，报告写“{evaluation.grade}”"
            check.findings.append(Finding(R.SCORE_MISMATCH.code, R.SCORE_MISMATCH.severity, message, span,
                                          f"{name} 自评表"))
        yield check


def _total_score(evaluation: SelfEvaluation, name: str, stated: Fact,
                 items: list[tuple[Fact | None, Fact | None]]) -> Iterator[Check]:
    """The total score = Σ scores, when every weighted item of the form has its score."""
    label = f"{name} 总分"
    if any(weight is not None and score is None for weight, score in items):
        yield _missing(evaluation, label, "部分项目未填得分")
        return
    scored = [score for _, score in items if score is not None]
    if not scored:
        yield _missing(evaluation, label, "各项均未填得分")
        return
    member_step = min(step(f.decimals) for f in [*scored, stated])
    verdict = judge_total(stated.value, step(stated.decimals), [f.value for f in scored], member_step)
    digits = max(f.decimals for f in [*scored, stated])
    expression = " + ".join(plain(f.value) for f in scored) + f" = {show(verdict.recomputed, digits)}"
    message = f"{name}：总分应为 {expression}，报告写 {stated.text}"
    yield _score_check(evaluation, label, stated, verdict.recomputed, verdict.tolerance, expression, message)


def _full_marks(evaluation: SelfEvaluation, label: str, anchor: Fact, total: Decimal, expression: str) -> Check:
    """Without a stated 总分 分值, the weights must add up to 100."""
    ok = total == FULL_MARKS
    check = Check("score", label, PASS if ok else FAIL, EXACT if ok else DISAGREES, anchor.span, evaluation.project,
                  expression, FULL_MARKS, total, FULL_MARKS - total, Decimal(0), "分")
    if not ok:
        message = f"{evaluation.project or '自评表'}：各项分值之和为 {plain(total)}，应为 100"
        check.findings.append(Finding(R.SCORE_MISMATCH.code, R.SCORE_MISMATCH.severity, message, anchor.span,
                                      f"{evaluation.project} 自评表", stated=FULL_MARKS, recomputed=total, unit="分"))
    return check
