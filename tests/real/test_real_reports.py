"""Twelve real published reports (fixtures/real/, nine provinces) read against their hand-made truth.

Each case pins what an auditor finds in it: every money line read (and none invented),
every stated total, rate and count checked, every arithmetic fault found and no false
error. The compact reading (lines, checks, findings) is also kept as a snapshot, so a
change in how a real report reads shows as a diff to review.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from reconcile.document import document
from tests.conftest import FIXTURES
from tests.real.scoring import score, truth_of

REAL = FIXTURES / "real"
CASES = sorted(p.name for p in REAL.iterdir() if (p / "truth.json").exists())
SCANNED = sorted(p.parent.name for p in REAL.glob("*/report-scanned.pdf"))


@cache
def doc_of(case: str, pdf: str = "report.pdf") -> dict:
    from extract import read_pdf
    from reconcile import reconcile

    report = read_pdf(REAL / case / pdf)
    return document(report, reconcile(report))


def _assert_scores(case: str, doc: dict) -> None:
    result = score(truth_of(REAL / case), doc)
    assert result.lines_missed == [], "money lines not read"
    assert result.lines_extra == [], "lines read that the report does not have"
    assert result.checks_missed == [], "stated figures not checked"
    assert result.errors_missed == [], "arithmetic faults not found"
    assert result.errors_false == [], "errors the report does not have"
    assert result.unchecked_flagged == [], "a figure that cannot be checked was given an error"


@pytest.mark.parametrize("case", CASES)
def test_real_report_against_truth(case):
    _assert_scores(case, doc_of(case))


@pytest.mark.parametrize("case", SCANNED)
def test_scanned_real_report_against_truth(case):
    doc = doc_of(case, "report-scanned.pdf")
    assert doc["source"]["ocr_pages"], "the scan has no text layer: it must be read by OCR"
    _assert_scores(case, doc)


def compact(doc: dict) -> dict:
    """What a reviewer would compare between two readings of one report."""
    def fact(f):
        return None if f is None else f"{f['value']}{f['unit']}"

    return {
        "lines": [f"{p['group']} / {p['name']}: " + ", ".join(
            f"{k}={fact(p[k])}" for k in ("budget", "initial_budget", "arrived", "actual", "stated_rate", "arrival_rate")
            if p.get(k)) for p in doc["projects"]],
        "checks": [f"{c['relation']} {c['outcome']} {c['label']} = {c['stated']} ({c['expression']}) {c['note']}".rstrip()
                   for c in doc["checks"]],
        "findings": [f"{f['rule']} {f['stated']} {f['message']}" for f in doc["findings"]],
    }


@pytest.mark.parametrize("case", CASES)
def test_real_report_reading_snapshot(case, data_regression):
    data_regression.check(compact(doc_of(case)), basename=case)


def test_every_case_keeps_its_provenance():
    for case in CASES:
        folder = REAL / case
        assert {"report.pdf", "source.txt", "truth.json", "meta.json"} <= {p.name for p in folder.iterdir()}, case


def test_what_arrived_is_in_the_csv_and_the_archive_tables():
    from extract import read_pdf
    from flows.tables import rows

    report = read_pdf(REAL / "19_longyang_linye_2022" / "report.pdf")
    frame = report.projects_frame()
    guards = frame[frame["name"] == "贫困人口生态护林员项目"].iloc[0]
    assert (str(guards["arrived_wan"]), str(guards["arrival_rate"]), str(guards["actual_wan"])) == ("1604.75", "100", "1605")
    [row] = [r for r in rows(doc_of("19_longyang_linye_2022"))["projects"] if r["name"] == "贫困人口生态护林员项目"]
    assert (row["arrived_wan"], row["arrival_rate"]) == ("1604.75", "100")
