"""Re-flow printed lines into paragraphs across line wraps and page breaks."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from statistics import median

from extract.lines import Char, Line
from extract.model import Span
from extract.normalize import normalize

# A paragraph that ends a sentence; a new line starting with a list marker after it
# begins a new paragraph even without an indent.
_SENTENCE_END = re.compile(r"[。：:；;！!？?]\s*$")
_MARKER = re.compile(
    r"^\s*([一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d+(?:、|[.．](?!\d))"
    r"|[(（]\d+[)）]|[①-⑳])"
)


@dataclass(slots=True)
class Paragraph:
    """The printed lines of one paragraph, with their normalised text and the map back to
    each character (the lines keep the characters: extract/lines.py)."""

    lines: list[Line]
    centered: bool = False
    raw: str = field(init=False)
    text: str = field(init=False)
    _src: array = field(init=False, repr=False)  # text index -> character index
    _first: list[int] = field(init=False, repr=False)  # line index -> its first character's index

    def __post_init__(self) -> None:
        self.raw = "".join(line.text for line in self.lines)
        self._first = list(accumulate((line.count for line in self.lines[:-1]), initial=0))
        count = self._first[-1] + self.lines[-1].count if self.lines else 0
        # A character's text is normally one character; expand the rare ligature safely.
        if len(self.raw) == count:
            expanded = range(count)
        else:
            expanded = [index for index in range(count) for _ in self._text_of(index)]
        text, src = normalize(self.raw)
        self.text = text
        self._src = array("I", (expanded[i] for i in src))

    @property
    def page(self) -> int:
        return self.lines[0].page

    @property
    def chars(self) -> list[Char]:
        return [c for line in self.lines for c in line.chars]

    def _line_of(self, index: int) -> int:
        """The line of the paragraph's index-th character."""
        return bisect_right(self._first, index) - 1

    def _char(self, index: int) -> Char:
        line = self._line_of(index)
        return self.lines[line].char(index - self._first[line])

    def _text_of(self, index: int) -> str:
        line = self._line_of(index)
        return self.lines[line].char_text(index - self._first[line])

    def span(self, start: int, end: int) -> Span:
        """Where text[start:end] is printed: its first character's line, page and box."""
        if not self.text:
            return Span(self.lines[0].page, (0.0, 0.0, 0.0, 0.0), self.lines[0].text)
        start = min(max(start, 0), len(self.text) - 1)
        end = max(min(end, len(self.text)), start + 1)
        first = self._src[start]
        line = self._line_of(first)
        on_line = [self._char(i) for i in self._src[start:end] if self._line_of(i) == line]
        box = (
            min(c.x0 for c in on_line),
            min(c.top for c in on_line),
            max(c.x1 for c in on_line),
            max(c.bottom for c in on_line),
        )
        return Span(self.lines[line].page, tuple(round(v, 2) for v in box), self.lines[line].text)

    def confidence(self, start: int, end: int) -> float:
        """OCR's lowest confidence among the characters behind text[start:end] (1 for text layers)."""
        return min((self._char(i).score for i in self._src[start:end]), default=1.0)

    def raw_slice(self, start: int, end: int) -> str:
        """The printed characters behind text[start:end], as printed."""
        if start >= end or not self.text:
            return ""
        first, last = self._src[start], self._src[min(end, len(self.text)) - 1]
        return "".join(self._text_of(i) for i in range(first, last + 1))


@dataclass(frozen=True, slots=True)
class Layout:
    """Each page's text margins and the body's line pitch, measured once per document."""

    left: dict[int, float]
    right: dict[int, float]
    pitch: float
    body_size: float = 10.0  # the usual font size of a line

    @classmethod
    def measure(cls, pages: list[list[Line]]) -> Layout:
        sizes = [line.size for lines in pages for line in lines if line.size]
        return cls(_left_margins(pages), _right_margins(pages), _line_pitch(pages), median(sizes) if sizes else 10.0)


def reflow(pages: list[list[Line]]) -> list[Paragraph]:
    """Join lines into paragraphs.

    A line starts a new paragraph when it is indented or centred, when the line
    before it stopped short although this line's first word would have fitted,
    when a wide vertical gap precedes it, or when it opens with a list marker
    right after a sentence end. Everything else continues the paragraph before it,
    across page breaks too.
    """
    return reflow_lines([line for lines in pages for line in lines], Layout.measure(pages))


