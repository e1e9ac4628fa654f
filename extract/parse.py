"""Paragraphs → the report: title, groups, project lines, enumerations, department totals."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from extract.model import Aggregate, DocumentInfo, Fact, NamedRef, ProjectLine, Report, Source, TableInfo
from extract import prose
from extract.merge import merge_readings
from extract.relate import Reader
from extract.numbers import parse_count, parse_number
from extract.paragraphs import Paragraph
from extract.patterns import COUNT, Patterns
from extract.table_read import grade_in, join_forms, read_table, unit_of_text
from extract.tables import Table
from extract.units import MONEY_UNITS

log = logging.getLogger(__name__)

_NAME_END = re.compile(r"[，,:：；;。]")
_TABLE_COUNT = re.compile(rf"(?:共计|共有|合计|共)(?P<count>{COUNT})(?:项|个)[^。]*?(?:下表|如下|附表|详见)")
_YEAR = re.compile(r"((?:19|20)\d{2})年")


@dataclass(frozen=True, slots=True)
class Found:
    """A figure found after a field word: where the word starts, the field, the figure."""

    pos: int
    field: str
    fact: Fact


@dataclass(slots=True)
class _Open:
    """The group whose project lines are being read, and the list level it opened at."""

    aggregate: Aggregate
    level: int


@dataclass(slots=True)
class _State:
    """What the paragraphs read so far say of what follows."""

    group: _Open | None = None  # the group whose project lines are being read
    unit: str = ""  # the unit the paragraphs before a table state for it
    title: str = ""
    count: Fact | None = None  # "项目共计4项，详见下表"


def parse(blocks: list[Paragraph | Table], source: Source, patterns: Patterns) -> Report:
    """The phrasings of patterns.toml first; every paragraph they do not read, and every table,
    then goes to the general reading (extract/relate.py)."""
    paragraphs = [b for b in blocks if isinstance(b, Paragraph)]
    report = Report(source=source, document=read_document(paragraphs, patterns))
    state = _State()
    unclaimed: list[Paragraph | Table] = []
    for block in blocks:
        if isinstance(block, Table):
            group = state.group.aggregate.label if state.group else ""
            _table(report, block, patterns, group, state.unit, state.title, state.count)
            state.unit, state.title, state.count = "", "", None
            unclaimed.append(block)
            continue
        before = (len(report.projects), len(report.aggregates))
        _paragraph(report, block, patterns, state)
        if len(report.projects) == before[0] and _partial(report.aggregates[before[1]:]):
            del report.aggregates[before[1]:]  # the phrasings read it only in part: the general reading takes it
        if (len(report.projects), len(report.aggregates)) == before:
            unclaimed.append(block)
    report.projects = merge_readings(report.projects)
    report.self_evaluations = join_forms(report.self_evaluations)
    read_prose(report, unclaimed, patterns)
    form = next((e.organization for e in report.self_evaluations if e.organization), "")
    document = report.document
    # A 自评表's own 实施单位 names the unit better than a title that is the form's name.
    if form and (not document.organization or "表" in document.title):
        report.document = DocumentInfo(document.title, form, document.year)
    return report


def _paragraph(report: Report, para: Paragraph, patterns: Patterns, state: _State) -> None:
    text = para.text
    if (match := _TABLE_COUNT.search(text)) is not None:
        state.count = _count_fact(para, match)
    state.unit = unit_of_text(text) or state.unit
    if len(text) <= 40 and "表" in text:
        state.title = text
    if report.self_evaluations and not report.self_evaluations[-1].grade and grade_in(text):
        evaluation = report.self_evaluations[-1]
        evaluation.grade = grade_in(text)
        evaluation.grade_span = para.span(text.index(evaluation.grade), text.index(evaluation.grade) + 1)
    group = state.group
    level, body = patterns.heading(text)
    if level is not None and group is not None and level <= group.level:
        state.group = group = None
    if level is not None:
        declared = _group(para, body, patterns)
        if declared is not None:
            report.aggregates.append(declared)
            state.group = _Open(declared, level)
            return
    facts = find_facts(para, patterns, body)
    money = [f for f in facts if f.fact.is_money]
    if level is not None and money and (group is None or level > group.level) \
            and not _speaks_for_department(text, body, facts, patterns) and not _section_heading(para, body, patterns):
        label = group.aggregate.label if group else ""
        report.projects.append(_project(para, body, facts, label))
    elif facts:
        report.aggregates.extend(_statements(para, facts, patterns))


def _partial(found: list[Aggregate]) -> bool:
    """Whether the phrasings read a paragraph only in part: nothing but a department statement
    that lacks its budget or its actual ("总预算386万元，实际支出352.6万元" has no field word
    for the budget)."""
    return all(a.kind == "department" and (a.budget is None or a.actual is None) for a in found)


def read_prose(report: Report, blocks: list[Paragraph | Table], patterns: Patterns) -> None:
    """The general reading of what the phrasings left: quantities, roles, subjects, relations."""
    lexicon = patterns.prose
    readings = [prose.read(b, lexicon) if isinstance(b, Paragraph) else b for b in blocks]
    paragraphs = [b for b in blocks if isinstance(b, Paragraph)]
    last = paragraphs[-1].text.rstrip() if paragraphs else ""
    truncated = bool(last) and not re.search(r"[。！？!?；;:：)）”」』…]$", last) and not isinstance(blocks[-1], Table)
    Reader(report, lexicon, truncated).read(readings)


def _table(report: Report, table: Table, patterns: Patterns, group: str, unit: str, title: str,
           count: Fact | None) -> None:
    result = read_table(table, patterns, group, unit, title)
    if count is not None and result.projects and not result.self_evaluations:
        first = result.projects[0]
        report.aggregates.append(Aggregate(kind="table", label=title or "下表", span=count.span, sentence=first.sentence,
                                           declared_count=count, rows=list(result.projects)))
    report.projects.extend(result.projects)
    report.aggregates.extend(result.aggregates)
    report.self_evaluations.extend(result.self_evaluations)
    report.tables.append(TableInfo(table.page, tuple(table.pages), tuple(round(v, 2) for v in table.bbox),
                                   table.ruled, tuple(tuple(row) for row in table.texts())))


def _section_heading(para: Paragraph, body: int, patterns: Patterns) -> bool:
    """"（一）预算执行情况。2023年…": the marked words before the first stop name a section."""
    stop = _NAME_END.search(para.text, body)
    name = para.text[body:stop.start() if stop else len(para.text)].strip()
    return stop is not None and para.text[stop.start()] == "。" and name.endswith(
        tuple(patterns.data["headings"].get("section_words", [])))


def _speaks_for_department(text: str, body: int, facts: list[Found], patterns: Patterns) -> bool:
    """A numbered paragraph whose figures are the whole unit's ("1、预算执行情况。本部门…")."""
    before = text[body: min(f.pos for f in facts)]
    return any(subject in before for subject in patterns.department_subjects)


