"""Shared inputs for the extraction tests: the sample report read from its text."""

from pathlib import Path

import pytest

from extract import read_text

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TEXT = ROOT / "fixtures" / "sample" / "source.txt"


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE_TEXT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample(sample_text):
    """The sample report, read once per test session (tests must not mutate it)."""
    return read_text(sample_text, name="sample/source.txt")
