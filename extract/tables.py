"""Tables on the page: ruled ones found by pdfplumber, borderless ones by aligned gaps; cells keep their characters."""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.lines import Char, Line, group_lines
from extract.paragraphs import Paragraph

Box = tuple[float, float, float, float]


@dataclass(slots=True)
class Cell:
    """One cell's printed characters (a Paragraph: normalised text with the map back)."""

    para: Paragraph | None
    box: Box
    merged: bool = False  # filled from the cell it belongs to (a merged region)

    @property
    def text(self) -> str:
        return self.para.text if self.para else ""


@dataclass(slots=True)
class Table:
    """A grid of cells, row by row; may run over several pages once joined."""

    page: int
    bbox: Box
    rows: list[list[Cell]]
    ruled: bool = True
    pages: list[int] = field(default_factory=list)

    @property
    def columns(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows]


def _inside(ch: Char, box: Box) -> bool:
    x = (ch.x0 + ch.x1) / 2
    y = (ch.top + ch.bottom) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _cell(chars: list[Char], page: int, box: Box, width: float, height: float) -> Cell:
    own = [c for c in chars if _inside(c, box)]
    if not any(not c.text.isspace() for c in own):
        return Cell(None, box)
    lines = group_lines(own, page, width, height)
    return Cell(Paragraph(lines), box)


def grids_of(tables) -> list[list[list[Box | None]]]:
    """pdfplumber's tables (from `page.find_tables()` or a TableFinder) as grids: rows of cell
    boxes, None where a merged cell covers; a table of fewer than two rows or columns is none."""
    grids = []
    for table in tables:
        rows = [list(row.cells) for row in table.rows]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            grids.append(rows)
    return grids


def ruled_tables(grids: list[list[list[Box | None]]], chars: list[Char], page: int,
                 width: float, height: float) -> list[Table]:
    """Tables from pdfplumber's grids (rows of cell boxes, None where a merged cell covers).

    A covered position takes the cell it belongs to: the one to its left when that
    cell spans it, else the one above (a vertical merge).
    """
    tables = []
    for grid in grids:
        rows: list[list[Cell]] = []
        for r, boxes in enumerate(grid):
            row: list[Cell] = []
            for c, box in enumerate(boxes):
                if box is not None:
                    row.append(_cell(chars, page, box, width, height))
                    continue
                left = row[c - 1] if c > 0 else None
                above = rows[r - 1][c] if r > 0 and c < len(rows[r - 1]) else None
                if left is not None and _spans_right(left.box, grid, r, c):
                    row.append(Cell(left.para, left.box, merged=True))
                elif above is not None:
                    row.append(Cell(above.para, above.box, merged=True))
                else:
                    row.append(Cell(None, (0.0, 0.0, 0.0, 0.0), merged=True))
            rows.append(row)
        boxes = [b for row in grid for b in row if b is not None]
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        tables.append(Table(page, bbox, rows, True, [page]))
    return tables


def _spans_right(box: Box, grid, r: int, c: int) -> bool:
    """Whether a cell box reaches over column c of row r (a horizontal merge)."""
    starts = [b[0] for row in grid for b in row[c:c + 1] if b is not None]
    return bool(starts) and box[2] > min(starts) + 1


# ---- borderless tables -----------------------------------------------------------------------


def _segment_indices(line: Line) -> list[list[int]]:
    """A line cut where a gap wider than 1.5 characters separates its characters: each
    piece's character indices."""
    gap = 1.5 * (line.size or 10.0)
    parts: list[list[int]] = [[]]
    for i in range(line.count):
        if line.char_text(i).isspace():
            continue
        if parts[-1] and line.left_of(i) - line.right_of(parts[-1][-1]) > gap:
            parts.append([])
        parts[-1].append(i)
    return [p for p in parts if p]


def _segments(line: Line) -> list[list[Char]]:
    return [[line.char(i) for i in part] for part in _segment_indices(line)]


def borderless_tables(lines: list[Line], min_rows: int = 3, min_columns: int = 3) -> tuple[list[Line], list[Table]]:
    """Runs of lines that split at wide gaps, read as tables without rules.

    A run starts and ends with lines of at least `min_columns` gap-separated pieces
    (at most five other lines between two of them: wrapped cells), plus the lines
    hugging it above and below (a header or a cell on several lines). Columns part at
    the vertical white rivers that cross the whole run; lines closer than a line
    height apart form one row. Returns the lines not in a table, and the tables.
    """
    tables: list[Table] = []
    anchors = [i for i, line in enumerate(lines) if len(_segment_indices(line)) >= min_columns]
    used: set[int] = set()
    index = 0
    while index < len(anchors):
        first = last = anchors[index]
        while index + 1 < len(anchors) and anchors[index + 1] - last <= 6 \
                and lines[anchors[index + 1]].page == lines[first].page:
            index += 1
            last = anchors[index]
        index += 1
        while first > 0 and _hugs(lines[first - 1], lines[first]):
            first -= 1
        while last + 1 < len(lines) and _hugs(lines[last], lines[last + 1]):
            last += 1
        while first > 0 and _heads(lines[first - 1], lines[first:last + 1]):
            first -= 1
        table = _river_table(lines[first:last + 1], min_rows, min_columns)
        if table is not None:
            tables.append(table)
            used.update(range(first, last + 1))
    kept = [line for i, line in enumerate(lines) if i not in used]
    return kept, tables


