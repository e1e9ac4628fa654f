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
def scanned_report():
    """The sample's scanned rendering (every page an image), read with OCR: about 15 s, once a
    session for the tests that need it (tests/test_ocr.py, tests/render/test_annotate.py)."""
    from extract import read_pdf

    return read_pdf(FIXTURES / "inputs" / "sample-scanned.pdf")


@cache
def result_of(case: str):
    from reconcile import reconcile

    return reconcile(report_of(case))


# What a skipped test lacks, by a word of its skip reason, and how to install it on Debian or
# from a clone; the skip reason gains the command and the summary lists them all, so a run on
# a fresh machine says what to install instead of skipping in silence.
INSTALLS = (
    ("chromium", "apt-get install chromium"),
    ("pdftoppm", "apt-get install poppler-utils"),
    ("wqy", "apt-get install fonts-wqy-microhei"),
    ("LibreOffice", "apt-get install libreoffice-calc-nogui"),
    ("jixiao[ocr]", "pip install -e '.[ocr]'"),
    ("playwright", "pip install -e '.[test]'"),
)


def install_commands(reason: str) -> list[str]:
    """The commands that install what a skip reason says is missing."""
    return [command for word, command in INSTALLS if word.lower() in reason.lower()]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and isinstance(report.longrepr, tuple):
        path, line, reason = report.longrepr
        missing = [c for c in install_commands(reason) if c not in reason]
        if missing:
            report.longrepr = (path, line, f"{reason} [install: {'; '.join(missing)}]")


def pytest_terminal_summary(terminalreporter):
    reasons = [r.longrepr[2] for r in terminalreporter.stats.get("skipped", []) if isinstance(r.longrepr, tuple)]
    commands = sorted({c for reason in reasons for c in install_commands(reason)})
    if commands:
        apt = [c.removeprefix("apt-get install ") for c in commands if c.startswith("apt-get")]
        pip = [c for c in commands if not c.startswith("apt-get")]
        terminalreporter.write_sep("-", "tests skipped for what this machine lacks")
        terminalreporter.write_line("to run them: " + "; ".join(
            ([f"apt-get install {' '.join(apt)}"] if apt else []) + pip))


@pytest.fixture
def sample_text() -> str:
    return (FIXTURES / "sample" / "source.txt").read_text(encoding="utf-8")
