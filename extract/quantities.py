"""Every quantity a sentence states: money, percentages, counts, scores — not dates or document numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from extract.numbers import CHINESE_NUMERAL, NUMBER, parse_chinese_numeral, parse_number

MONEY, PERCENT, COUNT, SCORE = "money", "percent", "count", "score"

# Brackets whose numbers are never quantities: document numbers 〔2020〕90号, titles 《…》.
_OPAQUE = {"〔": "〕", "[": "]", "《": "》", "【": "】", "<": ">", "“": "”"}
# A number followed by these is a date, an ordinal, a document number or a word count.
_NOT_A_QUANTITY = tuple("年月日号时届岁周字页章条款倍级") + ("点",)
# A number after these is a standard per head ("按每生1000元"), not an amount.
_PER = re.compile(r"(?:每|[人户亩生]均|平均)[\u4e00-\u9fff]{0,4}$")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure in a text: where it stands, its value, unit and kind."""

    start: int
    end: int  # after the unit
    number_end: int
    value: Decimal
    decimals: int
    unit: str  # 元, 万元, 亿元, %, 分, or the count's unit (项, 人, 户…)
    kind: str  # money | percent | count | score
    zero: str = ""  # the role of a zero phrase ("尚未支付" → actual), else ""


@lru_cache(maxsize=4)
def _pattern(count_units: tuple[str, ...]) -> re.Pattern:
    counts = "|".join(map(re.escape, sorted(count_units, key=len, reverse=True)))
    return re.compile(
        rf"(?P<number>[-−]?{NUMBER})\s*(?P<unit>亿元|万元|元|万(?!(?:{counts}))|%|分(?![之钟类别配期批])|{counts})?"
    )


@lru_cache(maxsize=4)
def _chinese(count_units: tuple[str, ...]) -> re.Pattern:
    units = "|".join(map(re.escape, sorted(count_units, key=len, reverse=True)))
    return re.compile(rf"(?<![第统单唯])(?P<number>{CHINESE_NUMERAL})(?P<unit>{units})(?![性级月年日])")


def opaque_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside 〔〕, 《》, [], 【】 and quotes, where numbers are names, not quantities."""
    spans, stack = [], []
    for i, ch in enumerate(text):
        if stack and ch == _OPAQUE[text[stack[-1]]]:
            start = stack.pop()
            if not stack:
                spans.append((start, i + 1))
        elif ch in _OPAQUE:
            stack.append(i)
    return spans


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= position < b for a, b in spans)


def find(text: str, count_units: tuple[str, ...], zero: dict[str, tuple[str, ...]]) -> list[Quantity]:
    """Quantities in reading order. Numbers without a unit, dates, ordinals (第三批),
    document numbers and per-head standards (每生1000元) are left out."""
    opaque = opaque_spans(text)
    found: list[Quantity] = []
    for match in _pattern(count_units).finditer(text):
        unit = match["unit"]
        start, end = match.start(), match.end()
        if unit is None or _inside(start, opaque):
            continue
        if end < len(text) and text[end:end + 1] in _NOT_A_QUANTITY and unit in count_units:
            continue
        before = text[max(0, start - 8):start]
        if before.endswith("第") or _PER.search(before):
            continue
        if text[start] in "-−" and before[-1:].isdigit():
            continue  # the upper end of a range ("1000-2000元"), not a negative amount
        if re.match(r"[/／][\u4e00-\u9fff]", text[end:end + 2]):
            continue  # a rate per head ("2000元/人")
        if unit == "万" and end < len(text) and text[end] in _NOT_A_QUANTITY:
            continue
        value, decimals = parse_number(match["number"].replace("−", "-"))
        found.append(Quantity(start, end, match.end("number"), value, decimals, _unit(unit), _kind(unit)))
    for match in _chinese(count_units).finditer(text):
        if _inside(match.start(), opaque) or any(q.start <= match.start() < q.end for q in found):
            continue
        try:
            value = parse_chinese_numeral(match["number"])
        except ValueError:
            continue
        found.append(Quantity(match.start(), match.end(), match.end("number"), Decimal(value), 0,
                              match["unit"], COUNT))
    for role, phrases in zero.items():
        for phrase in sorted(phrases, key=len, reverse=True):
            for match in re.finditer(re.escape(phrase), text):
                if any(q.start <= match.start() < q.end for q in found):
                    continue
                found.append(Quantity(match.start(), match.end(), match.end(), Decimal(0), 0, "万元", MONEY, role))
    return sorted(found, key=lambda q: q.start)


def _unit(unit: str) -> str:
    return "万元" if unit == "万" else unit


def _kind(unit: str) -> str:
    if unit in ("亿元", "万元", "元", "万"):
        return MONEY
    if unit == "%":
        return PERCENT
    if unit == "分":
        return SCORE
    return COUNT
