"""Lines → paragraphs (wraps, indents, page breaks, titles), running lines, and spans.

Synthetic pages: A4 (595 × 842 pt), 10 pt characters, body from x = 90 to x = 505,
first-line indent 20 pt, lines 20 pt apart. A "full" line is justified: its characters
are spread so that the last one ends at the right margin.
"""

from decimal import Decimal

import pytest

from extract.lines import Char, Line, strip_running
from extract.model import Source
from extract.paragraphs import Paragraph, reflow
from extract.parse import parse
from extract.patterns import load

SIZE = 10.0
LEFT, RIGHT = 90.0, 505.0
INDENT = 20.0
PITCH = 20.0
WIDTH, HEIGHT = 595.0, 842.0


def line(text, top, page=1, x0=LEFT, x1=None, size=SIZE):
    """A printed line: characters `size` wide from x0, or justified to end at x1."""
    step = size if x1 is None else (x1 - x0 - size) / (len(text) - 1)
    assert step >= size, f"{text!r} does not fit between {x0} and {x1}"
    chars = [
        Char(ch, page, x0 + i * step, top, x0 + i * step + size, top + size, size)
        for i, ch in enumerate(text)
    ]
    return Line(page, chars, WIDTH, HEIGHT)


def full(text, top, page=1, indent=False):
    """A justified line reaching the right margin; indented when it opens a paragraph."""
    return line(text, top, page, x0=LEFT + INDENT if indent else LEFT, x1=RIGHT)


def short(text, top, page=1, indent=False):
    """A line that ends where its text ends (a paragraph's last line)."""
    return line(text, top, page, x0=LEFT + INDENT if indent else LEFT)


def texts(paragraphs):
    return [p.text for p in paragraphs]


FILL = "按照全面覆盖的原则结合绩效指标和标准体系对照预算编制和调整时设定的绩效目标进行核实分析"


def filler(n, offset=0):
    """n characters of body text."""
    return (FILL * 3)[offset : offset + n]


# ------------------------------------------------------------------ reflow


def test_paragraph_wrapping_over_three_lines_joins():
    a, b, c = filler(39), filler(41, 39), filler(12, 80)
    d, e = filler(39, 5), filler(20, 7)
    page = [
        full(a, 100, indent=True),
        full(b, 120),
        short(c, 140),
        full(d, 160, indent=True),
        short(e, 180),
    ]
    paragraphs = reflow([page])
    assert texts(paragraphs) == [a + b + c, d + e]
    assert [len(p.lines) for p in paragraphs] == [3, 2]
    assert not any(p.centered for p in paragraphs)


def test_indented_line_starts_a_paragraph_even_after_a_full_line():
    a, b, c = filler(39), filler(41, 3), filler(39, 9)
    page = [full(a, 100, indent=True), full(b, 120), full(c, 140, indent=True), short("完成。", 160)]
    assert texts(reflow([page])) == [a + b, c + "完成。"]


def test_number_split_across_lines_joins():
    first = "（6）唐山市总工会房屋租金，调整预算数832.52万元，实际执行数802."
    second = "51万元，支出进度96.3%，总体完成率100%。"
    page = [full(filler(39), 80, indent=True), short(filler(10), 100), full(first, 120, indent=True), short(second, 140)]
    paragraphs = reflow([page])
    assert len(paragraphs) == 2
    assert "实际执行数802.51万元，" in paragraphs[1].text
    # and the parser reads the joined figure
    report = parse(paragraphs, Source("synthetic", "", 1), load())
    line_6 = report.projects[0]
    assert line_6.actual.value == Decimal("802.51")
    assert line_6.actual.text == "802.51万元"
    # the figure is located by its first character, on the first line
    assert line_6.actual.span.bbox[1] == 120.0


def test_paragraph_continues_across_a_page_break():
    a, b, c = filler(39), filler(41, 39), filler(41, 80)
    d, e = filler(41, 2), filler(15, 44)
    page_1 = [full(a, 660, indent=True), full(b, 680), full(c, 700)]
    page_2 = [full(d, 72, page=2), short(e, 92, page=2), full(filler(39, 6), 112, page=2, indent=True)]
    paragraphs = reflow([page_1, page_2])
    assert len(paragraphs) == 2
    assert paragraphs[0].text == a + b + c + d + e
    assert paragraphs[0].page == 1
    assert {ln.page for ln in paragraphs[0].lines} == {1, 2}


