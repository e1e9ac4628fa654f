"""The Excel workbook: findings, project lines, every check and the document, with Chinese headers."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from reconcile.reviews import DECISION_WORDS
from reconcile.text import width
from reconcile.view import (
    OUTCOME_WORDS, RELATION_WORDS, SEVERITY_WORDS, VERDICT_WORDS, build, members_text,
)

# A cell whose text starts with one of these may be taken for a formula by a spreadsheet
# (OWASP "CSV injection"); such text is stored as a string and marked quote-prefixed.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL = 32767  # characters Excel keeps in one cell
FILLS = {"error": "FDECEA", "warning": "FFF4E0", "info": "E8F1FB", "insufficient_data": "ECEFF3"}
HEADER_FILL = "DDE3EC"
FORMATS = {
    "money": "#,##0.00##",  # 万元: at least 2 decimals, up to 4 (amounts written in 元)
    "rate": "0.00",  # recomputed percentages; the cell holds 4 decimals
    "points": "0.0000",  # rate differences, in percentage points
    "number": "0.00##",
    "int": "0",
}
# Row heights: LibreOffice does not fit rows to wrapped text when it opens a workbook (Excel
# does only for rows it has not been told the height of), so each row's height is set from
# its wrapped cells: lines × LINE_HEIGHT, the lines estimated from the column's width.
LINE_HEIGHT = 15.0  # points a line of 11 pt text takes (the default row's height)
ROW_PADDING = 2.0  # points above and below the lines of a wrapped row
MAX_ROW_HEIGHT = 409.0  # Excel's limit; longer text is cut off on paper (the cell keeps it)
# Print: A4 landscape, the header row (and the row number when a row spans pages) on every
# page, a scale never below MIN_SCALE %: a wide sheet runs onto more pages instead.
A4_LANDSCAPE = (842.0, 595.0)  # points
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6, "header": 0.25, "footer": 0.3}  # inches
MIN_SCALE = 70
WIDTH_SLACK = 1.08  # columns print wider in some fonts (DejaVu Sans for Calibri): keep a margin


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text | wrap | int | money | rate | points | number | unit-number
    width: int = 0  # 0: fit the content (capped); wrapped columns get this width


def render(doc: dict, pdf_path: Path | str | None = None) -> bytes:
    """A checked JSON document as an .xlsx workbook (bytes; the PDF is not needed)."""
    from openpyxl import Workbook

    view = build(doc)
    book = Workbook()
    findings_sheet(book.active, view)
    projects_sheet(book.create_sheet(), view)
    checks_sheet(book.create_sheet(), view)
    info_sheet(book.create_sheet(), view)
    doc = view["document"]
    book.properties.title = text_value(f"核对结果 {doc['organization']} {doc['year'] or ''}".strip())
    name = " ".join(x for x in (doc["organization"], str(doc["year"] or ""),
                                Path(view["source"]["path"]).name) if x)
    for ws in book:
        print_setup(ws, name)
    book.properties.creator = f"jixiao {view['version']}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def findings_sheet(ws, view: dict) -> None:
    ws.title = "核对结果"
    cols = [Col("序号", "int"), Col("级别"), Col("规则"), Col("问题类型"), Col("页码", "int"),
            Col("说明", "wrap", 60), Col("算式", "wrap", 40), Col("报告数", "unit-number"),
            Col("重算数", "unit-number"), Col("差异", "unit-number"), Col("允许误差", "unit-number"),
            Col("单位"), Col("判定"), Col("原文", "wrap", 60), Col("涉及项目", "wrap", 30), Col("相关页码"),
            Col(ID_HEADER), Col(DECISION_HEADER), Col(REASON_HEADER, "wrap", 30)]
    rows, fills = [], []
    for n, f in enumerate(view["findings"], start=1):
        check = view["checks"][f["check"]] if f["check"] is not None else {}
        project = view["projects"][f["project"]]["name"] if f["project"] is not None else ""
        rows.append([n, SEVERITY_WORDS[f["severity"]], f["rule"], f["title"], f["page"], f["message"],
                     check.get("expression", ""), f["stated"], f["recomputed"], f["difference"], f["tolerance"],
                     f["unit"], VERDICT_WORDS.get(check.get("verdict"), check.get("verdict", "")), f["quote"], project,
                     "、".join(str(p) for p in sorted({b["page"] for b in f["boxes"]})),
                     f["id"], *review_cells(f.get("review"))])
        fills.append(f["severity"])
    table(ws, cols, rows, fills, unit_col=11)
    if view["summary"]["errors"]:
        ws.sheet_properties.tabColor = "C62828"


ID_HEADER, DECISION_HEADER, REASON_HEADER = "编号", "复核结论", "复核说明"


def review_cells(review: dict | None) -> tuple[str, str]:
    """复核结论 and 复核说明 of a finding: the decision in Chinese; the reason, by whom and when."""
    if not review:
        return "", ""
    by = "，".join(x for x in (review.get("by"), review.get("at")) if x)
    return DECISION_WORDS[review["decision"]], review["reason"] + (f"（{by}）" if by else "")


def apply_reviews(data: bytes, reviews) -> bytes:
    """A rendered workbook with its 复核结论 and 复核说明 filled from `reviews` (a
    reconcile.reviews.Reviews) by each finding's 编号: how an archive run shows changed
    decisions without rendering the report again."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    ws = book["核对结果"]
    header = {cell.value: cell.column for cell in ws[1]}
    for row in range(2, ws.max_row + 1):
        finding_id = ws.cell(row, header[ID_HEADER]).value
        review = reviews.get(finding_id)
        for column, value in zip((DECISION_HEADER, REASON_HEADER), review_cells(review.as_dict() if review else None)):
            cell = ws.cell(row, header[column])
            cell.value = None
            if value:
                set_text(cell, value)
    fit_rows(ws)  # a reason may take more lines than the row had
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def projects_sheet(ws, view: dict) -> None:
    ws.title = "项目明细"
    cols = [Col("行号", "int"), Col("组别"), Col("序号", "seq"), Col("项目名称", "wrap", 36), Col("页码", "int"),
            Col("预算数（万元）", "money"), Col("年初预算数（万元）", "money"), Col("执行数（万元）", "money"),
            Col("结余（万元）", "money"), Col("报告执行率（%）", "stated-rate"), Col("重算执行率（%）", "rate"),
            Col("差异（百分点）", "points"), Col("判定"), Col("问题", "wrap", 40), Col("计入不符的合计", "wrap", 24),
            Col("原文预算数"), Col("原文执行数")]
    rows, fills, decimals = [], [], []
    for n, p in enumerate(view["projects"], start=1):
        problems = "；".join(f"#{i + 1} {SEVERITY_WORDS[view['findings'][i]['severity']]} {view['findings'][i]['rule']}"
                            for i in p["findings"])
        sums = "；".join(f"#{i + 1} {view['checks'][view['findings'][i]['check']]['label']}" for i in p["sums"])
        rate = p["stated_rate"]
        seq = int(p["seq"]) if p["seq"].isdecimal() else p["seq"]  # "6" sorts as a number, "六" stays text
        rows.append([n, p["group"], seq, p["name"], p["page"], _wan(p["budget"]), _wan(p["initial_budget"]),
                     _wan(p["actual"]), _wan(p["remainder"]), rate["value"] if rate else None, p["recomputed_rate"],
                     p["rate_difference"], VERDICT_WORDS.get(p["rate_verdict"], p["rate_verdict"] or ""),
                     problems, sums, _printed(p["budget"]), _printed(p["actual"])])
        fills.append(p["severity"])
        decimals.append(rate["decimals"] if rate else 0)
    table(ws, cols, rows, fills, rate_decimals=decimals)


