"""Tables → project lines, 合计/小计 totals and 自评表 scoring, with headings read by meaning."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.model import Aggregate, Fact, Indicator, ProjectLine, SelfEvaluation
from extract.numbers import NUMBER, parse_number
from extract.patterns import Patterns
from extract.tables import Cell, Table
from extract.units import MONEY_UNITS

MONEY_FIELDS = ("budget", "initial_budget", "actual")
RATE_FIELDS = ("stated_rate", "stated_completion")
# When jieba's words of a heading decide, the more specific field wins.
KEYWORD_PRIORITY = ("stated_completion", "stated_rate", "initial_budget", "actual", "budget")

_UNIT_IN_HEADING = re.compile(r"[(（]?(?:单位[:：])?(万元|亿元|元|%)[)）]?")
_CELL_NUMBER = re.compile(rf"^(?P<number>[-−]?{NUMBER})(?P<unit>%|万元|亿元|元|分)?$")
_UNIT_LINE = re.compile(r"单位[:：]?(万元|亿元|元)")
_GRADE = re.compile(r"(?:自评等级|评价等级|等级)[:：]?(优秀|优|良好|良|中|差)")


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    unit: str  # unit stated in the heading, "" if none
    heading: str


@dataclass(slots=True)
class TableResult:
    projects: list[ProjectLine] = field(default_factory=list)
    aggregates: list[Aggregate] = field(default_factory=list)
    self_evaluations: list[SelfEvaluation] = field(default_factory=list)


def unit_of_text(text: str) -> str:
    """A unit a title or a "单位：万元" line states for the table that follows, or ""."""
    match = _UNIT_LINE.search(text) or re.search(r"[(（](万元|亿元|元)[)）]", text)
    return match.group(1) if match else ""


def column_of(heading: str, patterns: Patterns) -> Column | None:
    """What a column heading means: the longest known word in it, else jieba's words."""
    text = re.sub(r"\s", "", heading)
    unit_match = _UNIT_IN_HEADING.search(text)
    unit = unit_match.group(1) if unit_match and unit_match.group(1) != "%" else ""
    bare = _UNIT_IN_HEADING.sub("", text) if unit_match else text
    if not bare:
        return None
    words = patterns.table_words
    found = [w for w in words if w in bare]
    if found:
        best = max(found, key=len)
        return Column(words[best], unit, heading)
    from extract.segment import words as cut

    tokens = set(cut(bare))
    hits = {patterns.table_keywords[t] for t in tokens if t in patterns.table_keywords}
    for name in KEYWORD_PRIORITY:
        if name in hits:
            return Column(name, unit, heading)
    return None


def read_table(table: Table, patterns: Patterns, group: str, unit: str, title: str) -> TableResult:
    texts = [[c.text for c in row] for row in table.rows]
    flat = {t for row in texts for t in row}
    if any(w in t for t in flat for w in patterns.funding_total) or any("一级指标" in t for t in flat):
        return _self_evaluation(table, patterns, unit)
    return _project_list(table, patterns, group, unit, title)


def _header(table: Table, patterns: Patterns, start: int = 0) -> tuple[int, dict[int, Column]] | None:
    """The first row (from `start`) in which at least two headings are known columns."""
    for index in range(start, min(start + 4, len(table.rows))):
        columns = {}
        for position, cell in enumerate(table.rows[index]):
            column = column_of(cell.text, patterns) if cell.text else None
            if column is not None and column.field not in {c.field for c in columns.values()}:
                columns[position] = column
        if len(columns) >= 2:
            return index, columns
    return None


def fact_of(cell: Cell, column: Column, table_unit: str) -> Fact | None:
    """A cell's figure, read with its column's unit; dashes and words give None."""
    if cell.para is None:
        return None
    text = cell.text.replace(" ", "")
    match = _CELL_NUMBER.match(text)
    if not match:
        return None
    value, decimals = parse_number(match["number"].replace("−", "-"))
    unit = match["unit"] or ""
    if column.field in RATE_FIELDS:
        unit = "%"
    elif column.field in MONEY_FIELDS:
        unit = unit if unit in MONEY_UNITS else (column.unit or table_unit or "万元")
    elif column.field in ("weight", "score"):
        unit = "分"
    else:
        return None
    return Fact(value=value, unit=unit, decimals=decimals, text=cell.para.raw.strip(),
                span=cell.para.span(0, len(cell.text)), field=column.heading,
                confidence=cell.para.confidence(0, len(cell.text)))


