"""The HTML report: one self-contained file, in Chinese, with page crops as evidence for every finding."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import cache
from pathlib import Path


TEMPLATES = Path(__file__).parent / "templates"
# The reviews data block: JSON, never markup. Its text holds no "<" (escaped), so it ends at the first one.
REVIEWS_BLOCK = re.compile(r'(<script type="application/json" id="jixiao-reviews">)([^<]*)(</script>)')
_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


@cache
def environment():
    """Jinja2 with autoescape on: every string from the PDF is escaped wherever it is put.

    File paths (and the index's reasons, which may name a file) go through the `visible` filter
    as well (`{{ src.path|visible }}`): control and bidirectional characters of a file's name are
    written as escapes (extract.errors.visible), so a U+202E cannot turn a name around on the
    page, nor a newline break it.
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from extract.errors import shown

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.filters["visible"] = lambda value: shown(str(value), whole=True)  # never surrogates
    return env


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


def render(doc: dict, pdf_path: Path | str | None = None, evidence=None) -> str:
    """A checked JSON document as one HTML page, with crops of the PDF (checked against the
    document's SHA-256) as evidence; without a readable PDF it says so instead of showing crops.
    `evidence`: the crops made already (`reconcile.evidence.Evidence`), kept by an archive."""
    from markupsafe import Markup

    from reconcile.evidence import page_crops, requests_of
    from reconcile.view import build

    view = build(doc)
    if evidence is None:
        evidence = page_crops(pdf_path, doc["source"]["sha256"], requests_of(doc))
    ids = [f["id"] for f in view["findings"]]
    decisions = {f["id"]: f["review"] for f in view["findings"] if f.get("review")}
    return page("report.html.j2", view=view, evidence=evidence, reviews=Markup(reviews_block(ids, decisions)))


def reviews_block(ids: list[str], decisions: dict[str, dict]) -> str:
    """The text of the page's reviews data block: every finding id of the page, in order, and the
    decisions (`Review.as_dict()`) of those of them that are decided.

    Deterministic (sorted keys, no spaces) and inert inside <script type="application/json">:
    "<", ">" and "&" are written as \\u003c, \\u003e and \\u0026, so no reason can close
    the element or open a comment; JSON.parse reads them back as the characters.
    """
    data = {"ids": list(ids), "decisions": {i: decisions[i] for i in ids if i in decisions}}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return re.sub(r"[<>&]", lambda m: _UNSAFE[m[0]], text)


def apply_reviews(html: str, reviews) -> str:
    """A rendered report page with the decisions of `reviews` (a `reconcile.reviews.Reviews`, or None
    for none) in place of those it had, for the findings it shows: the page's ids are read from its
    own block.

    The page shows decisions from that block alone, so this gives, byte for byte, the page that
    `render` would give with `result.reviews = reviews`, without reading the PDF again.
    """
    found = REVIEWS_BLOCK.search(html)
    if found is None:
        raise ValueError("not a jixiao report page: it has no reviews data block (id=jixiao-reviews)")
    ids = json.loads(found[2])["ids"]
    block = reviews_block(ids, reviews.for_ids(ids) if reviews is not None else {})
    return html[:found.start(2)] + block + html[found.end(2):]