def checks_sheet(ws, view: dict) -> None:
    ws.title = "核对项"
    cols = [Col("序号", "int"), Col("类别"), Col("核对内容", "wrap", 36), Col("结果"), Col("判定"), Col("算式", "wrap", 44),
            Col("报告数", "unit-number"), Col("重算数", "unit-number"), Col("差异", "unit-number"),
            Col("允许误差", "unit-number"), Col("单位"), Col("页码", "int"), Col("原文", "wrap", 50),
            Col("说明", "wrap", 30), Col("明细", "wrap", 50), Col("问题")]
    rows, fills = [], []
    for n, c in enumerate(view["checks"], start=1):
        rows.append([n, RELATION_WORDS.get(c["relation"], c["relation"]), c["label"], OUTCOME_WORDS[c["outcome"]],
                     VERDICT_WORDS.get(c["verdict"], c["verdict"]), c["expression"], c["stated"], c["recomputed"],
                     c["difference"], c["tolerance"], c["unit"], c["page"], c["quote"], c["note"],
                     members_text(c), "、".join(c["rules"])])
        fills.append({"fail": "error", "rounding": "info", "insufficient_data": "insufficient_data"}.get(c["outcome"]))
    table(ws, cols, rows, fills, unit_col=10)


def info_sheet(ws, view: dict) -> None:
    ws.title = "文档信息"
    doc, src, s = view["document"], view["source"], view["summary"]
    o = s["outcomes"]
    rows = [["标题", doc["title"]], ["单位", doc["organization"]], ["年度", doc["year"]],
            ["文件", text_value(src["path"], path=True)],
            ["页数", src["pages"]], ["SHA-256", src["sha256"]],
            ["OCR 识别页", "、".join(str(p) for p in src["ocr_pages"]) or "无"],
            ["项目数", len(view["projects"])], ["核对项数", s["checks"]], ["通过", o["pass"]],
            ["取整差异", o["rounding"]], ["不符", o["fail"]], ["数据不足", o["insufficient_data"]],
            ["错误", s["errors"]], ["警告", s["warnings"]], ["提示", s["notes"]]]
    rows += [[f"规则 {r['code']}（{r['title']}）", r["count"]] for r in view["rules"]]
    rows += [["备注", "；".join(s["remarks"]) or "无"], ["金额单位", "万元（原文为元或亿元的已换算）"],
             ["生成工具", f"jixiao {view['version']}"]]
    table(ws, [Col("项目", "text"), Col("内容", "wrap", 70)], rows, [None] * len(rows))


