"""The real-dev scorer's matching (shared/real-dev/score.py), as functions tests can assert on.

A case's truth.json lists every money line, every checkable stated figure and every
arithmetic fault of a real published report, made by hand. These functions compare one
JSON document with it the way the scorer does: lines by their (budget, actual) pair in
万元, checks by the stated figure, errors by the stated figure of error findings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

UNIT = {"元": Decimal("0.0001"), "万元": Decimal(1), "亿元": Decimal(10000)}
OPTIONAL_ROW = re.compile(r"资金总额|财政拨款|其中")
ARITHMETIC = {"sum_mismatch", "rate_mismatch", "count_mismatch", "score_mismatch", "difference_mismatch"}


def dec(x) -> Decimal | None:
    if x is None:
        return None
    try:
        return Decimal(str(x).replace(",", "").replace("%", "").strip())
    except InvalidOperation:
        return None


def wan(fact) -> Decimal | None:
    if fact is None:
        return None
    if isinstance(fact, dict):
        if fact.get("value_wan") is not None:
            return dec(fact["value_wan"])
        value = dec(fact.get("value"))
        return None if value is None else value * UNIT.get(fact.get("unit") or "万元", Decimal(1))
    return dec(fact)


def same(a, b) -> bool:
    a, b = dec(a), dec(b)
    return a is not None and b is not None and a == b


@dataclass
class Score:
    """What a document missed or invented against a truth."""

    lines_missed: list[tuple] = field(default_factory=list)
    lines_extra: list[tuple] = field(default_factory=list)
    lines_found: int = 0
    checks_missed: list[str] = field(default_factory=list)
    checks_found: int = 0
    errors_missed: list[str] = field(default_factory=list)
    errors_false: list[str] = field(default_factory=list)
    errors_found: int = 0
    unchecked_flagged: list[str] = field(default_factory=list)  # a not_checkable figure given an error


def truth_of(case: Path) -> dict:
    return json.loads((case / "truth.json").read_text(encoding="utf-8"))


def score(truth: dict, doc: dict) -> Score:
    result = Score()
    want, optional = [], []
    for p in truth.get("projects", []):
        unit = UNIT.get(p.get("unit") or "万元", Decimal(1))
        budget, actual = dec(p.get("budget")), dec(p.get("actual"))
        pair = (None if budget is None else budget * unit, None if actual is None else actual * unit)
        if pair != (None, None):
            (optional if OPTIONAL_ROW.search(p.get("name") or "") else want).append(pair)
    pool = [(wan(p.get("budget")), wan(p.get("actual"))) for p in doc.get("projects", [])]
    for pair in want:
        if pair in pool:
            result.lines_found += 1
            pool.remove(pair)
        else:
            result.lines_missed.append(pair)
    for pair in optional:
        if pair in pool:
            pool.remove(pair)
    result.lines_extra = pool
    stated = [c.get("stated") for c in doc.get("checks", [])]
    for aggregate in truth.get("aggregates", []):
        if aggregate.get("check") not in ("consistent", "mismatch"):
            continue
        if any(same(s, aggregate.get("stated")) for s in stated):
            result.checks_found += 1
        else:
            result.checks_missed.append(f"{aggregate.get('kind')} {aggregate.get('label')} = {aggregate.get('stated')}")
    errors = [f for f in doc.get("findings", []) if f.get("severity") == "error"]
    used: set[int] = set()
    for fault in truth.get("inconsistencies", []):
        if fault.get("kind") not in ARITHMETIC:
            continue
        hit = next((k for k, f in enumerate(errors) if k not in used and same(f.get("stated"), fault.get("stated"))), None)
        if hit is None:
            result.errors_missed.append(f"{fault.get('kind')} {fault.get('stated')}")
        else:
            result.errors_found += 1
            used.add(hit)
    result.errors_false = [f"{f['rule']} {f.get('stated')}: {f['message']}" for k, f in enumerate(errors) if k not in used]
    for aggregate in truth.get("aggregates", []):
        if aggregate.get("check") == "not_checkable" and aggregate.get("stated") is not None:
            result.unchecked_flagged += [f["message"] for f in errors if same(f.get("stated"), aggregate["stated"])]
    return result