def test_short_line_then_a_line_whose_first_word_would_have_fit_starts_a_paragraph():
    # No first-line indent here: only the short line before tells the paragraphs apart.
    page = [
        full(filler(41), 100),
        short("绩效目标完成情况良好。", 120),
        full(filler(41, 7), 140),
        short("二期工程已完工。", 160),
    ]
    paragraphs = reflow([page])
    assert texts(paragraphs) == [filler(41) + "绩效目标完成情况良好。", filler(41, 7) + "二期工程已完工。"]


def test_ragged_line_continues_when_the_next_word_would_not_have_fit():
    # "…支出进度" stops 25 pt short: "100%，" (50 pt) could not have fitted there.
    ragged = "(8)科普专项经费，调整预算数60万元，实际执行数59.99万元，支出进度"
    assert len(ragged) == 37
    first = line(ragged, 120, x0=LEFT + INDENT, x1=RIGHT - 25)
    page = [full(filler(39), 80, indent=True), full(filler(41, 4), 100), first, short("100%，总体完成率100%。", 140)]
    paragraphs = reflow([page])
    assert texts(paragraphs) == [filler(39) + filler(41, 4), ragged + "100%，总体完成率100%。"]


def test_ragged_line_before_an_ideograph_that_would_have_fit_ends_the_paragraph():
    # Same gap of 25 pt, but "总" is 10 pt wide: a writer's line break, not a wrap.
    ragged = filler(37)
    page = [full(filler(39), 80, indent=True), full(filler(41, 4), 100),
            line(ragged, 120, x0=LEFT + INDENT, x1=RIGHT - 25), short("总体完成率100%。", 140)]
    assert texts(reflow([page]))[-1] == "总体完成率100%。"


def test_ragged_line_continues_when_the_next_ideograph_carries_a_comma():
    # Was a bug: the first word ignored punctuation that may not start a line.
    # Ragged-right (left-aligned) text: the line stops 16 pt short; "度，" (20 pt) did not fit.
    ragged = filler(37)
    page = [full(filler(39), 80, indent=True), full(filler(41, 4), 100),
            line(ragged, 120, x0=LEFT + INDENT, x1=RIGHT - 16), short("度，支出进度100%。", 140)]
    assert texts(reflow([page]))[-1] == ragged + "度，支出进度100%。"


def test_two_centred_title_lines_join():
    title_1, title_2 = "2023年度唐山市科学技术协会", "整体绩效自评工作报告"
    centre = (LEFT + RIGHT) / 2
    big = 16.0
    page = [
        line(title_1, 72, x0=centre - big * len(title_1) / 2, size=big),
        line(title_2, 100, x0=centre - big * len(title_2) / 2, size=big),
        short("一、部门整体概况", 140),
        full(filler(39), 160, indent=True),
        full(filler(41, 3), 180),
        full(filler(41, 8), 200),
        short(filler(9, 12), 220),
        full(filler(39, 20), 240, indent=True),
        short(filler(5, 1), 260),
    ]
    paragraphs = reflow([page])
    assert paragraphs[0].text == "2023年度唐山市科学技术协会整体绩效自评工作报告"
    assert paragraphs[0].centered is True
    assert paragraphs[1].text == "一、部门整体概况"
    assert paragraphs[1].centered is False
    assert len(paragraphs) == 4


def test_list_marker_after_a_sentence_end_starts_a_paragraph():
    # Items printed without indent: a full line ending in 。 then "(2)…" at the margin.
    first = "(1)委托业务费，调整预算数5万元，实际执行数5万元，支出进度100%。"
    page = [full(filler(39), 80, indent=True), short(filler(8), 100),
            line(first, 120, x1=RIGHT), short("(2)其他交通费，调整预算数1.28万元。", 140)]
    assert texts(reflow([page]))[-2:] == [first, "(2)其他交通费，调整预算数1.28万元。"]


def test_wide_vertical_gap_starts_a_paragraph():
    page = [full(filler(41), 100), full(filler(41, 1), 120), full(filler(41, 2), 140),
            full(filler(41, 3), 200), short(filler(3), 220)]
    assert len(reflow([page])) == 2


def test_no_lines_no_paragraphs():
    assert reflow([]) == []
    assert reflow([[], []]) == []


# ------------------------------------------------------------------ running lines


def _page(page, body, extra=()):
    lines = [short(text, 100 + PITCH * i, page=page) for i, text in enumerate(body)]
    return sorted([*lines, *extra], key=lambda ln: ln.top)


