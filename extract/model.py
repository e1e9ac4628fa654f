"""The extracted report: spans, facts, project lines and the totals a report states."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from extract.units import quantum_in_wan, to_wan

if TYPE_CHECKING:  # pandas is imported lazily: `jixiao check` does not need it
    import pandas


@dataclass(frozen=True, slots=True)
class Span:
    """Where a thing was read: 1-based page, bbox in PDF points, the printed line."""

    page: int
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    line: str


@dataclass(frozen=True, slots=True)
class Fact:
    """One stated figure, exactly as printed."""

    value: Decimal  # built from the printed string, never from a float
    unit: str  # 元, 万元, 亿元, %, 项, 个, 分
    decimals: int  # decimals as written
    text: str  # the figure as printed, e.g. "832.52万元" or "８３２．５２ 万元"
    span: Span
    field: str = ""  # the field word as printed before it, e.g. "调整预算数"
    ocr: bool = False

    @property
    def is_money(self) -> bool:
        return self.unit in ("元", "万元", "亿元")

    @property
    def wan(self) -> Decimal:
        """The value in 万元 (exact)."""
        return to_wan(self.value, self.unit)

    @property
    def quantum_wan(self) -> Decimal:
        """One unit in the last written decimal place, in 万元."""
        return quantum_in_wan(self.decimals, self.unit)


@dataclass(slots=True)
class ProjectLine:
    """One project line: a name and the figures stated for it."""

    group: str
    seq: str
    name: str
    span: Span  # where the name is printed
    sentence: str  # the line's whole text, as printed
    budget: Fact | None = None
    initial_budget: Fact | None = None
    actual: Fact | None = None
    stated_rate: Fact | None = None
    stated_completion: Fact | None = None
    remainder: Fact | None = None

    def facts(self) -> dict[str, Fact]:
        return {k: v for k in FACT_FIELDS if (v := getattr(self, k)) is not None}


FACT_FIELDS = ("budget", "initial_budget", "actual", "stated_rate", "stated_completion", "remainder")


@dataclass(frozen=True, slots=True)
class NamedRef:
    """A project named in an enumeration ("涉及A、B、C")."""

    name: str
    span: Span


@dataclass(slots=True)
class Aggregate:
    """Totals a report states for a set of projects: the department, a group, a named list.

    `kind` is "department" (the whole unit; its members are not listed), "group" (the
    project lines under a group heading) or "enumeration" (projects named in a sentence).
    """

    kind: str
    label: str
    span: Span
    sentence: str
    declared_count: Fact | None = None
    members: list[NamedRef] = field(default_factory=list)  # enumerations only
    complete: bool = True  # False when the list ends in 等: the names are examples
    budget: Fact | None = None
    initial_budget: Fact | None = None
    actual: Fact | None = None
    stated_rate: Fact | None = None

    def facts(self) -> dict[str, Fact]:
        names = ("declared_count", "budget", "initial_budget", "actual", "stated_rate")
        return {k: v for k in names if (v := getattr(self, k)) is not None}


@dataclass(frozen=True, slots=True)
class Source:
    path: str  # as given, relative, or the file name for absolute paths
    sha256: str
    pages: int
    ocr_pages: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    title: str = ""
    organization: str = ""
    year: int | None = None


@dataclass(slots=True)
class Report:
    """Everything read from one report; no judgement."""

    source: Source
    document: DocumentInfo
    projects: list[ProjectLine] = field(default_factory=list)
    aggregates: list[Aggregate] = field(default_factory=list)

    def groups(self) -> list[Aggregate]:
        return [a for a in self.aggregates if a.kind == "group"]

    def lines_of(self, group: str) -> list[ProjectLine]:
        return [p for p in self.projects if p.group == group]

    def projects_frame(self) -> pandas.DataFrame:
        """Project lines as a DataFrame: amounts in 万元 as Decimal, rates in %."""
        import pandas as pd

        rows = [
            {
                "group": p.group,
                "seq": p.seq,
                "name": p.name,
                "budget_wan": p.budget.wan if p.budget else None,
                "actual_wan": p.actual.wan if p.actual else None,
                "stated_rate": p.stated_rate.value if p.stated_rate else None,
                "page": p.span.page,
            }
            for p in self.projects
        ]
        columns = ["group", "seq", "name", "budget_wan", "actual_wan", "stated_rate", "page"]
        return pd.DataFrame(rows, columns=columns)
