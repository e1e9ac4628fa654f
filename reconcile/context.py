"""What every checker shares: the report, unit corrections, and resolved members."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property

from extract.model import Aggregate, Fact, ProjectLine, Report
from reconcile.matching import assign
from reconcile.model import Member

Subject = ProjectLine | Aggregate
MONEY_STEP = Decimal("0.01")
ROW_KINDS = ("table_total", "subtotal", "funding", "table")  # aggregates over the rows they close  # 万元: the coarsest step an amount is taken to be rounded to


@dataclass(frozen=True)
class Resolved:
    """The project lines an aggregate stands for, or why they cannot be known."""

    members: list[Member]
    lines: list[ProjectLine]
    problem: str = ""  # set when the members cannot be summed with confidence


@dataclass
class Context:
    report: Report
    corrections: dict[Fact, Decimal] = field(default_factory=dict)  # fact → value in 万元
    _line_members: dict[int, Member] = field(default_factory=dict, repr=False)

    @cached_property
    def finest_step(self) -> Decimal:
        """The finest step any money figure of the report is written to, in 万元.

        A writer who writes 59.99 works in hundredths: their 60 means 60.00. Amounts in
        万元 are conventionally kept to 0.01 (百元), so the step is never coarser than that:
        "剩余3万元" against 10 − 6 must not pass on ±0.5 per integer."""
        steps = [f.quantum_wan for s in (*self.report.projects, *self.report.aggregates)
                 for f in s.facts().values() if f.is_money]
        return min([*steps, MONEY_STEP])

    def wan(self, fact: Fact) -> Decimal:
        return self.corrections.get(fact, fact.wan)

    def quantum(self, fact: Fact) -> Decimal:
        """The figure's last written place in 万元; a unit correction scales it too."""
        if fact in self.corrections and fact.wan:
            return fact.quantum_wan * (self.corrections[fact] / fact.wan)
        return fact.quantum_wan

    def corrected(self, corrections: dict[Fact, Decimal]) -> Context:
        merged = {**self.corrections, **corrections}
        fresh = replace(self, corrections=merged)
        for cached in ("resolved", "finest_step"):  # neither depends on corrections
            if cached in self.__dict__:
                fresh.__dict__[cached] = self.__dict__[cached]
        return fresh

    @cached_property
    def resolved(self) -> dict[int, Resolved]:
        """For each aggregate (by identity), its member lines."""
        return {id(a): self._resolve(a) for a in self.report.aggregates}

    def members_of(self, aggregate: Aggregate) -> Resolved:
        return self.resolved[id(aggregate)]

    def _as_member(self, line: ProjectLine) -> Member:
        """A line as a member of its group or table: one Member for every aggregate it is in (a
        long report's groups share labels, and their members would be counted out again)."""
        member = self._line_members.get(id(line))
        if member is None:
            member = Member(line.name, line.name, None, "line", None, line.group, line.seq, line.span.page)
            self._line_members[id(line)] = member
        return member

    def _resolve(self, aggregate: Aggregate) -> Resolved:
        projects = self.report.projects
        if aggregate.kind == "group":
            lines = self.report.lines_of(aggregate.label)
            return Resolved([self._as_member(p) for p in lines], lines)
        if aggregate.rows or aggregate.kind in ROW_KINDS:
            lines = aggregate.rows
            return Resolved([self._as_member(p) for p in lines], lines, "" if lines else "表中没有可合计的行")
        if aggregate.kind != "enumeration":
            return Resolved([], [], "未列出明细项目")
        matches = assign([m.name for m in aggregate.members], [p.name for p in projects])
        members, lines, problems = [], [], []
        for ref, match in zip(aggregate.members, matches):
            line = projects[match.candidate] if match.candidate is not None else None
            members.append(Member(
                listed=ref.name,
                matched=line.name if line else None,
                score=match.score,
                status=match.status,
                group=line.group if line else "",
                seq=line.seq if line else "",
                page=line.span.page if line else ref.span.page,
            ))
            if line:
                lines.append(line)
            elif match.status == "ambiguous":
                problems.append(f"“{ref.name}”可对应多个项目")
            else:
                problems.append(f"“{ref.name}”未找到对应项目")
        if not aggregate.complete:
            problems.append("列举以“等”结尾，未列全")
        return Resolved(members, lines, "；".join(problems))