def test_footer_on_every_page_is_removed():
    pages = [
        _page(n, [filler(20, n), filler(20, n + 1), filler(20, n + 2)], [short(f"- {n} -", 790, page=n)])
        for n in (1, 2, 3)
    ]
    kept = strip_running(pages)
    assert [[ln.text for ln in lines] for lines in kept] == [
        [filler(20, n), filler(20, n + 1), filler(20, n + 2)] for n in (1, 2, 3)
    ]


def test_footer_drifting_a_few_points_and_header_are_removed():
    heights = {1: 788.0, 2: 791.0, 3: 795.0}
    pages = [
        _page(n, [filler(10, n), filler(10, n + 5)],
              [short("唐山市科学技术协会整体绩效自评工作报告", 40, page=n), short(f"第 {n} 页", heights[n], page=n)])
        for n in (1, 2, 3)
    ]
    kept = strip_running(pages)
    assert [[ln.text for ln in lines] for lines in kept] == [[filler(10, n), filler(10, n + 5)] for n in (1, 2, 3)]


def test_body_line_repeated_mid_page_is_kept():
    # Each page is short: the repeated line is among its last lines but stands mid-page.
    pages = [
        [short(filler(12, n), 100, page=n), short("预算执行情况如下：", 400, page=n), short(f"- {n} -", 790, page=n)]
        for n in (1, 2, 3)
    ]
    kept = strip_running(pages)
    assert [[ln.text for ln in lines] for lines in kept] == [[filler(12, n), "预算执行情况如下："] for n in (1, 2, 3)]


def test_footer_on_one_page_of_three_is_kept():
    pages = [_page(n, [filler(10, n)]) for n in (1, 2, 3)]
    pages[1].append(short("特此报告。", 790, page=2))
    kept = strip_running(pages)
    assert [ln.text for ln in kept[1]] == [filler(10, 2), "特此报告。"]


@pytest.mark.parametrize("number", ["1", "- 1 -", "第 1 页", "1/1"])
def test_one_page_document_loses_its_bare_page_number(number):
    pages = [_page(1, [filler(20), filler(20, 3)], [short(number, 790)])]
    assert [ln.text for ln in strip_running(pages)[0]] == [filler(20), filler(20, 3)]


def test_one_page_document_keeps_a_last_line_of_text():
    pages = [_page(1, [filler(20)], [short("特此报告。", 790), short("2024年3月1日", 810)])]
    assert [ln.text for ln in strip_running(pages)[0]] == [filler(20), "特此报告。", "2024年3月1日"]


def _full_pages(n_pages, last_body):
    """Full pages of 31 body lines (top 100 … 700), then `last_body[n]` at 720 and a footer."""
    pages = []
    for n in range(1, n_pages + 1):
        lines = [full(filler(41, n + i), 100 + PITCH * i, page=n) for i in range(31)]
        lines.append(short(last_body[n], 720, page=n))
        lines.append(short(f"- {n} -", 790, page=n))
        pages.append(lines)
    return pages


def test_body_line_at_the_foot_of_the_text_repeated_on_two_of_four_pages_is_kept():
    # Was a bug: a repeated last body line at the same height was taken for a footer.
    tail = "100%，总体完成率 100%。"  # a wrapped tail that many item lines share
    last = {1: filler(10, 1), 2: tail, 3: tail, 4: filler(10, 4)}
    kept = strip_running(_full_pages(4, last))
    assert [lines[-1].text for lines in kept] == [last[n] for n in (1, 2, 3, 4)]


def test_footer_between_the_halves_of_a_split_item_line():
    # "(6) …实际执行数" ends page 1 at the margin; the footer comes out; page 2 goes on.
    item_1 = "(6)唐山市总工会房屋租金，调整预算数832.52万元，实际执行数"
    page_1 = [full(filler(39), 660, indent=True), short(filler(5), 680),
              line(item_1, 700, x0=LEFT + INDENT, x1=RIGHT), short("- 1 -", 790)]
    page_2 = [short("802.51万元，支出进度96.3%。", 72, page=2), full(filler(39), 92, page=2, indent=True),
              short(filler(8), 112, page=2), short("- 2 -", 790, page=2)]
    paragraphs = reflow(strip_running([page_1, page_2]))
    assert len(paragraphs) == 3
    report = parse(paragraphs, Source("synthetic", "", 2), load())
    item = report.projects[0]
    assert item.name == "唐山市总工会房屋租金"
    assert item.budget.value == Decimal("832.52")
    assert item.actual.value == Decimal("802.51")
    assert item.stated_rate.value == Decimal("96.3")
    assert (item.span.page, item.budget.span.page, item.actual.span.page) == (1, 1, 2)
    assert item.actual.span.bbox == (90.0, 72.0, 170.0, 82.0)