def find_facts(para: Paragraph, patterns: Patterns, start: int = 0) -> list[Found]:
    """Every field word followed by its figure, in reading order."""
    found = []
    for match in patterns.fact.finditer(para.text, start):
        field_name = patterns.field_of[match["field"]]
        unit = match["unit"]
        wants_percent = field_name in patterns.percent_fields
        if wants_percent != (unit == "%") or not (unit == "%" or unit in MONEY_UNITS):
            continue  # "执行率…万元" or "预算数…项" is not this field's figure
        before = para.text[max(0, match.start() - 4):match.start()]
        if any(before.endswith(w) for w in patterns.data["fields"][field_name].get("not_after", [])):
            continue  # "上年结转20万元" is carried in, not left over
        found.append(Found(match.start(), field_name, _fact(para, match)))
    return found


def _fact(para: Paragraph, match: re.Match) -> Fact:
    value, decimals = parse_number(match["number"])
    start, end = match.start("number"), match.end("unit")
    return Fact(
        value=value,
        unit=match["unit"],
        decimals=decimals,
        text=para.raw_slice(start, end),
        span=para.span(start, end),
        field=match["field"],
        confidence=para.confidence(start, end),
    )


def _count_fact(para: Paragraph, match: re.Match) -> Fact:
    """The declared count of a match with a `count` group, and the 项/个 after it."""
    start, end = match.start("count"), match.end("count")
    unit = para.text[end] if end < len(para.text) and para.text[end] in "项个" else "项"
    return Fact(
        value=Decimal(parse_count(match["count"])),
        unit=unit,
        decimals=0,
        text=para.raw_slice(start, end + 1),
        span=para.span(start, end + 1),
    )


def _assign(target, facts: list[Found]) -> None:
    """Put each fact in its field; the first figure for a field wins."""
    for found in facts:
        if found.field not in target.__dataclass_fields__:
            log.debug("%s figure %s has no place in a %s", found.field, found.fact.text, type(target).__name__)
        elif getattr(target, found.field) is None:
            setattr(target, found.field, found.fact)
        else:
            log.debug("second %s figure %s ignored", found.field, found.fact.text)


def _group(para: Paragraph, body: int, patterns: Patterns) -> Aggregate | None:
    rest = para.text[body:]
    for pattern in patterns.groups:
        match = pattern.match(rest)
        if match:
            break
    else:
        return None
    shifted = _Shifted(match, body)
    aggregate = Aggregate(
        kind="group",
        label=match["group"],
        span=para.span(body + match.start("group"), body + match.end("group")),
        sentence=para.raw,
        declared_count=_count_fact(para, shifted),
    )
    _assign(aggregate, find_facts(para, patterns, body + match.end()))
    return aggregate


class _Shifted:
    """A match on a slice of the text, with positions in the whole text."""

    def __init__(self, match: re.Match, offset: int):
        self._match, self._offset = match, offset

    def __getitem__(self, key):
        return self._match[key]

    def start(self, key=0) -> int:
        return self._match.start(key) + self._offset

    def end(self, key=0) -> int:
        return self._match.end(key) + self._offset


