"""Exact arithmetic with rounding sense: each checked figure gets its own verdict.

Stated amounts are exact as written, read at the finest precision written in the
relation; the figure being checked (a rate, a total) stands for the interval its
written decimals allow, as XBRL Calculations 1.1 treats a summation total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, localcontext

HUNDRED = Decimal(100)

# Verdicts, in the order they are tried for a rate. The first two pass, the rest of
# the rounding habits are notes (rate_rounding), "disagrees" is an error.
EXACT = "exact"
ROUNDED = "rounded"  # 四舍五入 (ROUND_HALF_UP)
WITHIN_TOLERANCE = "within_tolerance"  # a sum within what rounding its members allows
TRUNCATED = "truncated"  # 截断 (ROUND_DOWN)
HALF_EVEN = "half_even"  # 银行家舍入 (ROUND_HALF_EVEN)
ROUNDED_UP = "rounded_up"  # 进位 (ROUND_UP)
DISAGREES = "disagrees"

HABITS = ((ROUNDED, ROUND_HALF_UP), (TRUNCATED, ROUND_DOWN), (HALF_EVEN, ROUND_HALF_EVEN), (ROUNDED_UP, ROUND_UP))
HABIT_NAMES = {EXACT: "精确", ROUNDED: "四舍五入", WITHIN_TOLERANCE: "舍入误差内", TRUNCATED: "截断",
               HALF_EVEN: "银行家舍入", ROUNDED_UP: "进位", DISAGREES: "不符"}
PASSING = frozenset({EXACT, ROUNDED, WITHIN_TOLERANCE})


def step(decimals: int) -> Decimal:
    """One unit in the last place of a figure written with `decimals` decimals."""
    return Decimal(1).scaleb(-decimals)


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: str
    recomputed: Decimal  # exact (rates: as many digits as Decimal's context gives)
    difference: Decimal  # stated − recomputed
    tolerance: Decimal  # how far the stated figure may be from `recomputed` and still pass

    @property
    def passes(self) -> bool:
        return self.verdict in PASSING

    @property
    def rounding_note(self) -> bool:
        return self.verdict not in PASSING and self.verdict != DISAGREES


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """part ÷ whole × 100, to 28 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 28
        return part / whole * HUNDRED


def judge_rate(actual: Decimal, budget: Decimal, stated: Decimal, decimals: int) -> Verdict:
    """A stated percentage against actual ÷ budget, by the habit its writer may have used."""
    exact = percent(actual, budget)
    tolerance = step(decimals) / 2
    if exact == stated:
        return Verdict(EXACT, exact, Decimal(0), tolerance)
    for name, mode in HABITS:
        if exact.quantize(step(decimals), rounding=mode) == stated:
            return Verdict(name, exact, stated - exact, tolerance)
    return Verdict(DISAGREES, exact, stated - exact, tolerance)


def judge_total(stated: Decimal, stated_step: Decimal, terms: list[Decimal], member_step: Decimal) -> Verdict:
    """A stated total against the signed sum of its terms.

    The total may differ from the sum by less than half its own last place plus half
    the finest written place for each term (0.33 + 0.33 + 0.33 against 1.00 holds).
    Less, never as much: rounding half up moves a figure by at most half a place one
    way and by less than half the other, so n + 1 roundings cannot add up to the bound
    (five sources of 7165.29 written 7165.32 are 0.03 off: the bound, a real error).
    """
    recomputed = sum(terms, Decimal(0))
    difference = stated - recomputed
    tolerance = stated_step / 2 + len(terms) * member_step / 2
    if difference == 0:
        verdict = EXACT
    elif abs(difference) < tolerance:
        verdict = WITHIN_TOLERANCE
    else:
        verdict = DISAGREES
    return Verdict(verdict, recomputed, difference, tolerance)


RATE_PLACES = 4  # recomputed percentages are reported to 4 decimals (四舍五入)


def to_places(value: Decimal, decimals: int = RATE_PLACES) -> Decimal:
    """`value` rounded half up (四舍五入) to `decimals` places."""
    return value.quantize(step(decimals), rounding=ROUND_HALF_UP)


def show(value: Decimal, decimals: int) -> str:
    """A Decimal for the reviewer, rounded half up (四舍五入) to `decimals` places."""
    return format(to_places(value, decimals), "f")


def plain(value: Decimal) -> str:
    """A Decimal without exponent and without trailing zeros after the point."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
