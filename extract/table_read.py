"""Tables → project lines, 合计/小计 totals and 自评表 scoring, with headings read by meaning."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

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
# A letter a form gives its column ("全年预算数(A)", "执行率(B/A)"): no part of the heading's words.
_COLUMN_MARK = re.compile(r"[(（][A-Za-z][A-Za-z0-9=/+×÷*\-]*[)）]")
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
    heading = _COLUMN_MARK.sub("", heading).strip()
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
    block = funding_block(table, patterns)
    if block is not None or _indicator_head(table, patterns) is not None:
        return _self_evaluation(table, patterns, unit, block)
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
# A 自评表 is read block by block, whatever the province calls them: a funding block (a header
# with at least a budget and an actual column, a total row, its source rows), an indicator block
# (一级指标 … 分值/权重 … 得分), a 合计/总分 row. The first column often holds a section label
# that runs down the block ("预算执行情况(10分)", "资金投入情况(万元)"): it declares the block's
# points or unit, and a change of it ends the block.

VALUE_FIELDS = (*MONEY_FIELDS, *RATE_FIELDS, "weight", "score")
_POINTS = re.compile(r"[(（](?P<points>\d+(?:\.\d+)?)分[)）]")
_BRACKETED = re.compile(r"[(（][^)）]*[)）]")
_OF_WHICH = re.compile(r"^其中[:：]?")


@dataclass(frozen=True, slots=True)
class FundingBlock:
    """Where a 自评表's funding block lies: its header row, label column and value columns."""

    head: int  # the header row
    label: int  # the column of row labels (年度资金总额, 其中:财政资金, …)
    columns: dict[int, Column]  # the value columns, by position
    section: str  # the section label running down the first column, "" if none
    unit: str  # the unit a label cell of the header states, "" if none
    points: Fact | None  # the points the section label declares


def _words(patterns: Patterns, key: str) -> tuple[str, ...]:
    return tuple(patterns.data["table"].get(key, ()))


def _label(text: str) -> str:
    """A label cell's words: spaces, brackets ("(盖章)", "(万元)") and 其中 taken out."""
    return _OF_WHICH.sub("", _BRACKETED.sub("", re.sub(r"\s", "", text)))


def _is_number(cell: Cell) -> bool:
    return bool(cell.text) and _CELL_NUMBER.match(cell.text.replace(" ", "")) is not None


def _is_total(text: str, patterns: Patterns) -> bool:
    label = _label(text)
    return any(label == w or label.endswith(w) for w in patterns.funding_total)


def _starts_block(cells: list[Cell], patterns: Patterns) -> bool:
    """Label cells that open another block of the form (年度总体目标, 绩效指标, 一级指标 …)."""
    words = _words(patterns, "block_words")
    return bool(words) and any(_label(c.text).startswith(words) for c in cells if c.text)


def funding_block(table: Table, patterns: Patterns) -> FundingBlock | None:
    """The first header row with a budget and an actual column whose next row of figures is a
    total (年度资金总额, 资金总额, 总额): the cells left of that row's label are the section."""
    rows = table.rows
    figures = [i for i, r in enumerate(rows) if any(_is_number(c) for c in r)]
    for index, row in enumerate(rows):
        body = next((rows[i] for i in figures if i > index), None)
        if body is None:
            return None
        first = min(p for p, c in enumerate(body) if _is_number(c))
        label = max((p for p in range(first) if body[p].text), default=None)
        if label is None or not _is_total(body[label].text, patterns):
            continue
        columns: dict[int, Column] = {}
        for position, cell in enumerate(row[label + 1:], start=label + 1):
            column = column_of(cell.text, patterns) if cell.text and not cell.merged else None
            if column is not None and column.field in VALUE_FIELDS \
                    and column.field not in {c.field for c in columns.values()}:
                columns[position] = column
        if not {"budget", "actual"} <= {c.field for c in columns.values()}:
            continue
        labels = [c for c in row[:label + 1] if c.text]
        unit = next((u for c in labels if (u := unit_of_text(c.text))), "")
        section = row[0].text if label > 0 else ""
        return FundingBlock(index, label, columns, section, unit, _points(labels))
    return None


