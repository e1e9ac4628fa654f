"""Numbers as printed: Arabic with separators, and Chinese numerals in counts."""

from __future__ import annotations

import re
from decimal import Decimal

# After normalisation digits are ASCII; a thousands separator is "," between groups of 3.
NUMBER = r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])"
NUMBER_RE = re.compile(NUMBER)

CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
                  "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
CHINESE_NUMERAL = "[零〇一二两三四五六七八九十百千]+"


def parse_number(text: str) -> tuple[Decimal, int]:
    """The exact value and the count of written decimals of a printed Arabic number."""
    digits = text.replace(",", "")
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    return Decimal(digits), decimals


def parse_chinese_numeral(text: str) -> int:
    """十一 → 11, 二十 → 20, 一百零五 → 105, 三 → 3; digits alone (一二) read positionally."""
    if not text or any(c not in CHINESE_DIGITS and c not in CHINESE_UNITS for c in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if not any(c in CHINESE_UNITS for c in text):
        return int("".join(str(CHINESE_DIGITS[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[c]
        else:
            total += (1 if digit is None else digit) * CHINESE_UNITS[c]
            digit = None
    return total + (digit or 0)


def parse_count(text: str) -> int:
    """A count written in Arabic or Chinese numerals."""
    return int(text) if text.isdigit() else parse_chinese_numeral(text)