# ------------------------------------------------------------------ spans


def _two_line_paragraph():
    first = line("（6）房屋租金，调整预算数 832.52 万元，实际", 300, x0=110.0)
    second = line("执行数802.51万元。", 72, page=2, x0=90.0)
    return Paragraph([first, second]), first, second


def test_span_of_a_figure_with_spaces_dropped():
    para, first, _ = _two_line_paragraph()
    start = para.text.index("832.52")
    assert para.text[start - 5 : start + 8] == "调整预算数832.52万元"
    span = para.span(start, start + len("832.52万元"))
    # raw: "（6）房屋租金，调整预算数 " is characters 0-13, "832.52" 14-19, a space 20, 万元 21-22
    eight, last = first.chars[14], first.chars[22]
    assert (eight.text, last.text) == ("8", "元")
    assert span.page == 1
    assert span.bbox == (eight.x0, 300.0, last.x1, 310.0)
    assert span.line == first.text


def test_span_on_the_second_line_and_page():
    para, _, second = _two_line_paragraph()
    start = para.text.index("802.51")
    span = para.span(start, start + 6)
    assert span.page == 2
    assert span.bbox == (120.0, 72.0, 180.0, 82.0)  # "执行数" is 30 pt, the figure 60 pt
    assert span.line == second.text


def test_span_across_the_line_break_keeps_to_the_first_line():
    para, first, _ = _two_line_paragraph()
    start = para.text.index("实际执行数")
    span = para.span(start, start + 5)
    assert span.page == 1
    assert span.bbox == (first.chars[-2].x0, 300.0, first.chars[-1].x1, 310.0)


def test_raw_slice_gives_the_printed_form():
    para, _, _ = _two_line_paragraph()
    start = para.text.index("832.52")
    assert para.raw_slice(start, start + len("832.52万元")) == "832.52 万元"


# ------------------------------------------------------------------ compact lines


def test_a_line_gives_back_every_character_as_read():
    """Lines keep boxes in arrays (issue 16); what comes back must be what went in: a
    ligature's two letters, sizes and OCR scores that vary along the line."""
    chars = [Char("预", 3, 90.0, 100.0, 100.25, 110.5, 10.0),
             Char("ﬁ", 3, 100.25, 101.0, 106.0, 110.0, 9.5, 0.62),  # a ligature: one glyph, its own text
             Char("fi", 3, 106.0, 101.0, 112.0, 110.0, 9.5, 0.88),
             Char(" ", 3, 112.0, 100.0, 115.0, 110.5, 10.0),
             Char("算", 3, 115.0, 99.75, 125.0, 110.5, 12.0)]
    made = Line(3, chars, WIDTH, HEIGHT)
    assert made.chars == chars
    assert made.char(-1) == chars[-1] and made.char(2).text == "fi"
    assert (made.text, made.count, made.x0, made.x1, made.top, made.bottom) == ("预ﬁfi 算", 5, 90.0, 125.0, 99.75, 110.5)
    assert made.size == 9.75  # the median of the printed characters' sizes, the space left out
    with pytest.raises(IndexError):
        made.char(5)


def test_a_ligature_maps_back_to_its_glyph():
    """Normalised text is longer than the glyphs when one glyph prints two letters: a figure
    after it must still be boxed on its own glyphs."""
    chars = [Char(t, 1, 90.0 + 10 * i, 200.0, 100.0 + 10 * i, 210.0, SIZE) for i, t in enumerate("ab")]
    chars.append(Char("ff", 1, 110.0, 200.0, 120.0, 210.0, SIZE))  # one glyph, two letters
    chars += [Char(t, 1, 120.0 + 10 * i, 200.0, 130.0 + 10 * i, 210.0, SIZE) for i, t in enumerate("12万元")]
    para = Paragraph([Line(1, chars, WIDTH, HEIGHT)])
    start = para.text.index("12")
    assert para.span(start, start + 4).bbox == (120.0, 200.0, 160.0, 210.0)
    assert para.raw_slice(start, start + 4) == "12万元"