def _row_line(row: list[Cell], columns: dict[int, Column], unit: str, *, name: str, group: str,
              seq: str, source: str, name_cell: Cell | None) -> ProjectLine:
    para = name_cell.para if name_cell and name_cell.para else next(c.para for c in row if c.para)
    line = ProjectLine(group=group, seq=seq, name=name, span=para.span(0, len(para.text)),
                       sentence=" | ".join(c.para.raw.strip() if c.para else "" for c in row), source=source)
    for position, column in columns.items():
        if position < len(row) and hasattr(line, column.field) and column.field in (*MONEY_FIELDS, *RATE_FIELDS):
            fact = fact_of(row[position], column, unit)
            if fact is not None and getattr(line, column.field) is None:
                setattr(line, column.field, fact)
    return line


def _project_list(table: Table, patterns: Patterns, group: str, unit: str, title: str) -> TableResult:
    result = TableResult()
    found = _header(table, patterns)
    if found is None:
        return result
    head, columns = found
    by_field = {c.field: p for p, c in columns.items()}
    if "name" not in by_field:
        return result
    rows_since: list[ProjectLine] = []  # rows a 小计 closes
    every: list[ProjectLine] = []  # rows a 合计 closes
    label_base = title or "表"
    last_group = group
    for row in table.rows[head + 1:]:
        if len(row) <= by_field["name"]:
            continue
        name_cell = row[by_field["name"]]
        label_cell = next((c for c in row if c.text), None)
        marker = (label_cell.text if label_cell else "").replace(" ", "")
        # A merged 单位 cell that runs on over a page break comes back empty there.
        row_group = (row[by_field["group"]].text or last_group) if "group" in by_field else group
        if any(marker.startswith(w) for w in patterns.subtotal_words) or any(
                name_cell.text.startswith(w) for w in patterns.subtotal_words):
            closes = rows_since[-1].group if rows_since else ""
            result.aggregates.append(_total(row, columns, unit, "subtotal", f"{closes or label_base} 小计",
                                            rows_since, label_cell))
            rows_since = []
            continue
        if any(marker.startswith(w) for w in patterns.total_words):
            result.aggregates.append(_total(row, columns, unit, "table_total", f"{label_base} 合计",
                                            every, label_cell))
            rows_since = []
            continue
        if not name_cell.text or name_cell.merged and name_cell.para is None:
            continue
        seq = row[by_field["seq"]].text if "seq" in by_field else ""
        line = _row_line(row, columns, unit, name=name_cell.text, group=row_group, seq=seq,
                         source="table", name_cell=name_cell)
        if not any(line.facts()):
            continue
        result.projects.append(line)
        last_group = row_group
        rows_since.append(line)
        every.append(line)
    return result


def _total(row, columns, unit, kind, label, members, label_cell) -> Aggregate:
    reading = _row_line(row, columns, unit, name=label, group="", seq="", source="table", name_cell=label_cell)
    return Aggregate(kind=kind, label=label, span=reading.span, sentence=reading.sentence,
                     budget=reading.budget, initial_budget=reading.initial_budget, actual=reading.actual,
                     stated_rate=reading.stated_rate, rows=list(members))


# ---- 自评表 -------------------------------------------------------------------------------------


def _self_evaluation(table: Table, patterns: Patterns, unit: str) -> TableResult:
    result = TableResult()
    rows = table.rows
    project = _value_after(rows, ("项目名称", "单位名称", "部门名称"))
    first = next(c.para for row in rows for c in row if c.para)
    evaluation = SelfEvaluation(project=project, span=first.span(0, len(first.text)))
    funding_head = _header_with(table, patterns, {"budget", "actual", "weight", "score"})
    if funding_head is not None:
        _read_funding(table, patterns, funding_head, unit, evaluation, result)
    indicator_head = _header_with(table, patterns, {"level1", "weight", "score"})
    if indicator_head is not None:
        _read_indicators(table, patterns, indicator_head, evaluation)
    evaluation.organization = _value_after(rows, ("主管部门", "预算部门", "实施单位"))
    for row in rows:
        for cell in row:
            match = _GRADE.search(cell.text)
            if match and not evaluation.grade:
                evaluation.grade, evaluation.grade_span = match.group(1)[0], cell.para.span(*match.span(1))
        if not evaluation.grade and any("等级" in c.text for c in row):  # 自评等级 | 优
            grade = next((c for c in row if c.text in patterns.grade_words), None)
            if grade is not None:
                evaluation.grade, evaluation.grade_span = grade.text, grade.para.span(0, len(grade.text))
    result.self_evaluations.append(evaluation)
    return result


