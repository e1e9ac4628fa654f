"""Every figure's page and bbox really hold its printed text: crop the page there and read it back."""

import re

import pdfplumber
import pytest

from extract.normalize import normalize
from tests.conftest import FIXTURES, SAMPLE_RENDERINGS, report_of


def facts_of(report):
    for item in [*report.projects, *report.aggregates]:
        yield from item.facts().values()


def under(page, box) -> str:
    """The text of the characters whose centre lies in the box (0.5 pt of slack): what a
    reviewer sees there, whichever library's box convention the span was made with (PDFium's
    boxes run from the font's descent to its ascent, pdfminer's a size up from its descent)."""
    x0, top, x1, bottom = box
    return page.filter(lambda o: o.get("object_type") != "char" or (
        x0 - 0.5 <= (o["x0"] + o["x1"]) / 2 <= x1 + 0.5 and top - 0.5 <= (o["top"] + o["bottom"]) / 2 <= bottom + 0.5
    )).extract_text()


def folded(text: str) -> str:
    """Printed text with widths folded and every space dropped."""
    return re.sub(r"\s", "", normalize(text)[0])


@pytest.mark.parametrize("case", [*SAMPLE_RENDERINGS, "fault-unit"])
def test_every_figure_is_where_its_span_says(case):
    report = report_of(case)
    facts = list(facts_of(report))
    assert len(facts) > 100
    with pdfplumber.open(FIXTURES / case / "report.pdf") as pdf:
        for fact in facts:
            page = pdf.pages[fact.span.page - 1]
            # Characters whose centre lies in the box: exactly what the span claims to cover.
            read = folded(under(page, fact.span.bbox))
            printed = folded(fact.text)
            # A figure may wrap: its box covers its first line, which holds the start of its digits.
            assert read and printed.startswith(read), (fact.text, fact.span, read)
            assert read in folded(fact.span.line)


def test_names_are_where_their_spans_say():
    report = report_of("sample")
    with pdfplumber.open(FIXTURES / "sample" / "report.pdf") as pdf:
        for line in report.projects:
            page = pdf.pages[line.span.page - 1]
            text = folded(under(page, line.span.bbox))
            assert text and line.name.startswith(text), (line.name, text)
