"""One report through the pipeline — read, reconcile, render — as plain functions that flows wrap."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from extract.errors import ExitCode
from extract.model import Report
from flows import isolate
from reconcile.model import Result

log = logging.getLogger(__name__)

# Written for every report of an archive (those registered in reconcile/render.py).
ARCHIVE_FORMATS = ("json", "html", "xlsx")
# A report small enough to run through every step in a few milliseconds once warm.
WARM_UP = "2023年度某单位绩效自评报告\n（1）科普活动，调整预算数10万元，实际执行数6万元，支出进度60%。\n"


def available_formats(wanted: tuple[str, ...] = ARCHIVE_FORMATS) -> tuple[str, ...]:
    from reconcile.render import FORMATS

    return tuple(f for f in wanted if f in FORMATS)


def archive_formats(wanted: list[str] | tuple[str, ...] | None = None) -> tuple[str, ...]:
    """What an archive run writes per report: `wanted` (default ARCHIVE_FORMATS) that are
    registered, and always JSON, the document every table and comparison is built from."""
    chosen = available_formats(tuple(wanted) if wanted else ARCHIVE_FORMATS)
    return chosen if "json" in chosen else ("json", *chosen)


_warm: set = set()


def pool_worker(patterns: str | None = None) -> None:
    """What each worker of Prefect's process pool (`--pool processes`) does first: end with
    the run, even a killed one, and warm up."""
    isolate.exit_with_parent()
    warm(patterns)


def warm(patterns: str | None = None, formats: tuple[str, ...] = ARCHIVE_FORMATS) -> None:
    """Import and load everything a check needs, once a process, before children are forked.

    A small report goes through every step and renderer: their lazy imports, jieba's
    dictionary, compiled patterns and templates then stay in this process, and every forked
    child starts with them (measured: 0.4 s less a file with HTML and Excel).
    """
    key = (patterns, formats)
    if key in _warm:
        return
    import pdfplumber  # noqa: F401  (the pages PDFium leaves to it)

    import extract.pdfium  # noqa: F401  (pypdfium2's bindings: 0.1 s a child otherwise)
    from extract.reader import read_text
    from extract.segment import tokenizer

    tokenizer()
    try:
        report = read_text(WARM_UP, "warm-up", patterns)
        render(report, check(report), available_formats(formats))
    except Exception:  # warming up is an optimisation: a real file will show the error
        log.debug("warm-up failed", exc_info=True)
    _warm.add(key)


def read(path: str | Path, name: str | None = None, password: str | None = None,
         patterns: str | None = None) -> Report:
    """Extract a report; `name` is the path its outputs show (relative to the archive)."""
    from extract.reader import read_pdf, require_figures

    report = read_pdf(path, password, patterns)
    if name is not None:
        report.source = dataclasses.replace(report.source, path=name)
    return require_figures(report)


def check(report: Report) -> Result:
    from reconcile import reconcile

    return reconcile(report)


# Kept in the store beside a report's renderings, never copied to reports/: the HTML report's
# page crops, so that the report can be rendered again from its document without the PDF.
EVIDENCE = "_evidence"


def render(report: Report, result: Result, formats: tuple[str, ...], pdf: Path | None = None,
           doc: dict | None = None) -> dict:
    """{format: (suffix, bytes)}, from the JSON document (whose findings carry their stable ids);
    with "html", also EVIDENCE: the page crops it shows."""
    from reconcile.document import document

    doc = doc if doc is not None else identified(document(report, result))
    return _rendered(doc, formats, pdf, lambda fmt: fmt.render(report, result, pdf))


def rerender(kept, sha: str, record: dict, formats: tuple[str, ...]) -> dict | None:
    """A checked report rendered again from its stored document and page crops, without the PDF,
    when only the renderers (templates, reconcile/view.py…) or the formats asked for changed;
    the new renderings are stored and the record returned. None when that cannot be done (a
    format that needs the PDF or the report read, a rendering missing or damaged): the file is
    then read again."""
    import json

    from flows.store import DamagedResult
    from reconcile.evidence import Evidence
    from reconcile.render import FORMATS

    stored = record.get("renderings") or {}
    if "json" not in stored or ("html" in formats and EVIDENCE not in stored) or "pdf" in formats \
            or any(FORMATS[name].from_document is None for name in formats):
        return None
    try:
        document = kept.read_rendering(sha, record, "json")
        evidence = Evidence.from_json(kept.read_rendering(sha, record, EVIDENCE)) if "html" in formats else None
    except DamagedResult:
        return None
    out = _rendered(json.loads(document), tuple(f for f in formats if f != "json"), None, None, evidence)
    out["json"] = (".json", document)  # the document as checked, to the byte, not dumped again
    fresh = {k: v for k, v in record.items() if k not in ("renderings", "sizes", "digests", "rendered_with")}
    kept.put(sha, fresh, out)
    for name, file in stored.items():  # a format no longer asked for
        if name not in out:
            kept.rendering(sha, file).unlink(missing_ok=True)
    return kept.get(sha)


def _rendered(doc: dict, formats: tuple[str, ...], pdf: Path | None, otherwise, evidence=None) -> dict:
    """Each format made from the document; `otherwise(fmt)` makes one that cannot be (text).
    HTML gets its page crops from `evidence` when given, else from the PDF, and they are kept."""
    from reconcile.document import dumps
    from reconcile.render import FORMATS

    out = {}
    for name in formats:
        fmt = FORMATS[name]
        if name == "json":
            content = dumps(doc)
        elif name == "html":
            from reconcile.evidence import page_crops, requests_of
            from reconcile.html import render as html

            if evidence is None:
                evidence = page_crops(pdf, doc["source"]["sha256"], requests_of(doc))
            out[EVIDENCE] = (".evidence.json", evidence.to_json())
            content = html(doc, pdf, evidence=evidence)
        elif fmt.from_document is not None:
            content = fmt.from_document(doc, pdf)
        else:
            content = otherwise(fmt)
        out[name] = (fmt.suffix, content if isinstance(content, bytes) else content.encode("utf-8"))
    return out


def identified(doc: dict) -> dict:
    from flows.changes import assign_ids

    assign_ids(doc.get("findings", []))
    return doc


def check_one(path: str | Path, name: str, formats: tuple[str, ...], password: str | None = None,
              patterns: str | None = None) -> dict:
    """Everything an archive run keeps of one readable report: a record and its renderings."""
    from flows.tables import rows
    from reconcile.document import document

    report = read(path, name, password, patterns)
    result = check(report)
    doc = identified(document(report, result))
    errors = result.count("error")
    record = {
        "status": "checked",
        "exit_code": int(ExitCode.findings if errors else ExitCode.ok),
        "reason": "",
        "counts": {"error": errors, "warning": result.count("warning"), "info": result.count("info")},
        "document": {**doc["document"], "pages": doc["source"]["pages"]},
        "path": name,
        "sha256": doc["source"]["sha256"],
        "finding_ids": [f["id"] for f in doc["findings"]],
        "rows": rows(doc),
    }
    return {"record": record, "renderings": render(report, result, formats, Path(path), doc)}


# Set when the run is stopped: a batch running in a thread returns after its current file
# (the files it did not reach have no result, and the next run checks them).
STOP = threading.Event()

# A child ended by one of these was stopped with the run (Ctrl-C, kill, logout), not by its file.
INTERRUPTIONS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


# Where check_batch hands each result the moment its file is done, when it runs in the process
# that stores results (the threads runner): (pid, callback). A batch run elsewhere (a process
# pool, Dask) returns its results with the batch, as before.
_sink: tuple[int, Callable[[dict], None]] | None = None


def deliver_to(callback: Callable[[dict], None] | None) -> None:
    global _sink
    _sink = (os.getpid(), callback) if callback is not None else None


def _deliver(got: dict) -> dict:
    """Hand a result to the sink of this process, if there is one; what the batch keeps of it:
    only its name once delivered (a batch of 50 would otherwise hold 50 documents until the
    run ends, inside Prefect's future)."""
    sink = _sink
    if sink is not None and sink[0] == os.getpid():
        sink[1](got)
        return {"rel": got["rel"], "sha256": got["sha256"], "delivered": True}
    return got


def check_batch(items: list[tuple[str, str, str]], formats: tuple[str, ...], password: str | None = None,
                patterns: str | None = None, timeout: float | None = isolate.DEFAULT_TIMEOUT,
                memory: int | None = isolate.DEFAULT_MEMORY) -> list[dict]:
    """Check (path relative to the root, path, sha256) items one by one, each in its own child.

    Each result is {rel, sha256, record, renderings} or {rel, sha256, failure: {kind, exit_code,
    reason, final}}; a failure that is not `final` (the run was interrupted, the file changed
    while it was read) is not stored, and the next run tries again.
    """
    warm(patterns, formats)
    results = []
    for rel, path, sha in items:
        if STOP.is_set():
            break
        outcome = isolate.run(check_one, path, rel, formats, password, patterns, timeout=timeout, memory=memory)
        got = {"rel": rel, "sha256": sha}
        if outcome.ok and outcome.value["record"]["sha256"] != sha:
            got["failure"] = {"kind": "changed", "exit_code": int(ExitCode.input_unreadable), "final": False,
                              "reason": "文件在核对期间被修改，下次运行将重新核对"}
        elif outcome.ok:
            got.update(outcome.value)
        else:
            got["failure"] = {"kind": outcome.kind, "exit_code": outcome.exit_code, "reason": outcome.reason,
                              "final": outcome.signal not in INTERRUPTIONS and outcome.kind != "interrupted"}
            if got["failure"]["final"] and not _unchanged(path, sha):  # moved, deleted or rewritten meanwhile
                got["failure"].update(final=False, reason="文件在核对期间被移走、删除或修改，下次运行将重新核对")
        results.append(_deliver(got))
    return results


def _unchanged(path: str, sha: str) -> bool:
    """Whether the file is still there with the content it was planned with: a failure of a
    file that is gone or changed says nothing lasting about it, and is not stored."""
    import hashlib

    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest() == sha
    except OSError:
        return False
