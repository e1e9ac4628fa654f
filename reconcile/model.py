"""What reconciliation produces: every check with its outcome, and the findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from extract.model import Fact, Span

if TYPE_CHECKING:
    from reconcile.reviews import Reviews

# Outcomes of a check (stable, in the JSON `checks`).
PASS = "pass"
ROUNDING = "rounding"
FAIL = "fail"
INSUFFICIENT = "insufficient_data"

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Member:
    """One term of a relation: what was listed, what it matched, the figure used."""

    listed: str
    matched: str | None = None
    score: float | None = None
    status: str = "exact"  # exact | loose | missing | ambiguous | line (a group's own line)
    fact: Fact | None = None
    group: str = ""
    seq: str = ""
    page: int | None = None


@dataclass(slots=True)
class Finding:
    """One relation that does not hold, told to the reviewer."""

    rule: str
    severity: str
    message: str
    span: Span
    quote: str
    stated: Decimal | None = None
    recomputed: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    unit: str = ""
    evidence: list[Span] = field(default_factory=list)  # members' figures, for page crops


@dataclass(slots=True)
class Check:
    """One relation checked, with its outcome, whether it holds or not."""

    relation: str  # sum | rate | count | remainder | budget_cap | unit | name
    label: str
    outcome: str  # pass | rounding | fail | insufficient_data
    verdict: str  # exact | rounded | within_tolerance | truncated | … | disagrees | insufficient_data
    span: Span
    quote: str = ""
    expression: str = ""  # the arithmetic, e.g. "802.51 ÷ 832.52 × 100 = 96.395…"
    stated: Decimal | None = None
    recomputed: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    unit: str = ""
    members: list[Member] = field(default_factory=list)
    note: str = ""  # why data were insufficient, or which unit was corrected
    findings: list[Finding] = field(default_factory=list)
    inputs: tuple[Fact, ...] = field(default=(), repr=False)  # the figures it used (not shown)


@dataclass(slots=True)
class Result:
    checks: list[Check]
    reviews: "Reviews | None" = None  # reviewers' decisions (reconcile.reviews), applied to the document

    @property
    def findings(self) -> list[Finding]:
        order = {s: i for i, s in enumerate(SEVERITIES)}
        found = [f for c in self.checks for f in c.findings]
        return sorted(found, key=lambda f: (order[f.severity], f.span.page, f.span.bbox[1]))

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def outcomes(self) -> dict[str, int]:
        counts = {PASS: 0, ROUNDING: 0, FAIL: 0, INSUFFICIENT: 0}
        for check in self.checks:
            counts[check.outcome] += 1
        return counts
