"""A scanned rendering of the sample (every page an image) read with jixiao[ocr] gives the same report."""

import pytest

from extract import ocr
from tests.conftest import report_of, result_of, scanned_report

pytestmark = pytest.mark.skipif(not ocr.available(), reason="jixiao[ocr] is not installed")


@pytest.fixture(scope="module")
def scanned():
    from reconcile import reconcile

    report = scanned_report()
    return report, reconcile(report)


def lines(report):
    return [(p.group, p.seq, p.name, *(getattr(p, f).wan if getattr(p, f) else None
                                       for f in ("budget", "actual", "stated_rate", "remainder")))
            for p in report.projects]


def test_same_lines_as_the_text_layer(scanned):
    report, _ = scanned
    assert report.source.ocr_pages == tuple(range(1, 10))
    assert lines(report) == lines(report_of("sample"))


def test_same_findings_and_every_figure_marked_as_ocr(scanned):
    report, result = scanned
    errors = sorted((f.rule, f.stated, f.recomputed) for f in result.findings if f.severity == "error")
    expected = sorted((f.rule, f.stated, f.recomputed) for f in result_of("sample").findings if f.severity == "error")
    assert errors == expected and len(errors) == 2
    facts = [f for p in report.projects for f in p.facts().values()]
    assert facts and all(f.ocr and 0 < f.confidence <= 1 for f in facts)
    assert min(f.confidence for f in facts) < 1  # the engine's own confidence, not a constant


def test_figures_keep_their_page_and_position(scanned):
    report, _ = scanned
    by_place = {(p.group, p.seq): p for p in report_of("sample").projects}
    for line in report.projects:
        text_layer = by_place[(line.group, line.seq)].budget.span
        assert line.budget.span.page == text_layer.page
        # Within a few points of where the text layer puts the same figure.
        assert abs(line.budget.span.bbox[1] - text_layer.bbox[1]) < 6
