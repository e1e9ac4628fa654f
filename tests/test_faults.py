"""Single-fault variants of the consistent sample: each fault is found, and nothing else is an error."""

from decimal import Decimal as D

import pytest

from tests.conftest import result_of


def errors(case):
    return [f for f in result_of(case).findings if f.severity == "error"]


def test_consistent_sample_has_no_error_or_warning():
    findings = result_of("consistent").findings
    assert {f.severity for f in findings} == {"info"}  # only the seven truncated rates
    assert len(findings) == 7


@pytest.mark.parametrize(
    ("case", "rule", "stated", "recomputed", "page"),
    [
        ("fault-rate", "rate_mismatch", D("86.3"), D("96.3953"), 4),
        ("fault-count", "count_mismatch", D("5"), D("4"), 4),
        ("fault-total", "sum_mismatch", D("3095.85"), D("3059.85"), 1),
        ("fault-remainder", "difference_mismatch", D("3"), D("4"), 3),
    ],
)
def test_each_fault_is_the_only_error(case, rule, stated, recomputed, page):
    [finding] = errors(case)
    assert (finding.rule, finding.stated, finding.span.page) == (rule, stated, page)
    assert abs(finding.recomputed - recomputed) < D("0.0001")


def test_unit_slip_is_a_warning_that_explains_the_failing_relations():
    result = result_of("fault-unit")
    assert errors("fault-unit") == []
    [suspect] = [f for f in result.findings if f.severity == "warning"]
    assert suspect.rule == "unit_suspect"
    assert suspect.stated == D("0.032588") and suspect.recomputed == D("325.88")
    # The item's rate and the nine projects' budget total hold once the figure is read in 万元.
    corrected = [c for c in result.checks if c.note]
    assert {c.relation for c in corrected} >= {"rate", "sum", "budget_cap"}
    assert all(c.outcome == "pass" for c in corrected)