def _heads(line: Line, run: list[Line]) -> bool:
    """A header line set a little apart above a table (as OCR gives it: "全年预算数(A) 全年执行数(B)"
    over the figures): on the same page, within two lines, every piece of it over a column
    of the table other than the first."""
    below = run[0]
    if line.page != below.page or below.top - line.top > 2 * (below.size or 10.0) or line.top >= below.top:
        return False
    pieces = _segments(line)
    spans = _columns(run)
    inner = [span for span in spans[1:] if span[0] > spans[0][1]]
    return len(pieces) >= 2 and all(any(p[0].x0 < b and p[-1].x1 > a for a, b in inner) for p in pieces)


def _hugs(upper: Line, lower: Line) -> bool:
    """Two lines of one table row: on one page, closer than a line height."""
    return upper.page == lower.page and lower.top - upper.top < 1.15 * (upper.size or 10.0)


# Rows whose label may span several columns (a merged 合计 cell), left out when finding columns.
SPANNING_LABELS = ("合计", "小计", "总计")


def _river_table(run: list[Line], min_rows: int, min_columns: int) -> Table | None:
    rows: list[list[Line]] = []
    for line in run:
        if rows and _hugs(rows[-1][-1], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    if len(rows) < min_rows:
        return None
    spanning = [row for row in rows if "".join(ln.text for ln in row).replace(" ", "").startswith(SPANNING_LABELS)]
    spans = _columns([line for row in rows if row not in spanning for line in row])
    if len(spans) < min_columns:
        return None
    spans = _merge_complementary(spans, rows)
    grid = [[_loose_cell(chars, row[0]) for chars in _split(row, spans)] for row in rows]
    page = run[0].page
    bbox = (spans[0][0], run[0].top, spans[-1][1], run[-1].bottom)
    return Table(page, bbox, grid, False, [page])


def _split(row: list[Line], spans: list[tuple[float, float]]) -> list[list[Char]]:
    cells: list[list[Char]] = [[] for _ in spans]
    for line in row:
        for ch in line.chars:
            if not ch.text.isspace():
                cells[_nearest(ch, spans)].append(ch)
    return cells


def _merge_complementary(spans: list[tuple[float, float]], rows: list[list[Line]]) -> list[tuple[float, float]]:
    """Join neighbouring columns that are never filled in the same row: a heading centred
    over a wide column and the left-aligned names under it are one column, not two."""
    while len(spans) > 1:
        filled = [{i for i, cell in enumerate(_split(row, spans)) if cell} for row in rows]
        for i in range(len(spans) - 1):
            a = {r for r, cols in enumerate(filled) if i in cols}
            b = {r for r, cols in enumerate(filled) if i + 1 in cols}
            if a and b and not a & b:
                spans = [*spans[:i], (spans[i][0], spans[i + 1][1]), *spans[i + 2:]]
                break
        else:
            return spans
    return spans


def _nearest(ch: Char, spans: list[tuple[float, float]]) -> int:
    """The column a character stands in, or the nearest one when it stands in a river."""
    x = (ch.x0 + ch.x1) / 2
    return min(range(len(spans)), key=lambda i: 0 if spans[i][0] <= x <= spans[i][1]
               else min(abs(x - spans[i][0]), abs(x - spans[i][1])))


def _columns(run: list[Line]) -> list[tuple[float, float]]:
    """Column extents: the x-intervals covered by characters, parted by rivers ≥ 2 pt wide."""
    intervals = sorted((c.x0, c.x1) for line in run for c in line.chars if not c.text.isspace())
    spans: list[tuple[float, float]] = []
    for x0, x1 in intervals:
        if spans and x0 < spans[-1][1] + 2:
            spans[-1] = (spans[-1][0], max(spans[-1][1], x1))
        else:
            spans.append((x0, x1))
    return spans


def _loose_cell(chars: list[Char], line: Line) -> Cell:
    if not chars:
        return Cell(None, (0.0, 0.0, 0.0, 0.0))
    cell_lines = group_lines(chars, line.page, line.page_width, line.page_height)
    box = (min(c.x0 for c in chars), min(c.top for c in chars), max(c.x1 for c in chars), max(c.bottom for c in chars))
    return Cell(Paragraph(cell_lines), box)


# ---- tables running over pages -----------------------------------------------------------------


def join_across_pages(first: Table, second: Table) -> Table | None:
    """`second` continued on the next page: same columns at the same places.

    A repeated header (the same first-row text) is dropped. Returns the joined table, or
    None when the two are different tables.
    """
    if second.page != first.pages[-1] + 1 or first.columns != second.columns:
        return None
    if abs(first.bbox[0] - second.bbox[0]) > 3 or abs(first.bbox[2] - second.bbox[2]) > 3:
        return None
    rows = second.rows
    if rows and [c.text for c in rows[0]] == [c.text for c in first.rows[0]]:
        rows = rows[1:]
    if rows:
        _continue_merges(first.rows[-1], rows)
    return Table(first.page, first.bbox, first.rows + rows, first.ruled, first.pages + [second.page])


def _continue_merges(last: list[Cell], rows: list[list[Cell]]) -> None:
    """A cell merged down over the page break comes back empty at the top of the next page:
    fill it, and the rows its box covers, from the cell it continues."""
    for column, above in enumerate(last):
        if column >= len(rows[0]) or not above.merged or above.para is None:
            continue
        box = rows[0][column].box
        if rows[0][column].para is not None:
            continue
        for row in rows:
            if column < len(row) and row[column].box == box and row[column].para is None:
                row[column] = Cell(above.para, box, merged=True)