def _value_after(rows: list[list[Cell]], labels: tuple[str, ...]) -> str:
    for row in rows:
        for index, cell in enumerate(row):
            if cell.text in labels:
                rest = [c.text for c in row[index + 1:] if c.text and c.text != cell.text]
                return rest[0] if rest else ""
    return ""


def _header_with(table: Table, patterns: Patterns, needed: set[str]) -> tuple[int, dict[int, Column]] | None:
    for index, row in enumerate(table.rows):
        columns = {}
        for position, cell in enumerate(row):
            if cell.text and not cell.merged:
                column = column_of(cell.text, patterns)
                if column is not None:
                    columns[position] = column
        if needed <= {c.field for c in columns.values()}:
            return index, columns
    return None


def _read_funding(table, patterns, head, unit, evaluation: SelfEvaluation, result: TableResult) -> None:
    index, columns = head
    first_column = min(p for p, c in columns.items() if c.field in (*MONEY_FIELDS, *RATE_FIELDS, "weight", "score"))
    total: ProjectLine | None = None
    parts: list[ProjectLine] = []
    by_field = {c.field: p for p, c in columns.items()}
    for row in table.rows[index + 1:]:
        labels = [c for c in row[:first_column] if c.text and not c.merged]
        label = labels[-1] if labels else None
        if label is None:
            break
        name = re.sub(r"^其中[:：]?", "", label.text)
        line = _row_line(row, columns, unit, name=name, group="", seq="", source="funding", name_cell=label)
        if not line.facts():
            break
        if any(w in label.text for w in patterns.funding_total):
            total = line
            evaluation.funding_weight = _number(row, by_field.get("weight"), columns)
            evaluation.funding_score = _number(row, by_field.get("score"), columns)
        elif total is not None:
            parts.append(line)
    if total is None:
        return
    reading = ProjectLine(group="", seq="", name=evaluation.project or total.name, span=total.span,
                          sentence=total.sentence, budget=total.budget, initial_budget=total.initial_budget,
                          actual=total.actual, stated_rate=total.stated_rate, source="selfeval")
    evaluation.funding = reading
    result.projects.append(reading)
    if parts:
        result.aggregates.append(Aggregate(
            kind="funding", label=f"{evaluation.project} 年度资金总额", span=total.span, sentence=total.sentence,
            budget=total.budget, initial_budget=total.initial_budget, actual=total.actual, rows=parts))


def _number(row: list[Cell], position: int | None, columns: dict[int, Column]) -> Fact | None:
    if position is None or position >= len(row):
        return None
    return fact_of(row[position], columns[position], "")


def _read_indicators(table, patterns, head, evaluation: SelfEvaluation) -> None:
    index, columns = head
    by_field = {c.field: p for p, c in columns.items()}

    def text(row, name):
        position = by_field.get(name)
        return row[position].text if position is not None and position < len(row) else ""

    for row in table.rows[index + 1:]:
        cells = [c.text for c in row]
        if any(t.startswith("总分") or t == "合计" for t in cells):
            evaluation.total_weight = _number(row, by_field.get("weight"), columns)
            evaluation.total_score = _number(row, by_field.get("score"), columns)
            grade = next((c for c in row if c.text in patterns.grade_words), None)
            if grade is not None and not evaluation.grade:
                evaluation.grade, evaluation.grade_span = grade.text, grade.para.span(0, len(grade.text))
            break
        weight = _number(row, by_field.get("weight"), columns)
        score = _number(row, by_field.get("score"), columns)
        if weight is None and score is None:
            continue
        anchor = row[by_field.get("level3", by_field["weight"])]
        para = anchor.para or next(c.para for c in row if c.para)
        evaluation.indicators.append(Indicator(
            level1=text(row, "level1"), level2=text(row, "level2"), level3=text(row, "level3"),
            target=text(row, "target"), achieved=text(row, "achieved"), span=para.span(0, len(para.text)),
            weight=weight, score=score))


def grade_in(text: str) -> str:
    """A grade stated in prose ("自评等级：优"), or ""."""
    match = _GRADE.search(text)
    return match.group(1)[0] if match else ""

