"""What one subject has in a sentence (an Entity), a list's intro, and the small helpers relating them share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract import quantities as Q
from extract.model import MONEY_FIELDS, ProjectLine, Relation
from extract.prose import Lexicon, Mention, Reading


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


def same_family(a: str, b: str, lex: Lexicon) -> bool:
    return a == b or a in lex.items and b in lex.items


def same_relation(a: Relation, b: Relation) -> bool:
    return (a.kind, a.field, a.stated.value, [t.fact.value if t.fact else None for t in a.terms]) == \
        (b.kind, b.field, b.stated.value, [t.fact.value if t.fact else None for t in b.terms])


def count_label(m: Mention, names: str = "") -> str:
    """"项目数" for "共4个项目"; else the names counted, or the words before the count."""
    after = re.match(r"(?:个|项)?([\u4e00-\u9fff]{0,6}?(?:项目|任务|指标|政策))", m.context_after)
    if after:
        return after.group(1) + "数"
    if names:
        return f"{names} 个数"
    return (m.subject or m.phrase or "列举项") + "数"


def stated_sentence(m: Mention) -> str:
    return m.context
