"""Table pieces on synthetic input: headings by meaning, merged cells, page joins, borderless runs."""

import pytest

from extract.lines import Char, Line
from extract.patterns import load
from extract.table_read import column_of
from extract.tables import borderless_tables, join_across_pages, ruled_tables


@pytest.mark.parametrize(
    ("heading", "field", "unit"),
    [
        ("序号", "seq", ""),
        ("项目名称", "name", ""),
        ("年初预算数", "initial_budget", ""),
        ("调整预算数（万元）", "budget", "万元"),
        ("全年预算数(元)", "budget", "元"),
        ("全年执行数", "actual", ""),
        ("实际完成值", "achieved", ""),  # not 实际完成 (actual): the longest word decides
        ("执行率（%）", "stated_rate", ""),
        ("分值", "weight", ""),
        ("得分", "score", ""),
        ("一级指标", "level1", ""),
        ("偏差原因分析及改进措施", "note", ""),
        # Never seen before: jieba's words decide.
        ("本年实际支付金额", "actual", ""),
        ("预算安排（万元）", "budget", "万元"),
        ("资金到位比例", "stated_rate", ""),
    ],
)
def test_headings_are_read_by_meaning(heading, field, unit):
    column = column_of(heading, load())
    assert (column.field, column.unit) == (field, unit)


def test_unknown_heading_is_no_column():
    assert column_of("联系人", load()) is None


def chars_of(text, x, top, page=1, size=10.0):
    return [Char(ch, page, x + size * i, top, x + size * (i + 1), top + size, size) for i, ch in enumerate(text)]


def test_merged_cells_take_the_text_of_the_cell_they_belong_to():
    # Row 0: a header; row 1: "合计" spanning two columns; rows 2–3: a cell merged down.
    grid = [
        [(0, 0, 50, 20), (50, 0, 100, 20), (100, 0, 150, 20)],
        [(0, 20, 100, 40), None, (100, 20, 150, 40)],
        [(0, 40, 50, 80), (50, 40, 100, 60), (100, 40, 150, 60)],
        [None, (50, 60, 100, 80), (100, 60, 150, 80)],
    ]
    chars = (chars_of("单位", 5, 5) + chars_of("名称", 55, 5) + chars_of("金额", 105, 5)
             + chars_of("合计", 5, 25) + chars_of("30", 105, 25)
             + chars_of("本级", 5, 55) + chars_of("甲", 55, 45) + chars_of("10", 105, 45)
             + chars_of("乙", 55, 65) + chars_of("20", 105, 65))
    [table] = ruled_tables([grid], chars, 1, 600, 800)
    assert table.texts() == [["单位", "名称", "金额"], ["合计", "合计", "30"], ["本级", "甲", "10"], ["本级", "乙", "20"]]
    assert table.rows[1][1].merged and table.rows[3][0].merged and not table.rows[2][0].merged


def test_a_table_continued_on_the_next_page_drops_its_repeated_header():
    def table(page, rows):
        grid = [[(0, 100 + 20 * r, 50, 120 + 20 * r), (50, 100 + 20 * r, 100, 120 + 20 * r)] for r in range(len(rows))]
        chars = [c for r, (a, b) in enumerate(rows) for c in chars_of(a, 5, 105 + 20 * r, page) + chars_of(b, 55, 105 + 20 * r, page)]
        return ruled_tables([grid], chars, page, 600, 800)[0]

    first = table(1, [("名称", "金额"), ("甲", "1")])
    second = table(2, [("名称", "金额"), ("乙", "2")])
    joined = join_across_pages(first, second)
    assert joined.texts() == [["名称", "金额"], ["甲", "1"], ["乙", "2"]] and joined.pages == [1, 2]
    assert join_across_pages(first, table(3, [("名称", "金额")])) is None  # not the next page


def line_of(cells, top, page=1):
    chars = [c for x, text in cells for c in chars_of(text, x, top, page)]
    return Line(page, chars, 600, 800)


def test_borderless_table_is_found_between_prose_lines():
    lines = [
        line_of([(90, "本单位纳入绩效评价的项目共计2项，详见下表。")], 100),
        line_of([(90, "序号"), (150, "项目名称"), (300, "预算数"), (400, "执行数")], 130),
        line_of([(95, "1"), (150, "甲项目"), (310, "10"), (410, "6")], 155),
        line_of([(95, "2"), (150, "乙项目"), (310, "20"), (410, "20")], 180),
        line_of([(90, "以上项目均已完成。")], 210),
    ]
    kept, [table] = borderless_tables(lines)
    assert [ln.text for ln in kept] == [lines[0].text, lines[-1].text]
    assert table.texts() == [["序号", "项目名称", "预算数", "执行数"], ["1", "甲项目", "10", "6"], ["2", "乙项目", "20", "20"]]
    assert not table.ruled


def test_prose_alone_is_not_a_table():
    lines = [line_of([(90, "按照全面覆盖的原则，结合绩效指标和标准体系，")], 100 + 25 * i) for i in range(5)]
    kept, tables = borderless_tables(lines)
    assert tables == [] and len(kept) == 5