def reflow_lines(body: list[Line], layout: Layout) -> list[Paragraph]:
    """Re-flow a run of lines (not interrupted by a table) with a document's layout."""
    if not body:
        return []
    left, right, pitch = layout.left, layout.right, layout.pitch
    paragraphs: list[Paragraph] = []
    current: list[Line] = []
    previous: Line | None = None
    for line in body:
        size = line.size or 10.0
        indented = line.x0 > left.get(line.page, line.x0) + 0.6 * size
        if previous is None or (_starts_paragraph(line, previous, indented, left, right, pitch)
                                and not _continues_title(line, previous, layout)):
            if current:
                paragraphs.append(_paragraph(current, left, right))
            current = []
        current.append(line)
        previous = line
    paragraphs.append(_paragraph(current, left, right))
    return paragraphs


def _starts_paragraph(line, previous, indented, left, right, pitch) -> bool:
    size = line.size or 10.0
    centered = _is_centered(line, left, right)
    if _is_centered(previous, left, right):
        # A title may wrap over several centred lines of one size; nothing else continues it.
        close = line.page == previous.page and line.top - previous.top < 2.5 * size
        return not (centered and close and abs(line.size - previous.size) < 0.5)
    if indented or centered:
        return True
    if right[previous.page] - previous.x1 > _first_word_width(line) + 0.5 * size:
        return True  # the line before stopped short although this line's first word would fit
    if line.page == previous.page and line.top - previous.top > 1.8 * pitch:
        return True
    return bool(_MARKER.match(line.text) and _SENTENCE_END.search(previous.text))


def _is_ideograph(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


# Punctuation that may not start a line (禁则): it drags the character before it along.
_NO_LINE_START = set("，。、；：！？）》」』】〕％%,.;:!?)]")


def _text_end(line: Line) -> float:
    """Where a line's text ends, not counting closing punctuation, which typesetters may hang
    past the margin (Word does for Chinese): such a line is full, not a character long."""
    end = line.count
    while end > 1 and (line.char_text(end - 1) in _NO_LINE_START or line.char_text(end - 1).isspace()):
        end -= 1
    return line.right_of(end - 1)


def _first_word_width(line: Line) -> float:
    """Width of what could not be split from the line's start: a run of digits, Latin
    letters and signs up to the first ideograph, or the first ideograph alone; either
    with the punctuation after it that may not start a line."""
    count, text = line.count, line.char_text
    end = 0
    while end < count and not _is_ideograph(text(end)) and not text(end).isspace():
        end += 1
    end = max(end, 1)
    while end < count and text(end) in _NO_LINE_START:
        end += 1
    return line.right_of(end - 1) - line.x0


def _continues_title(line: Line, previous: Line, layout: Layout) -> bool:
    """A long title fills its first line and centres the rest: a centred line in the same
    large type right under it continues it."""
    size = line.size or 10.0
    return (line.page == previous.page and abs(size - (previous.size or 0)) < 0.5
            and size >= 1.15 * layout.body_size and 0 < line.top - previous.top < 2.5 * size
            and _is_centered(line, layout.left, layout.right))


def _paragraph(lines: list[Line], left, right) -> Paragraph:
    centered = all(_is_centered(line, left, right) for line in lines)
    return Paragraph(lines, centered)


def _is_centered(line: Line, left, right) -> bool:
    size = line.size or 10.0
    lead = line.x0 - left[line.page]
    trail = right[line.page] - line.x1
    return lead > 2 * size and trail > 2 * size and abs(lead - trail) < max(size, 0.15 * (lead + trail))


def _left_margins(pages: list[list[Line]]) -> dict[int, float]:
    """Each page's left margin: its most common line start (the body's continuation lines)."""
    every = Counter(round(line.x0) for lines in pages for line in lines)
    fallback = min(every, key=lambda x: (-every[x], x)) if every else 0
    margins = {}
    for lines in pages:
        if not lines:
            continue
        starts = Counter(round(line.x0) for line in lines)
        best = min(starts, key=lambda x: (-starts[x], x))
        margin = best if len(lines) >= 6 else fallback
        # Continuation lines never start left of the margin; take the leftmost close one.
        close = [line.x0 for line in lines if abs(line.x0 - margin) <= 2]
        margins[lines[0].page] = min(close) if close else float(margin)  # geometry: points
    return margins


def _right_margins(pages: list[list[Line]]) -> dict[int, float]:
    """Each page's right text edge: where nine lines in ten end (the document's, for short pages)."""
    every = sorted(_text_end(line) for lines in pages for line in lines)
    fallback = every[int(len(every) * 0.9)] if every else 0.0
    margins = {}
    for lines in pages:
        if lines:
            ends = sorted(_text_end(line) for line in lines)
            margins[lines[0].page] = ends[int(len(ends) * 0.9)] if len(lines) >= 6 else fallback
    return margins


def _line_pitch(pages: list[list[Line]]) -> float:
    gaps = [
        b.top - a.top
        for lines in pages
        for a, b in zip(lines, lines[1:])
        if b.top > a.top
    ]
    return median(gaps) if gaps else 20.0