def _points(cells: list[Cell]) -> Fact | None:
    """The points a section label declares: "预算执行情况(10分)" → 10 分."""
    for cell in cells:
        match = _POINTS.search(cell.text) if cell.para else None
        if match:
            value, decimals = parse_number(match["points"])
            start, end = match.start("points"), match.end() - 1
            return Fact(value=value, unit="分", decimals=decimals, text=cell.para.raw_slice(start, end),
                        span=cell.para.span(start, end), field=cell.text)
    return None


def _self_evaluation(table: Table, patterns: Patterns, unit: str, block: FundingBlock | None) -> TableResult:
    result = TableResult()
    rows = table.rows
    first = next(c.para for row in rows for c in row if c.para)
    evaluation = SelfEvaluation(project=_project_name(rows, patterns), span=first.span(0, len(first.text)))
    evaluation.organization = _organization(rows, patterns)
    start = 0
    if block is not None:
        start = _read_funding(table, patterns, block, unit, evaluation, result)
    indicator_head = _indicator_head(table, patterns, start)
    if indicator_head is not None:
        _read_indicators(table, patterns, indicator_head, evaluation)
    _read_grade(rows, patterns, evaluation)
    result.self_evaluations.append(evaluation)
    return result


def _read_grade(rows: list[list[Cell]], patterns: Patterns, evaluation: SelfEvaluation) -> None:
    for row in rows:
        for cell in row:
            match = _GRADE.search(cell.text)
            if match and not evaluation.grade:
                evaluation.grade, evaluation.grade_span = match.group(1)[0], cell.para.span(*match.span(1))
        if not evaluation.grade and any("等级" in c.text for c in row):  # 自评等级 | 优
            grade = next((c for c in row if c.text in patterns.grade_words), None)
            if grade is not None:
                evaluation.grade, evaluation.grade_span = grade.text, grade.para.span(0, len(grade.text))


def _labelled(rows: list[list[Cell]], accept) -> str:
    """The text after the first label cell `accept` takes: the next cell of its row that is
    not empty and not the label again (a merged label comes back once per column it spans)."""
    for row in rows:
        for index, cell in enumerate(row):
            if cell.text and len(cell.text) <= 16 and accept(_label(cell.text)):
                rest = [c.text for c in row[index + 1:] if c.text and c.text != cell.text]
                if rest:
                    return rest[0]
    return ""


def _project_name(rows: list[list[Cell]], patterns: Patterns) -> str:
    """项目名称, else a label that ends in 名称 (转移支付(项目)名称) other than a unit's; else the
    unit's name (a 部门整体 form). Kept as printed, a leading project code included."""
    units = _words(patterns, "organization_labels")
    exact = _labelled(rows, lambda label: label == "项目名称")
    return exact or _labelled(rows, lambda label: label.endswith("名称") and label not in units) \
        or _labelled(rows, lambda label: label in units and label.endswith("名称"))


def _organization(rows: list[list[Cell]], patterns: Patterns) -> str:
    """实施单位 / 单位名称 / 部门名称 first; a 主管部门 only when none is stated."""
    for words in (_words(patterns, "organization_labels"), _words(patterns, "organization_fallback")):
        found = next((o for w in words if (o := _labelled(rows, lambda label, w=w: label == w))), "")
        if found:
            return found
    return ""


