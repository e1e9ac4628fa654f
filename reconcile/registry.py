"""Rule codes with their severity and Chinese title, and the registered checkers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extract.model import Report
    from reconcile.context import Context
    from reconcile.model import Check


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: str
    title: str


RULES: dict[str, Rule] = {}
CHECKERS: list[Callable[[Report, Context], Iterable[Check]]] = []


def register(code: str, severity: str, title: str) -> Rule:
    """Declare a stable rule code; a code declared twice is a programming error."""
    if code in RULES:
        raise ValueError(f"rule code {code!r} registered twice")
    if severity not in ("error", "warning", "info"):
        raise ValueError(f"rule {code!r}: unknown severity {severity!r}")
    RULES[code] = rule = Rule(code, severity, title)
    return rule


def checker(fn: Callable[[Report, Context], Iterable[Check]]):
    """Register a pure function from the report to the checks it makes."""
    CHECKERS.append(fn)
    return fn


SUM_MISMATCH = register("sum_mismatch", "error", "合计数与明细之和不符")
RATE_MISMATCH = register("rate_mismatch", "error", "比率与执行数÷预算数不符")
RATE_ROUNDING = register("rate_rounding", "info", "比率按截断或其他取整方式书写")
COUNT_MISMATCH = register("count_mismatch", "error", "声明的项目数与列出的不符")
DIFFERENCE_MISMATCH = register("difference_mismatch", "error", "结余与预算数−执行数不符")
SCORE_MISMATCH = register("score_mismatch", "error", "得分与分值、执行率不符")
NAME_UNMATCHED = register("name_unmatched", "warning", "列举的项目名称未找到或仅近似匹配")
RATE_DENOMINATOR = register("rate_denominator", "warning", "比率按另一预算口径计算")
OVER_BUDGET = register("over_budget", "warning", "执行数超过预算数")
UNIT_SUSPECT = register("unit_suspect", "warning", "疑似元与万元混用")
# Added to DESIGN.md's codes for tables: one project told twice with different figures.
SOURCE_MISMATCH = register("source_mismatch", "error", "同一项目在正文、表格或自评表中的数字不一致")
