"""Printed characters grouped into lines, and running headers and footers taken out."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from array import array
from dataclasses import dataclass
from statistics import median


@dataclass(frozen=True, slots=True)
class Char:
    """One printed character with its page and box (PDF points, top-left origin)."""

    text: str
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    score: float = 1.0  # OCR's confidence in the character; 1 for a text layer


class Line:
    """Characters that share a baseline on one page, left to right.

    A line keeps its characters' boxes in one array, not as Char objects: a 200-page report
    holds about 100,000 characters from reading until parsing, and a Char with its floats
    costs 150 bytes where four doubles cost 32 (issue 16: memory per page stays flat). Sizes
    and OCR scores are kept per character only when they vary along the line.
    `chars` and `char(i)` give Char objects back, built when asked for.
    """

    __slots__ = ("page", "page_width", "page_height", "text", "size", "count", "x0", "x1", "top", "bottom",
                 "_texts", "_boxes", "_sizes", "_scores")

    def __init__(self, page: int, chars: list[Char], page_width: float = 0.0, page_height: float = 0.0) -> None:
        self.page = page
        self.page_width = page_width
        self.page_height = page_height
        self.text = "".join(c.text for c in chars)
        self.count = len(chars)
        # Each character's text, kept apart only when one is not a single character (a ligature).
        self._texts = None if len(self.text) == len(chars) else tuple(c.text for c in chars)
        # from a list, so the array is allocated to size (extending it over-allocates by 1/8 or more)
        self._boxes = array("d", [v for c in chars for v in (c.x0, c.top, c.x1, c.bottom)])
        self._sizes = _uniform([c.size for c in chars])
        self._scores = _uniform([c.score for c in chars])
        sizes = [c.size for c in chars if not c.text.isspace()]
        self.size = median(sizes) if sizes else 0.0  # the median size of its printed characters (0 if blank)
        self.x0 = chars[0].x0 if chars else 0.0
        self.x1 = chars[-1].x1 if chars else 0.0
        self.top = min((c.top for c in chars), default=0.0)
        self.bottom = max((c.bottom for c in chars), default=0.0)

    def char_text(self, index: int) -> str:
        return self.text[index] if self._texts is None else self._texts[index]

    def char(self, index: int) -> Char:
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        x0, top, x1, bottom = self._boxes[4 * index : 4 * index + 4]
        size = self._sizes[index] if isinstance(self._sizes, array) else self._sizes
        score = self._scores[index] if isinstance(self._scores, array) else self._scores
        return Char(self.char_text(index), self.page, x0, top, x1, bottom, size, score)

    def left_of(self, index: int) -> float:
        return self._boxes[4 * (index % self.count)]

    def right_of(self, index: int) -> float:
        return self._boxes[4 * (index % self.count) + 2]

    @property
    def chars(self) -> list[Char]:
        return [self.char(i) for i in range(self.count)]

    def __repr__(self) -> str:
        return f"Line(page={self.page}, text={self.text!r}, x0={self.x0:.1f}, top={self.top:.1f})"


def _uniform(values: list[float]) -> float | array:
    """One value when all are the same, else all of them (font sizes, OCR scores: geometry and
    confidence, never money)."""
    if all(v == values[0] for v in values):
        return values[0] if values else 0.0
    return array("d", values)


def group_lines(chars: list[Char], page: int, width: float, height: float) -> list[Line]:
    """Cluster a page's characters into lines by vertical overlap; fill visible gaps with spaces."""
    rows: list[list[Char]] = []
    top = bottom = 0.0  # the extent of the last row's first three characters
    for ch in sorted(chars, key=lambda c: (c.top, c.x0)):
        middle = (ch.top + ch.bottom) / 2
        if rows and top <= middle <= bottom:
            last = rows[-1]
            last.append(ch)
            if len(last) <= 3:
                top, bottom = min(top, ch.top), max(bottom, ch.bottom)
            continue
        rows.append([ch])
        top, bottom = ch.top, ch.bottom
    lines = []
    for row in rows:
        row.sort(key=lambda c: c.x0)
        spaced: list[Char] = []
        for ch in row:
            if spaced and not ch.text.isspace() and not spaced[-1].text.isspace():
                prev = spaced[-1]
                if ch.x0 - prev.x1 > 0.3 * max(ch.size, 1.0):
                    spaced.append(Char(" ", page, prev.x1, prev.top, ch.x0, prev.bottom, prev.size))
            spaced.append(ch)
        if any(not c.text.isspace() for c in spaced):
            lines.append(Line(page, spaced, width, height))
    return lines


