"""How figures, subjects and quotes are written for the reviewer (Chinese)."""

from __future__ import annotations

import re

from extract.model import Aggregate, Fact, ProjectLine
from reconcile.arithmetic import plain, show

FIELD_NAMES = {
    "budget": "预算数",
    "initial_budget": "年初预算数",
    "actual": "执行数",
    "stated_rate": "执行率",
    "stated_completion": "完成率",
    "remainder": "结余",
    "arrived": "到位数",
    "arrival_rate": "到位率",
    "declared_count": "项目数",
}


SOURCE_NAMES = {"prose": "正文", "table": "表格", "selfeval": "自评表", "funding": "自评表"}


def subject(item: ProjectLine | Aggregate) -> str:
    """"科协本级（6）唐山市总工会房屋租金", "唐山科技馆装修布展工程（自评表）" or "专项项目"."""
    if isinstance(item, ProjectLine):
        where = "" if item.source == "prose" else f"（{SOURCE_NAMES[item.source]}）"
        if item.seq:
            return f"{item.group}（{item.seq}）{item.name}{where}"
        return f"{item.group} / {item.name}{where}" if item.group else f"{item.name}{where}"
    return item.label


def field_word(fact: Fact | None, name: str) -> str:
    """The field as the report wrote it ("调整预算数"), else its plain name."""
    return fact.field if fact is not None and fact.field else FIELD_NAMES[name]


def places(*facts: Fact | None) -> int:
    """Decimals to show amounts of one relation in 万元: the finest any of them needs."""
    best = 0
    for fact in facts:
        if fact is None or not fact.is_money:
            continue
        digits = fact.decimals if fact.unit == "万元" else _fraction_digits(fact.wan)
        best = max(best, digits)
    return best


def _fraction_digits(value) -> int:
    text = plain(value)
    return len(text.split(".", 1)[1]) if "." in text else 0


def wan(value, decimals: int) -> str:
    return show(value, decimals)


def quote(sentence: str, fact_text: str, width: int = 36) -> str:
    """The sentence around a figure, cut to a readable window with ellipses."""
    sentence = re.sub(r"\s*\n\s*", "", sentence)
    at = sentence.find(fact_text) if fact_text else -1
    if at < 0:
        return sentence if len(sentence) <= 2 * width else sentence[: 2 * width] + "…"
    start = max(sentence.rfind("。", 0, at) + 1, 0)
    end = sentence.find("。", at)
    end = len(sentence) if end < 0 else end + 1
    if end - start <= 2 * width:
        return sentence[start:end].strip()
    left = max(start, at - width)
    right = min(end, at + len(fact_text) + width)
    return ("…" if left > start else "") + sentence[left:right].strip() + ("…" if right < end else "")
