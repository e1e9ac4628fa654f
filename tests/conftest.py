"""Shared test helpers: the fixture cases and their reports, read once per session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CASES = sorted(p.parent.name for p in FIXTURES.glob("*/report.pdf"))
# Renderings of the sample text that must read the same: other fonts, producers, units.
SAMPLE_RENDERINGS = ["sample", "sample-large", "sample-reportlab", "sample-yuan"]


@cache
def report_of(case: str):
    from extract import read_pdf

    return read_pdf(FIXTURES / case / "report.pdf")


@cache
def result_of(case: str):
    from reconcile import reconcile

    return reconcile(report_of(case))


@pytest.fixture
def sample_text() -> str:
    return (FIXTURES / "sample" / "source.txt").read_text(encoding="utf-8")