_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
# The shape of a line that is nothing but a page number: "- 3 -", "3", "第 3 页", "3/6".
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d+\s*(页)?(\s*[/／共]\s*\d+\s*页?)?[-—–\s]*$")


def _shape(text: str) -> str:
    return _DIGITS.sub("#", _SPACE.sub("", text))


def strip_running(pages: list[list[Line]], edge_lines: int = 2) -> list[list[Line]]:
    """Remove running headers, footers and page numbers by position and repetition.

    A line counts as running when it is among the first or last `edge_lines` of its
    page, stands apart from the body in the top or bottom sixth of the page, and the
    same shape (digits folded) stands at about the same height on at least half the
    pages (two at least).
    On a one-page document only a bare page number at the page's foot is removed.
    """
    pitch = _body_pitch(pages)
    candidates: dict[tuple[str, str, int], set[int]] = defaultdict(set)
    for index, lines in enumerate(pages):
        for where, line in _edge_lines(lines, edge_lines, pitch):
            candidates[(where, _shape(line.text), round(line.top / 4))].add(index)
    # Tolerate a few points of drift in height: merge neighbouring height buckets.
    counts: Counter[tuple[str, str, int]] = Counter()
    for (where, shape, bucket), found in candidates.items():
        for near in (bucket - 1, bucket, bucket + 1):
            counts[(where, shape, near)] += len(found)
    need = max(2, (len(pages) + 1) // 2)
    result = []
    for lines in pages:
        running = set()
        for where, line in _edge_lines(lines, edge_lines, pitch):
            key = (where, _shape(line.text), round(line.top / 4))
            repeated = len(pages) > 1 and counts[key] >= need
            lonely_number = len(pages) == 1 and where == "foot" and _PAGE_NUMBER.match(line.text)
            if repeated or lonely_number:
                running.add(id(line))
        result.append([ln for ln in lines if id(ln) not in running])
    return result


def _body_pitch(pages: list[list[Line]]) -> float:
    """The usual distance between two lines of a paragraph, over the whole document."""
    gaps = [b.top - a.top for lines in pages for a, b in zip(lines, lines[1:])
            if 0 < b.top - a.top < 3 * (a.size or 10.0)]
    return median(gaps) if gaps else 0.0


def _edge_lines(lines: list[Line], n: int, pitch: float):
    """The lines at a page's top and bottom that may be running headers or footers: the
    outermost line in the top or bottom sixth, and the next ones inward only while they
    stand apart from the body (further than a paragraph's line spacing), so a body line
    at the foot of a full page is never taken for a footer."""
    if not lines:
        return
    height = lines[0].page_height or max(ln.bottom for ln in lines)

    def apart(a: Line, b: Line) -> bool:
        return b.top - a.top > max(2.5 * (a.size or 10.0), 1.3 * pitch)

    for i, line in enumerate(lines[:n]):
        if line.top >= height / 6 or (i > 0 and not (i + 1 < len(lines) and apart(line, lines[i + 1]))):
            break
        yield "head", line
    for i in range(len(lines) - 1, max(len(lines) - 1 - n, -1), -1):
        line = lines[i]
        inner = len(lines) - 1 - i
        if line.bottom <= height * 5 / 6 or (inner > 0 and not (i > 0 and apart(lines[i - 1], line))):
            break
        yield "foot", line
