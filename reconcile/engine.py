"""Run every registered checker over a report; explain failures by 元/万元 slips first."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from extract.model import Fact, Report
from reconcile import registry as R
from reconcile import rules, rules_relations, rules_tables  # noqa: F401  (register the checkers)
from reconcile.context import Context
from reconcile.model import FAIL, PASS, Check, Finding, Result
from reconcile.wording import quote

TEN_THOUSAND = Decimal(10000)
SCALES = (TEN_THOUSAND, 1 / TEN_THOUSAND)


def run(report: Report, ctx: Context) -> list[Check]:
    return [check for fn in R.CHECKERS for check in fn(report, ctx)]


def reconcile(report: Report) -> Result:
    """Check every relation the report states; findings are collected, never raised."""
    ctx = Context(report)
    checks = run(report, ctx)
    corrections = unit_slips(report, ctx, checks)
    if not corrections:
        return Result(checks)
    ctx = ctx.corrected({fact: value for fact, (value, _) in corrections.items()})
    checks = run(report, ctx)
    for check in checks:
        used = [f for f in check.inputs if f in corrections]
        if used:
            check.note = "；".join(f"“{f.text}”按{corrections[f][1]}更正后核对" for f in used)
    return Result(checks + [_unit_check(report, fact, *corrections[fact]) for fact in corrections])


def unit_slips(report: Report, ctx: Context, checks: list[Check]) -> dict[Fact, tuple[Decimal, str]]:
    """Figures that, read 10⁴ larger or smaller, make failing relations hold and break none.

    For each failing check, the candidate that repairs the most checks wins; on a tie,
    the figure whose unit differs from the report's usual money unit.
    """
    failing = [c for c in checks if c.outcome == FAIL and c.relation in ("rate", "sum", "remainder", "budget_cap")
               and any(f.is_money for f in c.inputs)]  # a rate of persons has no unit to slip
    if not failing:
        return {}
    before = [c.outcome for c in checks]  # the same report gives the same checks, in order
    usual = Counter(f.unit for c in checks for f in c.inputs if f.is_money).most_common(1)[0][0]
    repairs: dict[tuple[Fact, Decimal], set[int]] = {}
    for check in failing:
        for fact in check.inputs:
            for scale in SCALES:
                key = (fact, scale)
                if key in repairs or not _plausible(check, fact, scale):
                    continue
                after = [c.outcome for c in run(report, ctx.corrected({fact: fact.wan * scale}))]
                pairs = list(zip(before, after, strict=True))
                broken = any(b == PASS and a == FAIL for b, a in pairs)
                repairs[key] = set() if broken else {i for i, (b, a) in enumerate(pairs) if b == FAIL and a == PASS}
    chosen: dict[Fact, tuple[Decimal, str]] = {}
    for index, check in enumerate(checks):
        if check not in failing:
            continue
        options = [option for option, fixed in repairs.items() if index in fixed]
        if not options:
            continue
        fact, scale = max(options, key=lambda o: (len(repairs[o]), o[0].unit != usual))
        chosen[fact] = (fact.wan * scale, "万元" if scale > 1 else "元")
    return chosen


def _plausible(check: Check, fact: Fact, scale: Decimal) -> bool:
    """Cheap filter: would scaling this figure by 10⁴ move the check anywhere near holding?"""
    if not fact.is_money or fact.wan == 0:
        return False
    if check.relation in ("rate", "budget_cap") and check.stated and check.recomputed:
        ratio = abs(check.recomputed / check.stated) if check.relation == "rate" else check.stated / check.recomputed
        return Decimal(1000) < ratio or ratio < Decimal("0.001")
    if check.difference is None:
        return False
    moved = abs(fact.wan * scale - fact.wan)
    return moved > 0 and Decimal("0.5") < abs(check.difference) / moved < 2


def _unit_check(report: Report, fact: Fact, value: Decimal, unit: str) -> Check:
    sentence = next((s.sentence for s in [*report.aggregates, *report.projects] if fact in s.facts().values()), "")
    label = f"{fact.field} {fact.text}"
    check = Check("unit", label, FAIL, "suspect", fact.span, quote(sentence, fact.text),
                  f"{fact.text} → {value.normalize():f} 万元", fact.wan, value, value - fact.wan,
                  Decimal(0), "万元", inputs=(fact,))
    message = (f"{fact.field}写作“{fact.text}”，按{unit}计（{value.normalize():f} 万元）相关合计与比率才相符，"
               f"疑为单位错误")
    check.findings.append(Finding(R.UNIT_SUSPECT.code, R.UNIT_SUSPECT.severity, message, fact.span, check.quote,
                                  stated=fact.wan, recomputed=value, difference=value - fact.wan, unit="万元"))
    return check
