"""Prose sentences → mentions: every quantity with its role (budget, paid…) and its subject."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from extract import quantities as Q
from extract.model import Fact
from extract.paragraphs import Paragraph

SENTENCE_END = "。!?！？"
SEGMENT_END = ";；"
CLAUSE_END = ",，:：、"
MARKER = re.compile(r"^(?:[①-⑳]|\(\d{1,2}\)|\d{1,2}(?=[\u4e00-\u9fff])|\d{1,2}、|\d{1,2}[.．](?!\d)"
                    r"|\d{1,2}[.．](?=(?:19|20)\d{2}年)|[一二三四五六七八九十]+、"
                    r"|\([一二三四五六七八九十]+\))")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔(?:19|20)\d{2}〕\d+号")
_JOINERS = re.compile(r"^[为是达到了共获计:：\s]+|[为是达的了共:：\s]+$")
_CONNECTORS = re.compile(r"^(?:[,，、:：;；]|以及|和|及|与|并|又|另有|另|其中|包括|分别为|共获|获|合计|共计|总计|共)+")


@dataclass(frozen=True)
class Lexicon:
    """The [prose] data of patterns.toml, compiled."""

    roles: dict[str, tuple[str, ...]]  # money role → words
    weak_actual: tuple[str, ...]
    rates: dict[str, tuple[str, ...]]  # stated_rate | arrival_rate | completion → words
    target: tuple[str, ...]
    change: tuple[str, ...]
    zero: dict[str, tuple[str, ...]]
    breakdown: tuple[str, ...]
    regroup: tuple[re.Pattern, ...]
    total: tuple[str, ...]
    partial: tuple[str, ...]
    intro_end: tuple[re.Pattern, ...]
    generic: tuple[str, ...]
    actors: tuple[re.Pattern, ...]
    agents: tuple[re.Pattern, ...]
    stops: tuple[str, ...]
    verbs: tuple[str, ...]
    dates: tuple[re.Pattern, ...]
    department: tuple[str, ...]
    not_roles: tuple[str, ...]
    items: tuple[str, ...]
    counts: tuple[str, ...]
    additive_percent: tuple[str, ...]

    @classmethod
    def of(cls, data: dict) -> Lexicon:
        prose = data["prose"]
        roles, cues, subjects, units = prose["roles"], prose["cues"], prose["subjects"], prose["units"]

        def words(values) -> tuple[str, ...]:
            return tuple(sorted(values, key=len, reverse=True))

        return cls(
            roles={k: words(roles[k]) for k in ("budget", "initial_budget", "arrived", "actual", "remainder")},
            weak_actual=words(roles["weak_actual"]),
            rates={k: words(roles[k]) for k in ("stated_rate", "arrival_rate", "completion")},
            target=words(roles["target"]),
            change=words(roles["change"]),
            zero={k: words(v) for k, v in prose["zero"].items()},
            breakdown=words(cues["breakdown"]),
            regroup=tuple(re.compile(p) for p in cues["regroup"]),
            total=words(cues["total"]),
            partial=words(cues["partial"]),
            intro_end=tuple(re.compile(p) for p in cues["intro_end"]),
            generic=words(subjects["generic"]),
            actors=tuple(re.compile(p) for p in subjects["actors"]),
            agents=tuple(re.compile(p) for p in subjects["agents"]),
            stops=words(subjects["stops"]),
            verbs=words(subjects["verbs"]),
            dates=tuple(re.compile(p) for p in subjects["dates"]),
            department=words(subjects["department"]),
            not_roles=words(subjects["not_roles"]),
            items=tuple(units["items"]),
            counts=tuple(units["items"]) + tuple(units["counts"]),
            additive_percent=tuple(units["additive_percent"]),
        )

    def unrole(self, text: str) -> str:
        """The text with titles, document numbers and words that only contain a role word
        (转移支付, 集中支付) blanked, so that no role is read from them."""
        out = _blank(text, Q.opaque_spans(text))
        for word in self.not_roles:
            out = out.replace(word, " " * len(word))
        return out

    @cached_property
    def role_words(self) -> list[tuple[str, str]]:
        """(word, role) for every money role word, longest first."""
        pairs = [(w, r) for r, ws in self.roles.items() for w in ws] + [(w, "weak_actual") for w in self.weak_actual] \
            + [(w, "change") for w in self.change]
        return sorted(pairs, key=lambda p: len(p[0]), reverse=True)

    @cached_property
    def rate_words(self) -> list[tuple[str, str]]:
        pairs = [(w, r) for r, ws in self.rates.items() for w in ws]
        return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


@dataclass(slots=True)
class Mention:
    """One quantity of a paragraph with what the words around it say of it."""

    quantity: Q.Quantity
    fact: Fact
    role: str  # a money field, a rate field, "count", "target", "score", or "" (to be inherited)
    strong: bool  # the role comes from an explicit role word next to the figure
    subject: str  # what the figure is about, "" when the words name nothing
    phrase: str  # the words before the figure in its clause, cleaned: a name when nothing better
    sentence: int
    segment: int
    clause_start: int
    paren: str = ""  # "" outside parentheses; "parts" inside (其中：…); "aside" inside others
    total_word: bool = False  # 合计 / 共计 right before the figure
    dated: bool = False  # its clause opens with a date (a batch)
    cue: str = ""  # a breakdown cue between the previous mention and this one
    partial: bool = False  # the cue opens a list of examples (主要, 部分 …)
    context: str = ""  # the paragraph as printed, for quotes
    context_after: str = ""  # the words right after the figure
    context_before: str = ""  # the words between the figure before it and this one
    batch: str = ""  # the date that opens its segment when it names a month ("2022年12月")
    of_previous: bool = False  # a rate of the quantity just before it ("…2000人的120%")
    later: bool = False  # its role and subject come after it ("将141.8万补助资金全部发放")
    between: str = ""  # the words between its role word and the figure ("下达补助资金…" → 补助资金)
    weak: bool = False  # the role comes from a noun's head ("项目支出"), not a role word

    @property
    def kind(self) -> str:
        return self.quantity.kind

    @property
    def start(self) -> int:
        return self.quantity.start


@dataclass(slots=True)
class Reading:
    """A paragraph's mentions, and where its sentences and segments are."""

    para: Paragraph
    mentions: list[Mention]
    sentences: list[tuple[int, int]]
    marker: str = ""  # a list marker opening the paragraph
    heading: str = ""  # the item's name before its first ":" or "。" when it has one
    intro: bool = False  # the paragraph introduces a list below it
    regroup: list[int] = field(default_factory=list)  # sentences opened by 按…分 / 分项目看
    colon: list[int] = field(default_factory=list)  # sentences opened by a short label and a colon


