"""Mentions → project lines and relations: wholes and their parts, lists below an intro, over a document."""

from __future__ import annotations

import re
from dataclasses import replace

from extract import quantities as Q
from extract.entities import Entity, Intro, count_label, family, same_family, same_relation, stated_sentence
from extract.model import MONEY_FIELDS, ProjectLine, Relation, Report, Term, Unused
from extract.prose import MARKER, Lexicon, Mention, Reading
from extract.relate_figures import FigureRelations
from extract.tables import Table

RATE_ROLES = ("stated_rate", "arrival_rate")


class Reader(FigureRelations):
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
            if all(t and same_family(t.quantity.unit, stated[0].quantity.unit, self.lex) for _, t in terms):
                self._relation("sum", label, stated[0], terms, "", parts)
        self._shares(whole, parts)
        self._by_category(parts)
        if closing or not whole.whole:
            self.current = whole

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
        if any(same_relation(relation, r) for r in self.report.relations):
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
            relation = Relation("count", f"{count_label(intro.count)}", intro.count.fact,
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

    # ---- batches, counts and rates ---------------------------------------------------------

    def _unused(self, readings: list[Reading]) -> None:
        for reading in readings:
            for index, (start, end) in enumerate(reading.sentences):
                left = [m for m in reading.mentions if m.sentence == index and m.kind == Q.MONEY
                        and m.paren != "aside" and id(m) not in self.used]
                if left:
                    para = reading.para
                    self.report.unused.append(Unused(para.text[start:end].strip(), tuple(m.fact.text for m in left),
                                                     para.span(left[0].start, left[0].quantity.end)))
