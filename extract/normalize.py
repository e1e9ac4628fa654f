"""Normalise printed text while keeping, for every character, the index of its source."""

from __future__ import annotations

# Full-width ASCII forms (U+FF01–FF5E) fold to ASCII, except the Chinese comma and
# semicolon, which stay clause separators and must not be read as thousands separators.
_KEEP_WIDE = {"，", "；"}
_EXTRA = {"\u3000": " ", "﹪": "%", "。": "。", "\u00a0": " "}
_DROP = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"}


def fold(ch: str) -> str:
    """One character's normal form (full-width digits, letters and signs to ASCII)."""
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E and ch not in _KEEP_WIDE:
        return chr(code - 0xFEE0)
    return _EXTRA.get(ch, ch)


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def normalize(raw: str) -> tuple[str, list[int]]:
    """Fold widths and drop spaces that PDF extraction inserts.

    A space survives only between two ASCII letters or digits ("Word 2016", "1 234");
    between Chinese and digits ("4795.32 万元", "2023 年度") it goes. Returns the text
    and, for each of its characters, the index of the raw character it came from.
    """
    out: list[str] = []
    src: list[int] = []
    pending_space: int | None = None
    for i, ch in enumerate(raw):
        if ch in _DROP:
            continue
        ch = fold(ch)
        if ch.isspace():
            if out and pending_space is None:
                pending_space = i
            continue
        if pending_space is not None:
            if _is_word(out[-1]) and _is_word(ch):
                out.append(" ")
                src.append(pending_space)
            pending_space = None
        out.append(ch)
        src.append(i)
    return "".join(out), src