def _bounds(text: str, stops: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in stops:
            out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return out


def _paren_map(text: str) -> list[tuple[int, int]]:
    """Spans of the outermost parentheses."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def read(para: Paragraph, lex: Lexicon) -> Reading:
    text = para.text
    sentences = _bounds(text, SENTENCE_END)
    segments = _bounds(text, SENTENCE_END + SEGMENT_END)
    parens = _paren_map(text)
    opaque = Q.opaque_spans(text)
    marker = MARKER.match(text)
    reading = Reading(para, [], sentences, marker.group(0) if marker else "")
    body = marker.end() if marker else 0
    head = re.match(r"[^。;；:：]{2,50}?[:：]", text[body:]) or re.match(r"[^,，。;；:：]{2,30}?。", text[body:])
    if marker and head and not any(ch.isdigit() for ch in head.group(0)):
        reading.heading = head.group(0)[:-1].strip()
    reading.intro = any(p.search(text) for p in lex.intro_end)
    for index, (start, end) in enumerate(sentences):
        bare = text[body:end] if marker and start == 0 else text[start:end].lstrip()
        if any(p.match(bare) for p in lex.regroup):
            reading.regroup.append(index)
        elif re.match(r"^[^,，;；\d]{2,14}[:：]", bare):
            reading.colon.append(index)  # "各项目情况：①…；②…" — parts only if it lists several
    quantities = Q.find(text, lex.counts, lex.zero)
    previous_end = 0
    for quantity in quantities:
        s_index = next(i for i, (a, b) in enumerate(sentences) if a <= quantity.start < b)
        g_index = next(i for i, (a, b) in enumerate(segments) if a <= quantity.start < b)
        clause = max([segments[g_index][0], previous_end, *(i + 1 for i in range(segments[g_index][0], quantity.start)
                                                           if text[i] in CLAUSE_END and not _in(i, opaque))])
        mention = _mention(para, quantity, lex, clause, max(previous_end, segments[g_index][0]), s_index, g_index)
        mention.paren = _paren_kind(text, quantity.start, parens, lex)
        mention.context = para.raw
        mention.context_after = text[quantity.end:quantity.end + 12]
        mention.context_before = text[previous_end:quantity.start].lstrip(",，、 ")
        if mention.paren:
            mention.dated, mention.batch = False, ""
        told = [m for m in reading.mentions if m.paren != "aside" or m.kind == Q.MONEY]
        first_in_segment = not told or told[-1].segment != g_index
        lead = text[segments[g_index][0]:clause]
        if not mention.subject and first_in_segment and quantity.kind == Q.MONEY and lead \
                and not re.search(r"\d{2,}", re.sub(r"(?:19|20)\d{2}年度?", "", MARKER.sub("", lead))):
            # a name clause (a year may stand in it), not a standard ("补助标准为1000-2000元/人")
            mention.subject = _subject_before(lead, len(lead), lex)
        reading.mentions.append(mention)
        if mention.paren != "aside" or quantity.kind == Q.MONEY:
            previous_end = quantity.end  # but "地质灾害防治（二期）10万元": a count aside is part of the name
    return reading


def _in(position: int, spans) -> bool:
    return any(a <= position < b for a, b in spans)


def _paren_kind(text: str, position: int, parens, lex: Lexicon) -> str:
    for a, b in parens:
        if a < position < b:
            inner = text[a + 1:b].lstrip(":：")
            return "parts" if any(inner.startswith(c) for c in lex.breakdown) else "aside"
    return ""


def _mention(para: Paragraph, quantity: Q.Quantity, lex: Lexicon, clause: int, floor: int,
             sentence: int, segment: int) -> Mention:
    text = para.text
    fact = _fact(para, quantity)
    region_start = clause
    # A clause with nothing but "共计" before its figure takes its words from the clause before it.
    while True:
        region = text[region_start:quantity.start]
        if _meaningful(region, lex) or region_start <= floor:
            break
        before = max([floor, *(i + 1 for i in range(floor, region_start - 1) if text[i] in ",，:：")])
        region_start = before
    region = text[region_start:quantity.start]
    mention = Mention(quantity, fact, "", False, "", "", sentence, segment, clause)
    clause_words = text[clause:quantity.start].replace("公共", "")
    mention.total_word = any(w in clause_words for w in lex.total)
    opening = MARKER.sub("", text[floor_of_segment(text, quantity.start):quantity.start].lstrip(",，"))
    dated = next((m.group(0) for p in lex.dates if (m := p.match(opening)) and "月" in m.group(0)
                  and not re.match(r"(?:截至|截止|到|至)", m.group(0))), "")  # "截至12月31日" is no batch
    mention.dated, mention.batch = bool(dated), re.sub(r"^(?:截至|截止|到|至|于)", "", dated)
    mention.cue = next((c for c in lex.breakdown if c in text[floor:quantity.start]), "")
    mention.partial = any(text[floor:quantity.start].lstrip(",，:：").startswith(w) for w in lex.partial[:4])
    if quantity.zero:
        mention.role, mention.strong = quantity.zero, True
        mention.subject = _subject_before(region, len(region), lex)
    elif quantity.kind == Q.MONEY:
        _money(mention, region, text[quantity.end:], lex)
    elif quantity.kind == Q.PERCENT:
        rate = _nearest(region, lex.rate_words)
        mention.role, mention.strong = (rate[2], True) if rate else ("", False)
        if rate is None and text[floor:quantity.start] == "的":
            mention.role, mention.of_previous = "completion", True  # 完成目标任务2000人的120%
        if rate:
            mention.fact = replace(mention.fact, field=region[rate[0]:rate[1]])
        mention.subject = _subject_before(region, rate[0] if rate else len(region), lex)
    elif quantity.kind == Q.SCORE:
        mention.role = "score"
    else:
        target = _nearest(region, [(w, "target") for w in lex.target])
        after = text[quantity.end:quantity.end + 6]
        is_target = target is not None and target[1] >= len(region) - 4 or any(after.startswith(w) for w in lex.target)
        mention.role = "target" if is_target else "count"
        stop = target[0] if is_target and target is not None and target[1] >= len(region) - 4 else len(region)
        mention.subject = _subject_before(region, stop, lex)
    phrase = mention.between or _clean(region, lex, keep_roles=True)
    verb = next((v for v in lex.verbs if phrase.startswith(v) and len(phrase) > len(v) + 1), "")
    mention.phrase = phrase[len(verb):]
    return mention


def _meaningful(region: str, lex: Lexicon) -> bool:
    stripped = region
    for word in (*lex.total, *lex.breakdown):
        stripped = stripped.replace(word, "")
    return bool(re.sub(r"[\s,，:：、为是达的了()\d]", "", MARKER.sub("", stripped)))


def _nearest(region: str, words: list[tuple[str, str]]) -> tuple[int, int, str] | None:
    """The word of `words` that ends closest to the region's end: (start, end, role)."""
    best = None
    for word, role in words:
        at = region.rfind(word)
        if at < 0:
            continue
        end = at + len(word)
        if best is None or end > best[1] or end == best[1] and at < best[0]:
            best = (at, end, role)
    return best


def _money(mention: Mention, region: str, after: str, lex: Lexicon) -> None:
    found = _nearest(lex.unrole(region), lex.role_words)
    if found is None:
        tail = re.split(r"[,，。;；]", after, maxsplit=1)[0]
        later = _nearest(tail, lex.role_words)
        if "用于" in tail:
            mention.role = "actual"
            mention.subject = _subject_before(region, len(region), lex)
        elif later is not None and later[2] != "weak_actual" and not _meaningful_name(region, lex):
            mention.role, mention.later = later[2], True
            mention.subject = _subject_before(tail, later[0], lex)
        else:
            mention.subject = _subject_before(region, len(region), lex)
        return
    start, end, role = found
    mention.fact = replace(mention.fact, field=region[start:end])
    if role == "change":
        mention.role = "change"  # not an amount of anything, only a difference
        return
    if role == "weak_actual":
        mention.role, mention.weak = "actual", True
        subject = _clean(region, lex, keep_roles=True)
        # "项目支出" names a category; "安排的支出" or "支出" alone names nothing
        named = subject and not re.fullmatch(rf"(?:.*的)?(?:{'|'.join(lex.weak_actual)})", subject)
        # "项目累计支出", "当年实际支出": an adverb before the head makes it the fund's spending, not a category
        if named and _generic(subject, lex) and re.search(r"累计|实际|合计|共|总|已|全部|当年|全年", subject):
            named = False
        mention.subject = subject if named else ""
        return
    mention.role, mention.strong = role, True
    between = _clean(region[end:], lex)
    mention.subject = between if between and not _generic(between, lex) else _subject_before(region, start, lex)
    if between:
        mention.between = between


def _blank(text: str, spans) -> str:
    out = list(text)
    for a, b in spans:
        out[a:b] = " " * (b - a)
    return "".join(out)


def _subject_before(region: str, stop: int, lex: Lexicon) -> str:
    """The subject in region[:stop]: after the last role word there, without dates and actors."""
    head = region[:stop]
    for word in lex.stops:  # "邮电费用于支付劳务报酬": what follows a purpose is not the subject
        at = head.find(word)
        if at > 0:
            head = head[:at]
    last = _nearest(lex.unrole(head), lex.role_words)
    if last is not None and last[2] not in ("weak_actual", "change"):
        head = head[last[1]:]
    subject = _clean(head, lex)
    if len(subject) <= 1 or any(p.search(subject) for p in lex.agents):
        return ""  # one character left over ("已") names nothing
    return "" if _generic(subject, lex) else subject


def _meaningful_name(region: str, lex: Lexicon) -> bool:
    return bool(_subject_before(region, len(region), lex))


def floor_of_segment(text: str, position: int) -> int:
    """Where the segment (up to 。 or ；) holding `position` starts."""
    return max([0, *(i + 1 for i in range(position) if text[i] in SENTENCE_END + SEGMENT_END)])


def _clean(text: str, lex: Lexicon, keep_roles: bool = False) -> str:
    """A subject without its leading date, actor, marker and connectors, cut where a purpose
    or manner follows; a document number stands for the title around it."""
    number = DOC_NUMBER.search(text)
    if number:
        return number.group(0)
    text = text.strip()
    for _ in range(4):
        before = text
        text = MARKER.sub("", text).strip().lstrip("(（")
        text = _CONNECTORS.sub("", text).strip()
        text = next((text[len(c):] for c in lex.breakdown if text.startswith(c)), text).lstrip(":：")
        for pattern in (*lex.dates, *lex.actors):
            text = pattern.sub("", text).lstrip(",，、 ")
        if text == before:
            break
    text = re.sub(r"^[^,，:：]{0,10}[:：]", "", text)  # a lead-in ("分项目看：")
    text = MARKER.sub("", text).strip()
    for stop in lex.stops:
        at = text.find(stop)
        if at == 0:
            return ""  # a manner or a means ("通过农户一卡通将…"), no subject
        if at > 0:
            text = text[:at]
    text = re.sub(r"\([^)]*$", "", text)  # a parenthesis left open by the cut
    for word in lex.total:
        if text.endswith(word):
            text = text[: -len(word)]
            break
    return _JOINERS.sub("", text).strip(",，、:： ")


def _generic(subject: str, lex: Lexicon) -> bool:
    """Whether a subject names nothing: only generic words, role words and punctuation."""
    rest = subject
    for word, _ in lex.role_words:
        rest = rest.replace(word, "")
    for word in lex.generic:
        rest = rest.replace(word, "")
    return not re.sub(r"[\s,，、:：()\d.]", "", rest)


def generic(subject: str, lex: Lexicon) -> bool:
    return _generic(subject, lex)


def _fact(para: Paragraph, quantity: Q.Quantity) -> Fact:
    text = para.raw_slice(quantity.start, quantity.end) if not quantity.zero else para.raw_slice(
        quantity.start, quantity.end)
    return Fact(value=quantity.value, unit=quantity.unit, decimals=quantity.decimals, text=text,
                span=para.span(quantity.start, quantity.end), field="",
                confidence=para.confidence(quantity.start, quantity.end))
