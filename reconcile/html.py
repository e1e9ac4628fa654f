"""The HTML report: one self-contained file, in Chinese, with page crops as evidence for every finding."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

from extract.model import Report
from reconcile.model import Result

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment():
    """Jinja2 with autoescape on: every string from the PDF is escaped wherever it is put."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)


@cache
def assets() -> tuple[str, str, str]:
    """The inline style sheet and script, and a Content-Security-Policy that allows exactly them.

    The policy allows no network and no other script: the file opens offline, and a
    string that escaped escaping still could not run.
    """
    css = (TEMPLATES / "jixiao.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "jixiao.js").read_text(encoding="utf-8")
    csp = ("default-src 'none'; img-src data:; "
           f"style-src '{_digest(css)}'; script-src '{_digest(js)}'; "
           "base-uri 'none'; form-action 'none'")
    return css, js, csp


def _digest(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def words() -> dict:
    from reconcile import view

    return {"severity": view.SEVERITY_WORDS, "verdict": view.VERDICT_WORDS, "outcome": view.OUTCOME_WORDS,
            "relation": view.RELATION_WORDS, "status": view.STATUS_WORDS}


def page(template: str, **context) -> str:
    """Render one of the templates with the shared style sheet, script and policy."""
    from markupsafe import Markup

    css, js, csp = assets()
    return environment().get_template(template).render(css=Markup(css), js=Markup(js), csp=csp,
                                                       words=words(), **context)


def render(report: Report, result: Result | None, pdf_path: Path | str | None = None) -> str:
    """The checked report as one HTML page; without a readable PDF it says so instead of showing crops."""
    from reconcile import reconcile
    from reconcile.evidence import page_crops
    from reconcile.view import build

    if result is None:
        result = reconcile(report)
    view = build(report, result)
    evidence = page_crops(pdf_path, report.source.sha256, {f["index"]: f["boxes"] for f in view["findings"]})
    return page("report.html.j2", view=view, evidence=evidence)
