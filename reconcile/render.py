"""The output formats a report renders to, by name; each returns text or bytes.

A format either combines several reports into one output (`combine`) or writes one
file per report, in which case several reports need `--out` to be a folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from extract.model import Report
from reconcile.model import Result

Renderer = Callable[[Report, "Result | None", "Path | None"], "str | bytes"]  # (report, result, pdf path)


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    render: Renderer
    combine: Callable[[list], str] | None = None  # several rendered reports → one output
    binary: bool = False
    checks: bool = True  # offered by `jixiao check` (False: `extract` only)
    extracts: bool = False  # offered by `jixiao extract`
    bom: bytes = b""  # written before the content in a file (--out), never on standard output


def _json(report: Report, result: Result | None, pdf: Path | None) -> str:
    from reconcile.document import document, dumps

    return dumps(document(report, result))


def _json_list(parts: list[str]) -> str:
    import json

    from reconcile.document import dumps

    return parts[0] if len(parts) == 1 else dumps([json.loads(p) for p in parts])


def _text(report: Report, result: Result | None, pdf: Path | None) -> str:
    from reconcile.text import render

    return render(report, result)


# Excel on Chinese Windows reads a CSV file without a BOM as GBK (mojibake); with one, as UTF-8.
# Not on stdout: a BOM there would reach the next program of a pipe as part of the first header.
UTF8_BOM = "\ufeff".encode("utf-8")


def _csv(report: Report, result: Result | None, pdf: Path | None) -> str:
    frame = report.projects_frame()
    frame.insert(0, "file", report.source.path)
    return frame.to_csv(index=False)


def _csv_concat(parts: list[str]) -> str:
    return parts[0] + "".join(p.split("\n", 1)[1] for p in parts[1:])


def _html(report: Report, result: Result | None, pdf: Path | None) -> str:
    from reconcile.html import render

    return render(report, result, pdf)


def _xlsx(report: Report, result: Result | None, pdf: Path | None) -> bytes:
    from reconcile.xlsx import render

    return render(report, result, pdf)


def _md(report: Report, result: Result | None, pdf: Path | None) -> str:
    from reconcile.markdown import render

    return render(report, result, pdf)


def _pdf(report: Report, result: Result | None, pdf: Path | None) -> bytes:
    from reconcile.annotate import render

    return render(report, result, pdf)


def _md_combine(parts: list[str]) -> str:
    from reconcile.markdown import combine

    return combine(parts)


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    if fmt.name in FORMATS:
        raise ValueError(f"format {fmt.name!r} registered twice")
    FORMATS[fmt.name] = fmt
    return fmt


SCHEMA_FILE = "data/report.schema.json"  # in the reconcile package: the JSON document's JSON Schema


def schema_text() -> str:
    """The JSON Schema (draft 2020-12) of the JSON document (`jixiao schema`)."""
    from importlib import resources

    return resources.files("reconcile").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def offered(command: str) -> tuple[str, ...]:
    return tuple(name for name, f in FORMATS.items() if (f.checks if command == "check" else f.extracts))


register(Format("text", ".txt", _text, combine="\n".join))
register(Format("json", ".json", _json, combine=_json_list, extracts=True))
register(Format("csv", ".csv", _csv, combine=_csv_concat, checks=False, extracts=True, bom=UTF8_BOM))
register(Format("html", ".html", _html))  # one self-contained page per report, with page crops
register(Format("xlsx", ".xlsx", _xlsx, binary=True))
register(Format("md", ".md", _md, combine=_md_combine))
register(Format("pdf", ".pdf", _pdf, binary=True))  # the original PDF with the findings annotated
