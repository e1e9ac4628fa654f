"""Mentions → project lines and relations: wholes and their parts, lists, counts and rates, over a document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from extract import quantities as Q
from extract.model import MONEY_FIELDS, Fact, ProjectLine, Relation, Report, Term, Unused
from extract.prose import MARKER, Lexicon, Mention, Reading, generic
from extract.tables import Table

RATE_ROLES = ("stated_rate", "arrival_rate")
_ENUMERATION = re.compile(r"(?P<names>[^,，。;；:：\d]+?(?:[、和及与][^,，。;；:：\d]+?)+)(?P<etc>等)?(?P<sum>共|共计|合计)?$")
_LISTING = re.compile(r"^.*?(?:分为|包括|包含|涉及)")
_QUOTED = re.compile(r"“([^”]{1,6})”")


@dataclass(eq=False)
class Entity:
    """What one subject has in a sentence: its figures by role, its counts and rates."""

    name: str
    generic: bool
    reading: Reading
    mentions: list[Mention] = field(default_factory=list)
    line: ProjectLine | None = None
    closing: bool = False  # a 合计 after its parts: a total, not a line
    whole: Entity | None = None  # the whole it is a part of

    @property
    def first(self) -> Mention:
        return self.mentions[0]

    def money(self) -> dict[str, Mention]:
        out: dict[str, Mention] = {}
        for m in self.mentions:
            if m.kind == Q.MONEY and m.role in MONEY_FIELDS and m.paren != "aside":
                out.setdefault(m.role, m)
        return out

    def of_kind(self, kind: str) -> list[Mention]:
        return [m for m in self.mentions if m.kind == kind and m.paren != "aside"]

    def shape(self) -> tuple[str, ...]:
        return tuple(sorted({m.kind for m in self.mentions}))


@dataclass
class Intro:
    """A sentence that opens a list below it: its whole and its count."""

    whole: Entity | None
    count: Mention | None
    items: list[Entity] = field(default_factory=list)
    family: str = ""  # the marker family of its items


def family(marker: str) -> str:
    if not marker:
        return ""
    if marker[0] in "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳":
        return "circled"
    if marker.startswith("(") and marker[1:2].isdigit():
        return "paren"
    if marker[0].isdigit():
        return "digit"
    return "chinese"


class Reader:
    """Reads a document's unclaimed prose after its tables and regex-read lines are known."""

    def __init__(self, report: Report, lex: Lexicon, truncated: bool):
        self.report = report
        self.lex = lex
        self.truncated = truncated
        self.lines: list[ProjectLine] = []
        self.main: Entity | None = None
        self.current: Entity | None = None  # the last whole, for 按…分 and a 合计 after parts
        self.loose: list[Entity] = []  # lines of the sentence before, a 合计 after them may close
        self._placed: list[Entity] = []
        self.intro: Intro | None = None
        self.targets: list[Mention] = []  # planned quantities, for completion rates
        self.used: set[int] = set()  # ids of mentions that went into a line or relation
        self.last_reading: Reading | None = None
        self.table_lines = [p for p in report.projects if p.source == "table"]

    # ---- the document ------------------------------------------------------------------

    def read(self, blocks: list[Reading | Table]) -> None:
        readings = [b for b in blocks if isinstance(b, Reading)]
        self.targets = [m for r in readings for m in r.mentions if m.role == "target"]
        self.last_reading = readings[-1] if readings else None
        for block in blocks:
            if isinstance(block, Table):
                self._close_intro()
                continue
            self._paragraph(block)
        self._close_intro()
        self._cross_tables()
        self._unused(readings)

    def _paragraph(self, reading: Reading) -> None:
        if self.intro is not None and reading.marker and self._is_item(reading):
            self._item(reading)
            return
        self._close_intro()
        for index in range(len(reading.sentences)):
            self._sentence(reading, index)
        self._dated_batches(reading)
        if reading.intro:
            self._open_intro(reading)

    def _is_item(self, reading: Reading) -> bool:
        fam = family(reading.marker)
        if self.intro.family and fam != self.intro.family:
            return False
        if not self.intro.family:
            self.intro.family = fam
        return fam in ("digit", "paren", "circled")

    # ---- sentences ---------------------------------------------------------------------

    def entities(self, reading: Reading, sentence: int) -> list[Entity]:
        out: list[Entity] = []
        carried = ""  # a cue before a figure left out ("其中自评得分90分以上的项目18个") opens the next one
        for m in reading.mentions:
            if m.sentence != sentence:
                continue
            if m.kind == Q.SCORE or m.paren == "aside" or m.role == "change":
                carried = carried or m.cue
                continue
            if carried and not m.cue:
                m.cue = carried
            carried = ""
            current = out[-1] if out else None
            name = m.subject
            counted_only = current is not None and not any(x.kind in (Q.MONEY, Q.PERCENT) for x in current.mentions)
            other_count = counted_only and m.kind == Q.MONEY and not any(
                x.quantity.unit in self.lex.items for x in current.mentions)  # "分2批次，…将141.8万…"
            new = current is None or other_count or m.cue or (m.paren != current.first.paren) or (
                name and name != current.name and not (current.generic and not current.money())) or (
                counted_only and m.kind == Q.MONEY and m.strong) or (
                m.segment != current.first.segment and not name and m.kind == Q.MONEY
                and any(x.role == m.role for x in current.mentions if x.kind == Q.MONEY)) or (
                m.kind == Q.MONEY and m.role and any(
                    x.role == m.role and x.kind == Q.MONEY and x.quantity.value != m.quantity.value
                    for x in current.mentions))
            if new:
                if m.batch and not name:
                    out.append(Entity(f"{m.batch}{m.fact.field}{m.phrase if m.phrase != m.fact.field else ''}",
                                      False, reading, [m]))
                else:
                    out.append(Entity(name or m.phrase, not name, reading, [m]))
            else:
                if name and current.generic:
                    current.name, current.generic = name, False
                current.mentions.append(m)
        return out

    def _sentence(self, reading: Reading, index: int) -> None:
        found = self.entities(reading, index)
        if not found:
            return
        self._enumerated_counts(reading, index)
        self._rates(reading, index)
        money = [e for e in found if e.money() or any(m.kind == Q.MONEY for m in e.mentions)]
        loose, self.loose = self.loose, []
        named = {e.name for e in money if not e.generic}
        listing = index in reading.regroup or index in reading.colon and len(named) >= 2
        if listing and money and self._lead_in_is_partial(reading, index, money[0]):
            for entity in money:
                entity.first.partial = True  # "资金主要用于：1.…；2.…": examples, not the whole
        if listing and money:
            whole = self._previous_whole(reading, index) or self.current
            if whole is not None:
                self._breakdown(whole, money, by=self._regroup_words(reading, index))
            else:
                self._place(money)
                self.loose = money
        elif any(e.first.cue and e.first.paren != "parts" for e in found[1:]):
            cut = next(i for i, e in enumerate(found) if i and e.first.cue and e.first.paren != "parts")
            self._parens(found[:cut])
            self._place(found[:cut - 1])
            whole, parts = found[cut - 1], found[cut:]
            if not any(any(m.kind == Q.MONEY for m in p.mentions) for p in parts) and not whole.of_kind(Q.COUNT):
                # "共对23个项目开展自评，涉及资金…万元，其中…的项目18个、…的项目5个": counts break down a count
                whole = next((e for e in reversed(found[:cut]) if e.of_kind(Q.COUNT)), whole)
            self._place([whole])
            for part in parts:
                if part.first.paren != "parts":
                    part.whole = part.whole or whole
            self._parens(parts)  # a part's own (其中：…) is its breakdown, not more parts of the whole
            self._breakdown(whole, parts)
        elif len(loose) >= 2 and len(money) == 1 and money[0].first.total_word and loose[0].reading is reading:
            money[0].closing = True
            self._breakdown(money[0], loose, closing=True, by="合计")
        elif self._parallel(reading, index, found):
            return
        else:
            self._parens(found)
            self._place(found)
            self.loose = [e for e in found if e.money() and e.whole is None and e.line is not None]

    def _parens(self, found: list[Entity]) -> None:
        """(其中：…) after a figure: its parts."""
        index = 0
        while index < len(found):
            entity = found[index]
            parts = []
            while index + 1 < len(found) and found[index + 1].first.paren == "parts":
                parts.append(found[index + 1])
                found.pop(index + 1)
            if parts and entity.first.paren != "parts":
                self._place([entity])
                self._breakdown(entity, parts)
            index += 1

    def _previous_whole(self, reading: Reading, index: int) -> Entity | None:
        """The whole a colon-led list refers to: the last entity of the sentence before it, when
        that one is not itself a part (else the list regroups the current whole)."""
        for back in range(index - 1, -1, -1):
            found = [self._known(e) for e in self.entities(reading, back) if e.money()]
            if found:
                last = found[-1]
                return None if last.whole is not None or back in reading.regroup or back in reading.colon else last
        return None

    def _known(self, entity: Entity) -> Entity:
        """The entity already placed for the same figures (so its line is known)."""
        for placed in self._placed:
            if placed.first.quantity == entity.first.quantity and placed.reading is entity.reading:
                return placed
        return entity

    def _parallel(self, reading: Reading, index: int, found: list[Entity]) -> bool:
        """Parts told one a segment in the sentence after their whole ("“优”的1项，金额460万元；…")."""
        if len(found) < 2 or len({e.first.segment for e in found}) != len(found) or index == 0:
            return False
        shapes = {e.shape() for e in found}
        previous = [e for e in self.entities(reading, index - 1)]
        if len(shapes) != 1 or not previous or previous[-1].shape() != found[0].shape():
            return False
        whole = self._known(previous[-1])
        self._breakdown(whole, found)
        return True

    # ---- wholes and parts ----------------------------------------------------------------

    def _lead_in_is_partial(self, reading: Reading, index: int, first: Entity) -> bool:
        start = reading.sentences[index][0]
        lead = reading.para.text[start:first.first.start]
        return any(w in lead for w in self.lex.partial[:4])

    def _regroup_words(self, reading: Reading, index: int) -> str:
        """The words that open a regrouping sentence ("按任务类型分"), to tell its check apart."""
        start, end = reading.sentences[index]
        text = MARKER.sub("", reading.para.text[start:end].lstrip())
        for pattern in self.lex.regroup:
            if match := pattern.match(text):
                return match.group(0).rstrip(",，:：")
        return ""

    def _breakdown(self, whole: Entity, parts: list[Entity], closing: bool = False, by: str = "") -> None:
        for m in whole.mentions:
            if m.kind == Q.MONEY and not m.role:
                m.role = "budget"
        if not closing:
            self._place([whole])
        self._inherit(whole, parts)
        for part in parts:
            part.whole = part.whole or whole
        self._rate_after_parts(whole, parts)
        self._place(parts)
        label = whole.line.name if whole.line is not None else whole.name or "合计"
        label = f"{label}（{by}）" if by else label
        # "支出900万元，其中项目支出300万元": one part is "of which", not a breakdown
        for role, stated in whole.money().items() if len(parts) >= 2 else ():
            terms = [(p, p.money().get(role)) for p in parts]
            if not any(t for _, t in terms):
                continue
            self._relation("sum", label, stated, terms, role, parts)
        for kind in (Q.COUNT, Q.PERCENT) if len(parts) >= 2 else ():
            stated = whole.of_kind(kind)
            if not stated or kind == Q.PERCENT and not any(w in whole.name for w in self.lex.additive_percent):
                continue
            terms = [(p, next(iter(p.of_kind(kind)), None)) for p in parts]
            if all(t and _same_family(t.quantity.unit, stated[0].quantity.unit, self.lex) for _, t in terms):
                self._relation("sum", label, stated[0], terms, "", parts)
        self._shares(whole, parts)
        self._by_category(parts)
        if closing or not whole.whole:
            self.current = whole

    def _shares(self, whole: Entity, parts: list[Entity]) -> None:
        """"其中：基本支出1500.23万元，占65.27%": a part's share of its whole is a rate like any other."""
        for part in parts:
            money = part.money()
            for m in part.mentions:
                text = m.context_before
                if m.kind != Q.PERCENT or not re.search(r"占(?:比|[^,，。;；]{0,8}的|比重为|比例为|)$", text):
                    continue
                role = next((r for r in money if r in whole.money()), None)
                if role is None:
                    continue
                top, bottom = money[role], whole.money()[role]
                self.report.relations.append(Relation(
                    "rate", f"{part.name}占{bottom.phrase or whole.name}的比例", m.fact,
                    [Term(part.name, top.fact, top.fact.span), Term(whole.name, bottom.fact, bottom.fact.span)],
                    stated_sentence(m)))
                self.used.update({id(m), id(top), id(bottom)})

    def _rate_after_parts(self, whole: Entity, parts: list[Entity]) -> None:
        """"支出1498.67万元，其中基本支出…，项目支出396.33万元，预算执行率98.37%": a rate with no
        subject after the last part, which has no budget, is the whole's."""
        last = parts[-1] if parts else None
        if last is None or "budget" in last.money() or any(p.of_kind(Q.PERCENT) for p in parts[:-1]):
            return  # parts that each state a rate state their own
        for m in [m for m in last.mentions if m.kind == Q.PERCENT and not m.subject]:
            last.mentions.remove(m)
            whole.mentions.append(m)
            if whole.line is not None:
                self._put(whole.line, m)

    def _inherit(self, whole: Entity, parts: list[Entity]) -> None:
        """Parts without a role of their own take their whole's, when it has one money role."""
        roles = list(whole.money())
        for part in parts:
            for m in part.mentions:
                if m.kind != Q.MONEY or m.strong:
                    continue
                if len(roles) == 1:
                    m.role = roles[0]
                elif not m.role:
                    m.role = "budget"

    def _relation(self, kind: str, label: str, stated: Mention, terms, role: str, parts: list[Entity]) -> None:
        last = parts[-1].mentions[-1] if parts and parts[-1].mentions else None
        complete = not any(p.first.partial for p in parts) and not (last and last.context_after.startswith("等"))
        missing = [p.name for p, t in terms if t is None]
        why = "" if complete else "列举的是部分或举例（主要、部分、等），不是全部"
        if complete and last is not None and self._rest_unstated(parts[-1], last):
            complete, why = False, "还有未写明金额的部分（其余…），不能求和核对"
        if missing and not why:
            why = f"“{'”“'.join(missing)}”未写明金额"
        relation = Relation(kind, label, stated.fact, [Term(p.name, t.fact if t else None, (t or p.first).fact.span)
                                                      for p, t in terms],
                            stated_sentence(stated), role, complete and not missing, why,
                            self._open_ended(parts))
        if any(_same_relation(relation, r) for r in self.report.relations):
            return
        self.report.relations.append(relation)
        self.used.add(id(stated))
        self.used.update(id(t) for _, t in terms if t is not None)

    def _rest_unstated(self, part: Entity, last: Mention) -> bool:
        """"其中：人员经费300万元、公用经费200万元，其余为项目支出": a part named but not stated
        after the last figure of its sentence."""
        start, end = part.reading.sentences[last.sentence]
        after = part.reading.para.text[last.quantity.end:end]
        return bool(re.search(r"[,，;；、](?:其余|其他|剩余|余下)[^\d]*$", after))

    def _open_ended(self, parts: list[Entity]) -> bool:
        """Whether a list runs to the end of a document that stops mid-sentence."""
        last = self.last_reading
        return self.truncated and last is not None and any(
            p.reading is last and p.mentions and p.mentions[-1].sentence == len(last.sentences) - 1 for p in parts) or (
            self.truncated and bool(parts) and parts[-1].reading is last and not parts[-1].mentions)

    def _by_category(self, parts: list[Entity]) -> None:
        """Parts named by a grade or category in quotes (“优”) against the table rows that carry it."""
        if not self.table_lines:
            return
        for part in parts:
            quoted = _QUOTED.search(" ".join(m.subject or m.phrase for m in part.mentions) + part.name)
            if not quoted:
                continue
            category = quoted.group(1)
            rows = [line for line in self.table_lines if category in line.sentence.split(" | ")]
            why = "" if rows else f"表中没有标为“{category}”的行，表格可能不完整"
            label = f"标为“{category}”的项目"
            for count in part.of_kind(Q.COUNT)[:1]:
                self.report.relations.append(Relation(
                    "count", f"{label}数", count.fact, [Term(r.name, None, r.span) for r in rows],
                    stated_sentence(count), "", bool(rows), why, not rows))
                self.used.add(id(count))
            for role, stated in part.money().items():
                self.report.relations.append(Relation(
                    "sum", f"{label}金额", stated.fact, [Term(r.name, r.budget, r.span) for r in rows],
                    stated_sentence(stated), "budget", bool(rows) and all(r.budget for r in rows), why, not rows))
                self.used.add(id(stated))

    # ---- lines ---------------------------------------------------------------------------

    def _place(self, found: list[Entity]) -> None:
        """Each entity with money becomes a project line, or joins the line it names again."""
        for entity in found:
            for m in entity.mentions:
                if m.kind == Q.MONEY and not m.role:
                    m.role = "budget"
            if entity in self._placed or not entity.money() or entity.closing:
                continue
            self._placed.append(entity)
            if self._is_set(entity) or any(d in entity.name for d in self.lex.department):
                continue
            target = self._target(entity)
            if target is not None and self._merge(target, entity):
                entity.line = target
                continue
            if target is not None and entity.first.batch and not entity.generic:
                # a batch of a named fund: "2020年2月，…下达X奖补资金82.55万元；2020年7月，…又下达…"
                entity.name = f"{entity.first.batch}{entity.first.fact.field}{entity.name}"
            elif target is not None and not entity.generic:
                continue  # another slice of a named line (a batch's share of a source): no line of its own
            entity.line = self._new_line(entity)
            if entity.whole is None:
                self.main = self.main or entity
                self.current = entity  # a later 按…分 breaks the last whole down again

    def _is_set(self, entity: Entity) -> bool:
        """A count of projects and their money ("“良”的6项，金额…"): a total over table rows."""
        counted = [m for m in entity.of_kind(Q.COUNT) if m.quantity.unit in self.lex.items]
        money = entity.money().values()
        return bool(counted and self.table_lines and all(not m.subject for m in money))

    def _target(self, entity: Entity) -> ProjectLine | None:
        siblings = [p for p in self.lines if entity.whole and entity.whole.line and p.group == entity.whole.line.name]
        if entity.generic:
            # Words that name nothing ("已支付资金") speak of the report's one fund; with several
            # funds read, which one is not known and the figures stay a line of their own.
            funds = [e for e in self._placed if e.whole is None and e.line is not None and not e.first.batch
                     and e is not entity]
            if entity.whole is None and len({id(e.line) for e in funds}) == 1:
                return funds[0].line
            named = [p for p in self.lines if p.name == entity.name]
            return named[0] if len(named) == 1 else None
        exact = [p for p in self.lines if p.name == entity.name]
        if len(exact) == 1:
            return exact[0]
        loose = [p for p in siblings if len(entity.name) >= 4 and (entity.name in p.name or p.name in entity.name)]
        return loose[0] if len(loose) == 1 else None

    def _merge(self, line: ProjectLine, entity: Entity) -> bool:
        """Put an entity's figures on the line it names again; False when they are another slice
        of it (the same name with other amounts: a batch's share of a source)."""
        for m in entity.mentions:
            if m.kind == Q.MONEY and m.weak:
                same = next((f for f in MONEY_FIELDS if (v := getattr(line, f)) and v.wan == m.fact.wan), None)
                m.role = same or m.role
        for role, m in entity.money().items():
            present = getattr(line, role)
            if present is not None and present.wan != m.fact.wan:
                return False
        for m in entity.mentions:
            self._put(line, m)
        return True

    def _new_line(self, entity: Entity) -> ProjectLine:
        first = entity.first
        group = entity.whole.line.name if entity.whole is not None and entity.whole.line is not None else ""
        name = entity.name
        para = entity.reading.para
        start = max(0, para.text.find(entity.name, first.clause_start)) if entity.name else first.start
        told = [m for m in entity.reading.mentions if m.paren != "aside"]
        marker = entity.reading.marker if told and told[0] is first else ""
        marker = marker if family(marker) in ("digit", "paren", "circled") else ""  # 一、（一） are sections
        line = ProjectLine(group=group, seq=marker.strip("()、.") if marker else "",
                           name=name, span=para.span(start, start + max(1, len(entity.name))),
                           sentence=para.raw, source="prose")
        for m in entity.mentions:
            self._put(line, m)
        self.lines.append(line)
        self.report.projects.append(line)
        return line

    def _put(self, line: ProjectLine, m: Mention) -> None:
        role = m.role if m.kind == Q.MONEY else (m.role if m.role in RATE_ROLES else "")
        if m.kind == Q.PERCENT and m.role == "completion" and not m.of_previous:
            role = "stated_completion"
        if not role or role not in line.__dataclass_fields__:
            return
        present = getattr(line, role)
        if present is None:
            setattr(line, role, replace(m.fact, field=m.fact.field or ""))
            self.used.add(id(m))
        elif present.value == m.quantity.value:
            self.used.add(id(m))

    # ---- lists below an intro --------------------------------------------------------------

    def _open_intro(self, reading: Reading) -> None:
        last = len(reading.sentences) - 1
        found = self.entities(reading, last)
        money = [self._known(e) for e in found if e.money()]
        counts = [m for m in reading.mentions if m.sentence == last and m.kind == Q.COUNT
                  and m.quantity.unit in self.lex.items and m.paren != "aside"]
        whole = next((e for e in money if e.whole is None), None)
        self.intro = Intro(whole, counts[0] if counts else None)

    def _item(self, reading: Reading) -> None:
        mentions = [m for m in reading.mentions if m.paren != "aside" and m.kind != Q.SCORE]
        name = reading.heading or next((m.subject for m in mentions if m.subject), "") or (
            mentions[0].phrase if mentions else MARKER.sub("", reading.para.text)[:20])
        entity = Entity(name, False, reading, [m for m in mentions if m.kind in (Q.MONEY, Q.PERCENT)])
        self.intro.items.append(entity)
        if not any(m.kind == Q.MONEY for m in entity.mentions):
            return
        if self.intro.whole is not None:
            self._inherit(self.intro.whole, [entity])
            entity.whole = self.intro.whole
        self._place([entity])
        self._rates(reading, None)

    def _close_intro(self) -> None:
        intro, self.intro = self.intro, None
        if intro is None or not intro.items:
            return
        items = intro.items
        if intro.count is not None:
            relation = Relation("count", f"{_count_label(intro.count)}", intro.count.fact,
                                [Term(e.name, None, e.reading.para.span(0, 1)) for e in items],
                                stated_sentence(intro.count), "", True, "", self._open_ended(items))
            self.report.relations.append(relation)
            self.used.add(id(intro.count))
        whole = intro.whole
        money_items = [e for e in items if e.money()]
        if whole is None or not money_items:
            return
        for role, stated in whole.money().items():
            terms = [(e, e.money().get(role)) for e in money_items]
            if any(t for _, t in terms):
                self._relation("sum", whole.name, stated, terms, role, money_items)
        self._grouping(whole, money_items)

    def _grouping(self, whole: Entity, items: list[Entity]) -> None:
        """A whole's 其中 parts, each the sum of consecutive items of the list below."""
        parts = [p for p in self._placed if p.whole is whole and p.money() and p not in items]
        if len(parts) < 2 or len(items) <= len(parts):
            return
        for role in whole.money():
            values = [p.money().get(role) for p in parts]
            amounts = [e.money().get(role) for e in items]
            if None in values or None in amounts:
                continue
            groups, at = [], 0
            for value in values:
                start, total = at, 0
                while at < len(amounts) and total < value.fact.wan:
                    total += amounts[at].fact.wan
                    at += 1
                if total != value.fact.wan:
                    break
                groups.append(items[start:at])
            if len(groups) == len(parts) and at == len(items):
                for part, group in zip(parts, groups):
                    terms = [(e, e.money()[role]) for e in group]
                    self._relation("sum", part.name, part.money()[role], terms, role, group)

    def _cross_tables(self) -> None:
        """One whole broken down two ways (by source, by batch) with some batches split by
        source: each source's total is its shares in the split batches plus what the one
        unsplit batch has left for it ("中央226.7 = 38（12月）+ 188.7（8月，推算）")."""
        sums = [r for r in self.report.relations if r.kind == "sum" and r.complete and r.stated.is_money]
        for by_source in sums:
            names = {t.name for t in by_source.terms}
            for by_batch in sums:
                if by_batch is by_source or by_batch.stated is not by_source.stated:
                    continue
                splits = {t.name: r for t in by_batch.terms for r in sums
                          if r.stated is t.fact and {x.name for x in r.terms} <= names}
                unsplit = [t for t in by_batch.terms if t.name not in splits]
                if not splits or len(unsplit) != 1 or not names.isdisjoint(t.name for t in by_batch.terms):
                    continue
                self._cross(by_source, list(splits.values()), unsplit[0])

    def _cross(self, by_source: Relation, splits: list[Relation], unsplit: Term) -> None:
        known = {t.name: [x for r in splits for x in r.terms if x.name == t.name] for t in by_source.terms}
        left = {t.name: t.fact.wan - sum((x.fact.wan for x in known[t.name]), Decimal(0)) for t in by_source.terms}
        for term in by_source.terms:
            others = sum((v for name, v in left.items() if name != term.name), Decimal(0))
            share = unsplit.fact.wan - others
            decimals = max(x.fact.decimals for x in [*by_source.terms, unsplit])
            fact = Fact(share, "万元", decimals, f"{share.normalize():f}万元（推算）", unsplit.fact.span)
            terms = [*known[term.name], Term(f"{unsplit.name}（按余额推算）", fact, unsplit.span, inferred=True)]
            relation = Relation("sum", f"{term.name}（按批次）", term.fact, terms, by_source.sentence, by_source.field)
            if not any(_same_relation(relation, r) for r in self.report.relations):
                self.report.relations.append(relation)

    # ---- batches, counts and rates ---------------------------------------------------------

    def _dated_batches(self, reading: Reading) -> None:
        """Allocations told batch by batch ("2022年12月…下达…；2023年8月…又下达…") add up to the
        whole of the same words."""
        batches = [e for e in self._placed if e.reading is reading and e.first.dated and e.whole is None
                   and e.line is not None]
        if len(batches) < 2:
            return
        role = next(iter(batches[0].money()))
        if any(next(iter(b.money()), None) != role for b in batches):
            return
        words = batches[0].first.subject or batches[0].first.phrase
        whole = next((e for e in self._placed if e.line is not None and e not in batches and e.whole is None
                      and role in e.money() and (e.first.subject or e.first.phrase) == words), None)
        if whole is None and self.main is not None and role in self.main.money() and self.main not in batches:
            whole = self.main
        if whole is not None:
            terms = [(b, b.money()[role]) for b in batches]
            self._relation("sum", whole.name, whole.money()[role], terms, role, batches)

    def _enumerated_counts(self, reading: Reading, index: int) -> None:
        """"A、B、C共3项", "分为A和B两类", "只有一个项目，即A": a count and the names it counts."""
        text = reading.para.text
        for m in reading.mentions:
            if m.sentence != index or m.kind != Q.COUNT or m.paren == "aside" or m.role == "target":
                continue
            before = text[max([0, *(i + 1 for i in range(m.start) if text[i] in ",，:：;；。")]):m.start]
            after = re.match(r"[\u4e00-\u9fff]{0,4}[,，]?(?:即|为|是)[:：]?([^,，。;；]+)", text[m.quantity.end:])
            names: list[str] = []
            etc = False
            listed = _LISTING.search(before)
            enumeration = _ENUMERATION.search(before[listed.end():] if listed else before)
            if enumeration and (listed or ("、" in enumeration["names"] and (enumeration["etc"] or enumeration["sum"]))):
                names = [n for n in re.split(r"[、和及与]", enumeration["names"]) if n.strip()]
                etc = bool(enumeration["etc"])
            elif after is not None:
                names = [n for n in re.split(r"[、和及与]", after.group(1)) if n.strip()]
                etc = after.group(1).endswith("等")
            if len(names) < 1 or len(names) == 1 and after is None:
                continue
            span = reading.para.span(m.start, m.quantity.end)
            label = _count_label(m, "、".join(n.strip() for n in names[:3]) + ("等" if len(names) > 3 else ""))
            self.report.relations.append(Relation(
                "count", label, m.fact, [Term(n.strip(), None, span) for n in names],
                stated_sentence(m), "", not etc, "列举以“等”结尾，未列全" if etc else ""))
            self.used.add(id(m))

    def _rates(self, reading: Reading, index: int | None) -> None:
        """A completion rate beside what was done and what was planned ("培训2399人，完成目标
        任务数2000人的120%")."""
        mentions = [m for m in reading.mentions if (index is None or m.sentence == index) and m.paren != "aside"]
        for position, m in enumerate(mentions):
            if m.kind != Q.PERCENT or m.role != "completion":
                continue
            earlier = [x for x in mentions[:position] if x.kind == Q.COUNT and x.segment == m.segment]
            if m.of_previous and earlier:
                denominator = earlier[-1]
                same = [x for x in earlier[:-1] if x.quantity.unit == denominator.quantity.unit]
                numerator = same[-1] if same else None
            else:
                done = [x for x in earlier if x.role == "count"]
                numerator = done[-1] if done else None
                denominator = None
                if numerator is not None:
                    unit = numerator.quantity.unit
                    planned = {x.quantity.value: x for x in self.targets if x.quantity.unit == unit}
                    denominator = next(iter(planned.values())) if len(planned) == 1 else None
            if numerator is None or denominator is None:
                continue
            label = f"{numerator.subject or numerator.phrase}{m.fact.field or '完成率'}"
            self.report.relations.append(Relation(
                "rate", label, m.fact, [Term(numerator.subject or numerator.phrase, numerator.fact, numerator.fact.span),
                                        Term(denominator.subject or denominator.phrase, denominator.fact,
                                             denominator.fact.span)],
                stated_sentence(m)))
            self.used.update({id(m), id(numerator), id(denominator)})

    def _unused(self, readings: list[Reading]) -> None:
        for reading in readings:
            for index, (start, end) in enumerate(reading.sentences):
                left = [m for m in reading.mentions if m.sentence == index and m.kind == Q.MONEY
                        and m.paren != "aside" and id(m) not in self.used]
                if left:
                    para = reading.para
                    self.report.unused.append(Unused(para.text[start:end].strip(), tuple(m.fact.text for m in left),
                                                     para.span(left[0].start, left[0].quantity.end)))


def _same_family(a: str, b: str, lex: Lexicon) -> bool:
    return a == b or a in lex.items and b in lex.items


def _same_relation(a: Relation, b: Relation) -> bool:
    return (a.kind, a.field, a.stated.value, [t.fact.value if t.fact else None for t in a.terms]) == \
        (b.kind, b.field, b.stated.value, [t.fact.value if t.fact else None for t in b.terms])


def _count_label(m: Mention, names: str = "") -> str:
    """"项目数" for "共4个项目"; else the names counted, or the words before the count."""
    after = re.match(r"(?:个|项)?([\u4e00-\u9fff]{0,6}?(?:项目|任务|指标|政策))", m.context_after)
    if after:
        return after.group(1) + "数"
    if names:
        return f"{names} 个数"
    return (m.subject or m.phrase or "列举项") + "数"


def stated_sentence(m: Mention) -> str:
    return m.context
