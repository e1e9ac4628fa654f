"""Reviewers' decisions in an archive run: OUT/reviews.toml (or --reviews) applied to every
report's counts, outputs and tables from what the store keeps — no PDF is read again.

A decision applies wherever its id appears, so it follows a renamed or resubmitted file whose
finding is unchanged. The stored renderings never hold decisions; they are applied as the
outputs are written (JSON: the document; HTML: its data block; Excel: its 复核 columns), and an
output is rewritten only when the decisions that concern it changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from extract.errors import UsageError
from reconcile import reviews as rv

FILE = "reviews.toml"


def load(out: Path, path: str | None = None) -> rv.Reviews | None:
    """The reviews in force: `path` if given (it must exist), else OUT/reviews.toml if present."""
    target = Path(path) if path else Path(out) / FILE
    if not path and not target.exists():
        return None
    if not target.exists():
        raise UsageError(f"复核文件 {target} 不存在", "请检查 --reviews 给出的路径")
    try:
        return rv.load(target)
    except rv.ReviewsError as exc:
        raise UsageError(str(exc), "请按 README 的“复核”一节修改该文件") from exc


def subset(reviews: rv.Reviews, ids: list[str]) -> rv.Reviews:
    """The decisions that concern one report."""
    return rv.Reviews({i: reviews.entries[i] for i in ids if i in reviews.entries}, reviews.path)


def counts(findings: list[dict], reviews: rv.Reviews | None) -> dict:
    """Findings open, confirmed and dismissed, and the errors that still count (not dismissed).

    `findings` are rows with `id` and `severity` (a stored record's rows, or a document's).
    """
    out = {rv.OPEN: 0, rv.CONFIRMED: 0, rv.DISMISSED: 0}
    decided = []
    for finding in findings:
        review = reviews.get(finding["id"]) if reviews else None
        out[review.decision if review else rv.OPEN] += 1
        decided.append({"severity": finding["severity"], "review": review.as_dict() if review else None})
    out["errors_open"] = rv.blocking(decided)
    return out


def digest(ids: list[str], reviews: rv.Reviews | None) -> str:
    """What the decisions that concern one report come to, to tell when its outputs must be rewritten."""
    if reviews is None:
        return ""
    basis = json.dumps(reviews.for_ids(ids), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def apply(fmt: str, data: bytes, reviews: rv.Reviews) -> bytes:
    """A stored rendering with the report's decisions in it (`reviews`: that report's subset)."""
    if fmt == "json":
        from reconcile.document import dumps

        doc = json.loads(data)
        if "findings" in doc:
            rv.apply(doc, reviews)
        return dumps(doc).encode("utf-8")
    if not reviews.entries:  # a stored rendering holds no decisions: nothing to add
        return data
    if fmt == "html":
        from reconcile.html import apply_reviews

        return apply_reviews(data.decode("utf-8"), reviews).encode("utf-8")
    if fmt == "xlsx":
        from reconcile.xlsx import apply_reviews

        return apply_reviews(data, reviews)
    return data


def unmatched(reviews: rv.Reviews | None, files: list[dict]) -> list[dict]:
    """Decisions whose id matches no finding of any report of the archive."""
    if not reviews:
        return []
    found = {i for f in files for i in f.get("finding_ids", [])}
    return [{"id": r.id, "decision": r.decision, "line": r.line} for r in reviews.entries.values() if r.id not in found]


def rows(stored: dict, reviews: rv.Reviews | None) -> dict:
    """A report's table rows with each finding's decision (open, confirmed, dismissed) and its reason."""
    findings = []
    for row in stored.get("findings", []):
        review = reviews.get(row["id"]) if reviews else None
        findings.append({**row, "decision": review.decision if review else rv.OPEN,
                         "review_reason": (review.reason or None) if review else None,
                         "review_by": (review.by or None) if review else None,
                         "review_at": (review.at or None) if review else None})
    return {**stored, "findings": findings}