def table(ws, cols: list[Col], rows: list[list], fills: list[str | None], unit_col: int | None = None,
          rate_decimals: list[int] | None = None) -> None:
    """Write a header and rows: numbers as numbers with formats, text never as a formula."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, top = Font(bold=True), Alignment(vertical="top")
    wrap = Alignment(vertical="top", wrap_text=True)
    for c, col in enumerate(cols, start=1):
        cell = ws.cell(1, c)
        set_text(cell, col.header)
        cell.font, cell.alignment = bold, Alignment(vertical="center", wrap_text=False)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    widths = [display_width(col.header) for col in cols]
    for r, (values, fill) in enumerate(zip(rows, fills, strict=True), start=2):
        pattern = PatternFill("solid", fgColor=FILLS[fill]) if fill else None
        unit = values[unit_col] if unit_col is not None else ""
        for c, (col, value) in enumerate(zip(cols, values, strict=True), start=1):
            cell = ws.cell(r, c)
            kind = col.kind
            if kind == "unit-number":
                kind = "int" if unit in ("项", "个") else "number" if unit == "%" else "money"
            if kind == "seq":
                kind = "int" if isinstance(value, int) else "text"
            if kind == "stated-rate":
                d = rate_decimals[r - 2] if rate_decimals else 0
                kind, fmt = "number", "0" + ("." + "0" * d if d else "")
            else:
                fmt = FORMATS.get(kind)
            set_value(cell, value, kind, fmt)
            cell.alignment = wrap if col.kind == "wrap" else top
            if pattern is not None:
                cell.fill = pattern
            widths[c - 1] = max(widths[c - 1], display_width(_shown(value)))
    for c, col in enumerate(cols, start=1):
        width = col.width if col.kind == "wrap" else min(max(widths[c - 1], 4), 50)
        ws.column_dimensions[get_column_letter(c)].width = width + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(rows) + 1, 1)}"
    fit_rows(ws)


def fit_rows(ws) -> None:
    """Set each row's height from its wrapped cells (the column's width, CJK counted twice);
    a row without wrapped text of more than one line keeps the default height."""
    widths = {key: dim.width for key, dim in ws.column_dimensions.items()}
    for row in ws.iter_rows(min_row=2):
        lines = 1
        for cell in row:
            if cell.value is None or not (cell.alignment and cell.alignment.wrap_text):
                continue
            lines = max(lines, wrapped_lines(str(cell.value), widths.get(cell.column_letter) or 8.43))
        ws.row_dimensions[row[0].row].height = row_height(lines) if lines > 1 else None


def row_height(lines: int) -> float:
    """Points a row of `lines` wrapped lines needs."""
    return min(lines * LINE_HEIGHT + ROW_PADDING, MAX_ROW_HEIGHT)


def wrapped_lines(text: str, width: float) -> int:
    """Lines `text` takes in a wrapping cell `width` characters wide, wrapped as a spreadsheet
    does: between CJK characters anywhere, Latin text at spaces, a word longer than a line
    broken inside it; each newline starts a line."""
    room = max(width / WIDTH_SLACK - 1, 1)  # the cell's padding, and fonts wider than the default
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0.0
        for token in _tokens(paragraph):
            w = display_width(token)
            if token.isspace():
                used += w  # a line may end in spaces: they never push a break
                continue
            if used + w > room and used > 0:
                lines, used = lines + 1, 0.0
            while w > room:  # a word longer than a line
                lines, w = lines + 1, w - room
            used += w
        total += lines
    return total


def _tokens(text: str) -> list[str]:
    """Units a line breaks between: each CJK character, each run of spaces, each other word."""
    out, word = [], ""
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in "WF"
        if wide or ch.isspace():
            if word:
                out.append(word)
                word = ""
            if ch.isspace() and out and out[-1].isspace():
                out[-1] += ch
            else:
                out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out


def print_setup(ws, name: str) -> None:
    """A4 landscape, the header row on every page, page numbers and the report's name in the
    footer; the whole width on one page when that keeps the scale at MIN_SCALE % or more,
    else the largest scale that needs no more pages than MIN_SCALE % would, with the row
    number (column A) repeated on every page."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    last = get_column_letter(ws.max_column)
    ws.print_area = f"A1:{last}{ws.max_row}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins = PageMargins(**MARGINS)
    ws.print_options.gridLines = True  # wrapped rows are read across: the grid keeps them apart
    widths = [column_points(ws.column_dimensions[get_column_letter(c)].width or 8.43)
              for c in range(1, ws.max_column + 1)]
    scale, across = print_scale(widths)
    if scale is None:  # one page wide, scaled by the spreadsheet to fit
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = scale
        ws.page_setup.pageOrder = "overThenDown"  # a row's parts on consecutive pages
        if across > 1:
            ws.print_title_cols = "A:A"
    footer = ws.oddFooter
    footer.left.text, footer.center.text, footer.right.text = _footer_text(name), "&A", "第 &P 页，共 &N 页"
    for part in (footer.left, footer.center, footer.right):
        part.size = 9


