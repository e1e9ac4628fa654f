"""Every figure's page and bbox really hold its printed text: crop the page there and read it back."""

import re

import pdfplumber
import pytest

from extract.normalize import normalize
from tests.conftest import FIXTURES, SAMPLE_RENDERINGS, report_of


def facts_of(report):
    for item in [*report.projects, *report.aggregates]:
        yield from item.facts().values()


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
            x0, top, x1, bottom = fact.span.bbox
            # Characters whose centre lies in the box: exactly what the span claims to cover.
            inside = page.within_bbox((x0 - 0.5, top - 0.5, x1 + 0.5, bottom + 0.5), strict=False)
            read = folded(inside.extract_text())
            printed = folded(fact.text)
            # A figure may wrap: its box covers its first line, which holds the start of its digits.
            assert read and printed.startswith(read), (fact.text, fact.span, read)
            assert read in folded(fact.span.line)


def test_names_are_where_their_spans_say():
    report = report_of("sample")
    with pdfplumber.open(FIXTURES / "sample" / "report.pdf") as pdf:
        for line in report.projects:
            page = pdf.pages[line.span.page - 1]
            x0, top, x1, bottom = line.span.bbox
            text = folded(page.within_bbox((x0 - 0.5, top - 0.5, x1 + 0.5, bottom + 0.5)).extract_text())
            assert text and line.name.startswith(text), (line.name, text)
