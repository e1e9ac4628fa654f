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
FromDocument = Callable[[dict, "Path | None"], "str | bytes"]  # (checked JSON document, pdf path)


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
    # Renders a checked JSON document, saved or fresh (`jixiao render`): `render` then checks and
    # goes through the document, so both give the same file.
    from_document: FromDocument | None = None


def _json(report: Report, result: Result | None, pdf: Path | None) -> str:
    from reconcile.document import document, dumps

    return dumps(document(report, result))


def _json_again(doc: dict, pdf: Path | None) -> str:
    from reconcile.document import dumps

    return dumps(doc)


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


def checked(report: Report, result: Result | None) -> dict:
    """The JSON document of a checked report (checked now when `result` is None)."""
    from reconcile import reconcile
    from reconcile.document import document

    return document(report, reconcile(report) if result is None else result)


def _through_document(from_document: FromDocument) -> Renderer:
    def render(report: Report, result: Result | None, pdf: Path | None) -> str | bytes:
        return from_document(checked(report, result), pdf)

    return render


def _html(doc: dict, pdf: Path | None) -> str:
    from reconcile.html import render

    return render(doc, pdf)


def _xlsx(doc: dict, pdf: Path | None) -> bytes:
    from reconcile.xlsx import render

    return render(doc, pdf)


def _md(doc: dict, pdf: Path | None) -> str:
    from reconcile.markdown import render

    return render(doc, pdf)


def _pdf(doc: dict, pdf: Path | None) -> bytes:
    from reconcile.annotate import render

    return render(doc, pdf)


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
register(Format("json", ".json", _json, combine=_json_list, extracts=True, from_document=_json_again))
register(Format("csv", ".csv", _csv, combine=_csv_concat, checks=False, extracts=True, bom=UTF8_BOM))
# one self-contained page per report, with page crops
register(Format("html", ".html", _through_document(_html), from_document=_html))
register(Format("xlsx", ".xlsx", _through_document(_xlsx), binary=True, from_document=_xlsx))
register(Format("md", ".md", _through_document(_md), combine=_md_combine, from_document=_md))
# the original PDF with the findings annotated
register(Format("pdf", ".pdf", _through_document(_pdf), binary=True, from_document=_pdf))