def printable_width() -> float:
    """Points across an A4 landscape page inside the margins."""
    return A4_LANDSCAPE[0] - (MARGINS["left"] + MARGINS["right"]) * 72


def column_points(width: float) -> float:
    """Points a column `width` characters wide prints at 100 % (Excel: 7 px a character and
    5 px of padding at 96 dpi, with Calibri 11), with WIDTH_SLACK for wider fonts."""
    return (width * 7 + 5) * 0.75 * WIDTH_SLACK


def print_scale(widths: list[float]) -> tuple[int | None, int]:
    """(scale in %, pages across) for columns `widths` points wide: (None, 1) when one page
    wide at MIN_SCALE % or more; else the largest scale ≤ 100 % that takes no more pages
    across than MIN_SCALE % does (column A repeated on the pages after the first)."""
    room = printable_width()
    if sum(widths) * MIN_SCALE / 100 <= room:
        return None, 1
    fewest = pages_across(widths, MIN_SCALE, room)
    best = max(s for s in range(MIN_SCALE, 101) if pages_across(widths, s, room) == fewest)
    return best, fewest


def pages_across(widths: list[float], scale: int, room: float) -> int:
    """Pages across the columns take at `scale` %, each page after the first repeating column A
    (a page break falls between columns; a column wider than a page gets one of its own)."""
    factor = scale / 100
    pages, used = 1, 0.0
    for w in widths:
        if used and used + w * factor > room:
            pages, used = pages + 1, widths[0] * factor
        used += w * factor
    return pages


def _footer_text(name: str) -> str:
    """The report's name as footer text: `&` doubled (else it starts a code), at most 60
    columns (a header or footer holds 255 characters with its codes)."""
    name = text_value(name, path=True)
    while display_width(name) > 60:
        name = name[:-2] + "…"
    return name.replace("&", "&&")


def set_value(cell, value, kind: str, fmt: str | None) -> None:
    """A number for numeric columns and for ints and Decimals anywhere; text otherwise."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, (int, Decimal)) and kind in ("text", "wrap"):
        kind, fmt = "int" if isinstance(value, int) else "number", None  # a count in a text column
    if kind in ("money", "rate", "points", "number", "int"):
        number = _number(value)
        if number is not None:
            # openpyxl accepts Decimal and writes it with "%.16g", i.e. through a float: the display
            # boundary (a spreadsheet cell is a double). With at most 15 significant digits the cell
            # holds the double nearest the Decimal, which Excel and LibreOffice show as the Decimal.
            cell.value = int(number) if kind == "int" and number == number.to_integral_value() else number
            if fmt:
                cell.number_format = fmt
            return
    set_text(cell, str(value))


def set_text(cell, value: str) -> None:
    """Text stored as a string: never a formula, even when it starts with = + - @."""
    value = text_value(value)
    cell.value = value
    cell.data_type = "s"  # openpyxl would store "=…" as a formula
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True  # Excel and LibreOffice keep it text when the cell is edited


def text_value(value: str, path: bool = False) -> str:
    """Text a cell can hold: without the characters XML 1.0 forbids, at most MAX_CELL long.

    A file path (`path=True`) has its control and bidirectional characters written as escapes
    (extract.errors.shown): a newline or a U+202E in a file's name is shown, not obeyed."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if path:
        from extract.errors import shown

        value = shown(value, whole=True)
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL]


def _number(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _wan(fact: dict | None) -> str | None:
    if fact is None:
        return None
    return fact.get("value_wan", fact["value"])


def _printed(fact: dict | None) -> str:
    return f"{fact['field']} {fact['text']}".strip() if fact else ""


def _shown(value) -> str:
    return "" if value is None else str(value)


def display_width(text: str) -> int:
    """Columns a string takes (CJK characters take two); the longest line of wrapped text."""
    return max((width(line) for line in text.split("\n")), default=0)