def _read_funding(table: Table, patterns: Patterns, block: FundingBlock, unit: str, evaluation: SelfEvaluation,
                  result: TableResult) -> int:
    """The funding block's rows: its total row and the sources after it. Returns the row after
    the block."""
    columns, unit = block.columns, block.unit or unit
    first_value = min(columns)
    by_field = {c.field: p for p, c in columns.items()}
    # Sources are grouped under the form's project: two forms' 其他资金 are two lines.
    group = evaluation.project or evaluation.organization or f"自评表（第{table.page}页）"
    total: ProjectLine | None = None
    total_label = ""
    groups: list[tuple[str, list[ProjectLine]]] = [("", [])]  # sources, by the 按…分 row over them
    rows, end = _block_rows(table, block, patterns)
    for row in rows:
        labels = [c for c in row[1 if block.section else 0:first_value] if c.text]
        if not labels:
            continue
        label = labels[-1]
        name = _OF_WHICH.sub("", label.text)
        regroup = next((m for p in patterns.prose.regroup if (m := p.match(label.text))), None)
        if total is not None and regroup is not None:
            # 部门整体 forms break one total down twice: 按收入性质分 … 按支出性质分 …
            groups.append((regroup.group(0).rstrip(",，:："), []))
            name = _OF_WHICH.sub("", label.text[regroup.end():])
            if not name:
                continue
        line = _row_line(row, columns, unit, name=name, group=group, seq="",
                         source="funding", name_cell=label)
        if not any(getattr(line, f) is not None for f in MONEY_FIELDS):
            continue  # a source the form leaves empty ("/", "—" or nothing) is no line
        if total is None and _is_total(label.text, patterns):
            total, total_label = line, label.text
            evaluation.funding_weight = _number(row, by_field.get("weight"), columns)
            evaluation.funding_score = _number(row, by_field.get("score"), columns)
        elif total is not None:
            groups[-1][1].append(line)
    evaluation.funding_points = block.points
    if total is not None:
        _add_funding(evaluation, total, total_label, [g for g in groups if g[1]], result)
    return end


def _add_funding(evaluation: SelfEvaluation, total: ProjectLine, total_label: str,
                 groups: list[tuple[str, list[ProjectLine]]], result: TableResult) -> None:
    """The total row as the form's own line (named after its project), its sources as lines of
    their own, and the total over the sources."""
    reading = ProjectLine(group="", seq="", name=evaluation.project or total_label, span=total.span,
                          sentence=total.sentence, budget=total.budget, initial_budget=total.initial_budget,
                          actual=total.actual, stated_rate=total.stated_rate, source="selfeval")
    evaluation.funding = reading
    result.projects.append(reading)
    for by, parts in groups:
        result.projects.extend(parts)
        label = f"{evaluation.project} {_label(total_label)}".strip() + (f"（{by}）" if by else "")
        result.aggregates.extend(_funding_totals(label, total, parts))


def _funding_totals(label: str, total: ProjectLine, parts: list[ProjectLine]) -> list[Aggregate]:
    """The total over its sources, column by column. A source that holds no money (0 | 0 | empty)
    is no member of a column it leaves empty; when no source fills a column, every source stays
    a member, so that the column's total is reported as not checkable rather than as 0."""
    columns: dict[tuple[int, ...], tuple[list[ProjectLine], list[str]]] = {}
    for name in MONEY_FIELDS:
        if getattr(total, name) is None:
            continue
        stating = [p for p in parts if getattr(p, name) is not None]
        members = [p for p in parts if getattr(p, name) is not None or not _holds_nothing(p)] if stating else parts
        columns.setdefault(tuple(map(id, members)), (members, []))[1].append(name)
    return [Aggregate(kind="funding", label=label, span=total.span, sentence=total.sentence, rows=members,
                      **{name: getattr(total, name) for name in names})
            for members, names in columns.values()]


def _holds_nothing(line: ProjectLine) -> bool:
    return all(getattr(line, name) is None or getattr(line, name).value == 0 for name in MONEY_FIELDS)


def _block_rows(table: Table, block: FundingBlock, patterns: Patterns) -> tuple[list[list[Cell]], int]:
    """The rows under the funding header up to the next block (another section label in the
    first column, or a row that opens one), and the index of the row after them."""
    for index in range(block.head + 1, len(table.rows)):
        row = table.rows[index]
        section = row[0].text if row else ""
        if block.section and section and section != block.section \
                or _starts_block(row[:min(block.columns)], patterns):
            return table.rows[block.head + 1:index], index
    return table.rows[block.head + 1:], len(table.rows)


