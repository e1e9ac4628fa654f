"""Every fixture PDF → its canonical JSON document (extraction, checks, findings), reviewed like code."""

import pytest

from reconcile.document import document, dumps
from tests.conftest import CASES, report_of, result_of

REPORT_CASES = [c for c in CASES if c != "no-figures"]


@pytest.mark.parametrize("case", REPORT_CASES)
def test_document_snapshot(case, file_regression):
    doc = document(report_of(case), result_of(case))
    doc["source"]["path"] = f"fixtures/{case}/report.pdf"  # as the CLI shows a relative path
    file_regression.check(dumps(doc), extension=".json", basename=case)


def test_finding_ids_do_not_depend_on_page_or_layout():
    # The same report set in other fonts and margins: pages and boxes move, ids stay.
    def ids(case):
        return sorted(f["id"] for f in document(report_of(case), result_of(case))["findings"])

    assert ids("sample") == ids("sample-large") == ids("sample-reportlab")
    assert len(set(ids("sample"))) == len(ids("sample")) == 11
