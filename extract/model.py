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
    ocr: bool = False  # read by OCR from a page image, not from a text layer
    confidence: float = 1.0  # OCR's lowest character confidence in the figure; 1 for a text layer

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
    """One project line: a name and the figures stated for it.

    `source` says where it was read: "prose", "table" (a row of a project list) or
    "selfeval" (the funding block of a 自评表). When several sources describe the
    same project, the first is the line and the others are its `readings`.
    """

    group: str
    seq: str
    name: str
    span: Span  # where the name is printed
    sentence: str  # the line's whole text, as printed (a table row: its cells joined by " | ")
    budget: Fact | None = None
    initial_budget: Fact | None = None
    actual: Fact | None = None
    stated_rate: Fact | None = None
    stated_completion: Fact | None = None
    remainder: Fact | None = None
    arrived: Fact | None = None  # 实际到位 / 实到: money that reached the unit
    arrival_rate: Fact | None = None  # 到位率 = arrived ÷ budget
    source: str = "prose"
    readings: list[ProjectLine] = field(default_factory=list)

    def facts(self) -> dict[str, Fact]:
        return {k: v for k in FACT_FIELDS if (v := getattr(self, k)) is not None}


FACT_FIELDS = ("budget", "initial_budget", "actual", "stated_rate", "stated_completion", "remainder",
               "arrived", "arrival_rate")
MONEY_FIELDS = ("budget", "initial_budget", "arrived", "actual", "remainder")


@dataclass(frozen=True, slots=True)
class NamedRef:
    """A project named in an enumeration ("涉及A、B、C")."""

    name: str
    span: Span


@dataclass(slots=True)
class Aggregate:
    """Totals a report states for a set of projects: the department, a group, a named list.

    `kind` is "department" (the whole unit; its members are not listed), "group" (the
    project lines under a group heading), "enumeration" (projects named in a sentence),
    "table_total" / "subtotal" (a 合计 / 小计 row closing the table rows in `rows`) or
    "funding" (a 自评表's 年度资金总额 over its 其中 rows in `rows`).
    """

    kind: str
    label: str
    span: Span
    sentence: str
    declared_count: Fact | None = None
    members: list[NamedRef] = field(default_factory=list)  # enumerations only
    complete: bool = True  # False when the list ends in 等: the names are examples
    rows: list[ProjectLine] = field(default_factory=list)  # table totals and funding only
    budget: Fact | None = None
    initial_budget: Fact | None = None
    actual: Fact | None = None
    stated_rate: Fact | None = None

    def facts(self) -> dict[str, Fact]:
        names = ("declared_count", "budget", "initial_budget", "actual", "stated_rate")
        return {k: v for k in names if (v := getattr(self, k)) is not None}


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a relation read from prose: what it is called, and its figure."""

    name: str
    fact: Fact | None  # None: the report names the term but states no figure for it
    span: Span
    inferred: bool = False  # not printed: what the report's other figures leave for it

@dataclass(slots=True)
class Relation:
    """A claim a report makes in prose about its own figures.

    `kind` is "sum" (a whole and its parts: 其中, 包括, 分别为, 按…分, a 合计 after a
    list), "count" (a stated number of items and the items named or listed) or "rate"
    (a percentage stated beside its two quantities; `terms` are numerator, denominator).
    `complete` is False when the parts are examples (等, 主要, 部分) or the list is cut
    off; `open_ended` when the list runs to the end of a document that stops mid-way,
    so a shortfall there may be the cut, not the report's arithmetic.
    """

    kind: str
    label: str
    stated: Fact
    terms: list[Term]
    sentence: str
    field: str = ""  # what the figures are: budget, actual, … for money; "" otherwise
    complete: bool = True
    why: str = ""  # why the relation cannot be checked, when it cannot
    open_ended: bool = False


@dataclass(frozen=True, slots=True)
class Unused:
    """A sentence that holds figures jixiao read but could not relate to anything."""

    sentence: str
    figures: tuple[str, ...]
    span: Span


@dataclass(slots=True)
class Indicator:
    """One row of a 自评表's indicator block."""

    level1: str
    level2: str
    level3: str
    target: str  # 年度指标值, as printed
    achieved: str  # 实际完成值, as printed
    span: Span
    weight: Fact | None = None  # 分值
    score: Fact | None = None  # 得分


@dataclass(slots=True)
class SelfEvaluation:
    """The scoring of a 项目支出/部门整体支出绩效自评表: funding score, indicators, total, grade."""

    project: str
    span: Span
    organization: str = ""  # 主管部门 as the table states it
    funding_weight: Fact | None = None  # 分值 of the 年度资金总额 row (often 10)
    funding_score: Fact | None = None  # 得分 of that row
    funding: ProjectLine | None = None  # 年度资金总额: 全年预算数, 全年执行数, 执行率
    indicators: list[Indicator] = field(default_factory=list)
    total_weight: Fact | None = None  # the 总分 row's 分值 (100)
    total_score: Fact | None = None  # 总分
    grade: str = ""  # 优 / 良 / 中 / 差 as stated
    grade_span: Span | None = None
    funding_points: Fact | None = None  # what a section label declares: "预算执行情况(10分)"
    indicator_points: Fact | None = None  # "绩效指标(90分)"


@dataclass(frozen=True, slots=True)
class TableInfo:
    """A table as read, cell for cell (merged cells filled), for review and snapshots."""

    page: int
    pages: tuple[int, ...]
    bbox: tuple[float, float, float, float]
    ruled: bool
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Source:
    path: str  # as given, relative, or the file name for absolute paths
    sha256: str
    pages: int
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR
    unread_pages: tuple[int, ...] = ()  # pages without text that could not be read (no OCR installed)


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
    self_evaluations: list[SelfEvaluation] = field(default_factory=list)
    tables: list[TableInfo] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    unused: list[Unused] = field(default_factory=list)

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
                "arrived_wan": p.arrived.wan if p.arrived else None,
                "arrival_rate": p.arrival_rate.value if p.arrival_rate else None,
            }
            for p in self.projects
        ]
        columns = ["group", "seq", "name", "budget_wan", "actual_wan", "stated_rate", "page", "arrived_wan",
                   "arrival_rate"]
        return pd.DataFrame(rows, columns=columns)