def _number(row: list[Cell], position: int | None, columns: dict[int, Column]) -> Fact | None:
    if position is None or position >= len(row):
        return None
    return fact_of(row[position], columns[position], "")


def _indicator_head(table: Table, patterns: Patterns, start: int = 0) -> tuple[int, dict[int, Column]] | None:
    """The indicator block's header: 一级指标 and a 分值/权重 column."""
    level1_words = tuple(patterns.data["table"]["columns"].get("level1", ()))
    for index in range(start, len(table.rows)):
        if not any(w in c.text for c in table.rows[index] for w in level1_words):
            continue
        columns = {}
        for position, cell in enumerate(table.rows[index]):
            if cell.text and not cell.merged and (column := column_of(cell.text, patterns)) is not None:
                columns[position] = column
        level1 = next((p for p, c in columns.items() if c.field == "level1"), None)
        if level1 is not None and any(c.field == "weight" for c in columns.values()):
            return index, {p: c for p, c in columns.items() if p >= level1}
    return None


def _read_indicators(table, patterns, head, evaluation: SelfEvaluation) -> None:
    index, columns = head
    by_field: dict[str, int] = {}
    for position, column in columns.items():
        by_field.setdefault(column.field, position)
    evaluation.indicator_points = _points(table.rows[index][:min(columns)])

    def text(row, name):
        position = by_field.get(name)
        return row[position].text if position is not None and position < len(row) else ""

    for row in table.rows[index + 1:]:
        cells = [c.text for c in row]
        if any(t.startswith("总分") or t == "合计" for t in cells):
            _read_total_row(row, by_field, columns, patterns, evaluation)
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


def _read_total_row(row: list[Cell], by_field: dict[str, int], columns: dict[int, Column], patterns: Patterns,
                    evaluation: SelfEvaluation) -> None:
    """The 合计 / 总分 row: the weight total from the weight column, else (a merged cell that
    does not line up with it: "合计 | 100") the row's first figure; the score only from its column."""
    weight = _number(row, by_field.get("weight"), columns)
    if weight is None:
        first = next((c for p, c in enumerate(row) if p != by_field.get("score") and _is_number(c)), None)
        weight = fact_of(first, Column("weight", "", "分值"), "") if first is not None else None
    evaluation.total_weight = weight
    score = by_field.get("score")
    if score is not None and score < len(row) and not row[score].merged:  # not a neighbour's merged figure
        evaluation.total_score = _number(row, score, columns)
    grade = next((c for c in row if c.text in patterns.grade_words), None)
    if grade is not None and not evaluation.grade:
        evaluation.grade, evaluation.grade_span = grade.text, grade.para.span(0, len(grade.text))


def join_forms(evaluations: list[SelfEvaluation]) -> list[SelfEvaluation]:
    """A form whose indicator block was printed as a table of its own (after a page break, or
    the 10 and the 90 points as two tables) is one form: a table with indicators but neither a
    project nor a funding block continues the form before it when that one has no indicators yet."""
    joined: list[SelfEvaluation] = []
    for evaluation in evaluations:
        previous = joined[-1] if joined else None
        if previous is None or evaluation.project or evaluation.funding is not None \
                or previous.indicators or previous.total_weight is not None:
            joined.append(evaluation)
            continue
        merged = replace(previous, indicators=[*previous.indicators, *evaluation.indicators],
                         total_weight=evaluation.total_weight, total_score=evaluation.total_score,
                         grade=previous.grade or evaluation.grade,
                         grade_span=previous.grade_span if previous.grade else evaluation.grade_span)
        merged.indicator_points = merged.indicator_points or evaluation.indicator_points
        joined[-1] = merged
    return joined


def grade_in(text: str) -> str:
    """A grade stated in prose ("自评等级：优"), or ""."""
    match = _GRADE.search(text)
    return match.group(1)[0] if match else ""
