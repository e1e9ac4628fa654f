"""The arithmetic tables: each row's figures, as printed, and the verdict a careful auditor gives."""

from decimal import Decimal as D

import pytest

from extract.units import to_wan
from reconcile.arithmetic import (
    DISAGREES, EXACT, HALF_EVEN, ROUNDED, ROUNDED_UP, TRUNCATED, WITHIN_TOLERANCE, judge_rate, judge_total, step,
)


@pytest.mark.parametrize(
    ("actual", "budget", "stated", "decimals", "verdict"),
    [
        ("6", "10", "60", 0, EXACT),
        ("6", "10", "65", 0, DISAGREES),
        ("802.51", "832.52", "96.3", 1, TRUNCATED),  # 96.395…: written truncated
        ("802.51", "832.52", "96.4", 1, ROUNDED),
        ("802.51", "832.52", "96.40", 2, ROUNDED),
        ("802.51", "832.52", "96.39", 2, TRUNCATED),
        ("12.33", "40", "30.83", 2, ROUNDED),  # 30.825 half up
        ("12.33", "40", "30.82", 2, TRUNCATED),  # also what half-even gives; truncation is tried first
        ("0.64", "1.28", "50", 0, EXACT),
        ("1834.89", "3059.85", "59.97", 2, ROUNDED),
        ("1945.89", "3183.53", "61.12", 2, ROUNDED),
        ("3380.19", "4795.32", "70.49", 2, ROUNDED),
        ("1", "3", "33.34", 2, ROUNDED_UP),
        ("400.74", "619", "64.7", 1, ROUNDED),  # 64.739…: rounding and truncation agree → rounded
        ("109.47", "1081.95", "10.1", 1, ROUNDED),
        ("802.51", "832.52", "86.3", 1, DISAGREES),
    ],
)
def test_rate_verdicts(actual, budget, stated, decimals, verdict):
    assert judge_rate(D(actual), D(budget), D(stated), decimals).verdict == verdict


def test_half_even_is_its_own_habit():
    # 0.125 → 0.12 by banker's rounding, 0.13 half up, 0.12 truncated: truncation is named first,
    # so use a value where half-even differs from truncation: 0.135 → half-even 0.14 = half-up.
    # 2.5/100 → 2.5 %; one decimal place less: 2 (half-even), 3 (half-up), 2 (truncated).
    # Half-even is reached only when it differs from both truncation and half up: 0.0375 → 0.038 (half
    # even and half up), so the habit is checked on a negative case instead.
    assert judge_rate(D("1"), D("8"), D("12.5"), 1).verdict == EXACT
    assert judge_rate(D("1"), D("8"), D("12"), 0).verdict == TRUNCATED
    assert judge_rate(D("1"), D("8"), D("13"), 0).verdict == ROUNDED
    assert HALF_EVEN != TRUNCATED


def test_rate_tolerance_is_half_the_last_written_place():
    assert judge_rate(D("6"), D("10"), D("60"), 0).tolerance == D("0.5")
    assert judge_rate(D("802.51"), D("832.52"), D("96.3"), 1).tolerance == D("0.05")


@pytest.mark.parametrize(
    ("stated", "members", "verdict"),
    [
        ("1.00", ["0.33", "0.33", "0.33"], WITHIN_TOLERANCE),
        ("1.02", ["0.33", "0.33", "0.33"], DISAGREES),
        ("0.99", ["0.33", "0.33", "0.33"], EXACT),
        ("3183.53", ["60", "325.88", "832.52", "40", "30.5", "10", "1081.95", "619", "60"], DISAGREES),
        ("3059.85", ["60", "325.88", "832.52", "40", "30.5", "10", "1081.95", "619", "60"], EXACT),
        # 04_linhe (a real 自评表): five sources of 7165.29 under a total of 7165.32. Six roundings
        # to 0.01 stay strictly within 0.03 of each other, so 0.03 is a real error; 0.02 is not.
        ("7165.32", ["3144.00", "570.17", "433.00", "1426.90", "1591.22"], DISAGREES),
        ("7165.31", ["3144.00", "570.17", "433.00", "1426.90", "1591.22"], WITHIN_TOLERANCE),
        ("1.00", ["0.99"], DISAGREES),  # at the bound: [0.995, 1.005) and [0.985, 0.995) never meet
    ],
)
def test_total_verdicts(stated, members, verdict):
    stated_d = D(stated)
    finest = min(step(-D(v).as_tuple().exponent) for v in [stated, *members])
    result = judge_total(stated_d, step(-stated_d.as_tuple().exponent), [D(v) for v in members], finest)
    assert result.verdict == verdict


def test_total_difference_and_tolerance_are_exact():
    result = judge_total(D("3183.53"), D("0.01"), [D("3059.85")], D("0.01"))
    assert result.difference == D("123.68")
    assert result.recomputed == D("3059.85")
    # Half the total's own place plus half the finest place for the one member.
    assert result.tolerance == D("0.010")


def test_yuan_and_wan_are_the_same_amount():
    assert to_wan(D("8325200"), "元") == to_wan(D("832.52"), "万元")
    result = judge_total(D("832.52"), D("0.01"), [to_wan(D("8325200"), "元")], D("0.0001"))
    assert result.verdict == EXACT
