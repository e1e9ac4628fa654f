"""The relations beyond wholes and parts: shares, grades against a table, regrouped lists, cross-tables,
batches, enumerated counts and completion rates (a mixin of extract.relate.Reader)."""

from __future__ import annotations

import re
from decimal import Decimal

from extract import quantities as Q
from extract.entities import Entity, count_label, same_relation, stated_sentence
from extract.model import Fact, Relation, Term
from extract.prose import Reading

_ENUMERATION = re.compile(r"(?P<names>[^,，。;；:：\d]+?(?:[、和及与][^,，。;；:：\d]+?)+)(?P<etc>等)?(?P<sum>共|共计|合计)?$")
_LISTING = re.compile(r"^.*?(?:分为|包括|包含|涉及)")
_QUOTED = re.compile(r"“([^”]{1,6})”")


class FigureRelations:
    """Methods of Reader that relate figures other than a whole to its parts; they use the
    Reader's report, lexicon, placed entities and used mentions."""

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
            if not any(same_relation(relation, r) for r in self.report.relations):
                self.report.relations.append(relation)

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
            label = count_label(m, "、".join(n.strip() for n in names[:3]) + ("等" if len(names) > 3 else ""))
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
