"""Document → structured report: every project line and stated total, with its source."""

from extract.model import Aggregate, DocumentInfo, Fact, NamedRef, ProjectLine, Report, Source, Span
from extract.reader import read_pdf, read_text

__all__ = [
    "Aggregate", "DocumentInfo", "Fact", "NamedRef", "ProjectLine", "Report", "Source", "Span",
    "read_pdf", "read_text",
]
