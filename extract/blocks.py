"""The document in reading order: paragraphs and tables, each table joined across page breaks."""

from __future__ import annotations

from extract.lines import Line
from extract.paragraphs import Layout, Paragraph, reflow_lines
from extract.tables import Table, borderless_tables, join_across_pages

Block = Paragraph | Table


def assemble(pages: list[list[Line]], ruled: list[list[Table]]) -> list[Block]:
    """Interleave each page's lines and tables by height; re-flow the lines between tables.

    A table that ends its page and one that opens the next page with the same columns
    are one table (its repeated header dropped).
    """
    layout = Layout.measure(pages)
    items: list[tuple[int, float, Line | Table]] = []
    for lines, tables in zip(pages, ruled, strict=True):
        kept, borderless = borderless_tables(lines)
        items.extend((ln.page, ln.top, ln) for ln in kept)
        items.extend((t.page, t.bbox[1], t) for t in [*tables, *borderless])
    items.sort(key=lambda item: (item[0], item[1]))
    blocks: list[Block] = []
    run: list[Line] = []
    for index, (page, _, item) in enumerate(items):
        if isinstance(item, Line):
            run.append(item)
            continue
        blocks.extend(reflow_lines(run, layout))
        first_on_page = index == 0 or items[index - 1][0] != page
        previous = blocks[-1] if blocks and not run else None
        run = []
        if isinstance(previous, Table) and first_on_page and previous.pages[-1] == page - 1:
            joined = join_across_pages(previous, item)
            if joined is not None:
                blocks[-1] = joined
                continue
        blocks.append(item)
    blocks.extend(reflow_lines(run, layout))
    return blocks