def _project(para: Paragraph, body: int, facts: list[Found], group: str) -> ProjectLine:
    seq = para.text[:body].strip("()、.").strip()
    first_field = min(f.pos for f in facts)
    stop = _NAME_END.search(para.text, body)
    name_end = min(stop.start() if stop else len(para.text), first_field)
    line = ProjectLine(
        group=group,
        seq=seq,
        name=para.text[body:name_end].strip(),
        span=para.span(body, name_end),
        sentence=para.raw,
    )
    _assign(line, facts)
    return line


def _statements(para: Paragraph, facts: list[Found], patterns: Patterns) -> list[Aggregate]:
    """Totals stated in prose: the department's (before 其中) and named lists after it."""
    text = para.text
    found: list[Aggregate] = []
    claimed: set[int] = set()
    for pattern in patterns.enumerations:
        for match in pattern.finditer(text):
            sentence_end = _sentence_end(text, match.end())
            own = [f for f in facts if match.start() <= f.pos < sentence_end and f.pos not in claimed]
            if not own:
                continue
            claimed.update(f.pos for f in own)
            found.append(_enumeration(para, match, own))
    rest = [f for f in facts if f.pos not in claimed]
    if rest:
        cut = text.find("其中")
        head = [f for f in rest if cut < 0 or f.pos < cut]
        if head and any(f.fact.is_money for f in head):
            found.insert(0, _department(para, head, patterns))
    return found


def _sentence_end(text: str, start: int) -> int:
    stop = re.compile(r"[。；;]").search(text, start)
    return stop.start() if stop else len(text)


def _enumeration(para: Paragraph, match: re.Match, facts) -> Aggregate:
    names_text = match["names"]
    complete = not (names_text.endswith("等") or match.groupdict().get("etc"))
    names_start = match.start("names")
    members = []
    offset = 0
    for piece in names_text.rstrip("等").split("、"):
        name = piece.strip()
        at = names_start + names_text.index(piece, offset)
        offset = at - names_start + len(piece)
        if name:
            members.append(NamedRef(name, para.span(at, at + len(piece))))
    aggregate = Aggregate(
        kind="enumeration",
        label=match["label"].strip("，,：: "),
        span=para.span(match.start("label"), match.end("label")),
        sentence=para.raw,
        declared_count=_count_fact(para, match),
        members=members,
        complete=complete,
    )
    _assign(aggregate, facts)
    return aggregate


def _department(para: Paragraph, facts, patterns: Patterns) -> Aggregate:
    first = min(f.pos for f in facts)
    subject = next((s for s in patterns.department_subjects if s in para.text[:first + 1]), None)
    clause_start = max(para.text.rfind(c, 0, first) for c in "，,。；") + 1
    label = patterns.department_label if subject else (para.text[clause_start:first] or patterns.department_label)
    aggregate = Aggregate(
        kind="department",
        label=label,
        span=para.span(clause_start, first),
        sentence=para.raw,
    )
    _assign(aggregate, facts)
    return aggregate


def read_document(paragraphs: list[Paragraph], patterns: Patterns) -> DocumentInfo:
    """Title, organisation and year from the report's opening lines."""
    title = next((p.text for p in paragraphs[:6] if p.page == 1 and any(w in p.text for w in patterns.title_words)), "")
    if not title:
        return DocumentInfo()
    # A title the first paragraph ran into ("…自评报告按照《…》的要求，…") ends with its title words.
    ending = re.search(r"(?:报告|表)(?:\([^)]{0,20}\))?(?=[\u4e00-\u9fff《“(]{2})", title)
    if ending and len(title) > 60:
        title = title[:ending.end()]
    year_match = _YEAR.search(title) or re.search(r"(?:19|20)\d{2}", title)
    if year_match:
        year = int(year_match.group(1) if year_match.groups() else year_match.group(0))
        candidates = [title[: year_match.start()], title[year_match.end():].lstrip("度")]
    else:
        # A 自评表 states its year on the line under its title: "（2023年度）".
        below = next((m for p in paragraphs[1:3] if (m := re.fullmatch(r"\(?((?:19|20)\d{2})年度?\)?", p.text))), None)
        year, candidates = (int(below.group(1)) if below else None), [title]
    organization = next((o for o in map(lambda c: _organization(c, patterns), candidates)
                         if len(o) >= 2 and o not in ("项目", "专项", "部门", "单位")), "")
    return DocumentInfo(title=title, organization=organization, year=year)


def _organization(text: str, patterns: Patterns) -> str:
    """The unit's name in a piece of a title: before the title words, without 关于/整体/部门…"""
    text = text.strip()
    for start in patterns.organization_start:
        text = text.removeprefix(start)
    for word in patterns.title_words:
        text = text.split(word)[0]
    text = text.rstrip("的")
    for end in patterns.organization_end:
        if text.endswith(end):
            return text[: -len(end)].strip()
    return text.strip()
