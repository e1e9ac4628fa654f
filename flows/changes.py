"""Stable ids for findings, and which findings are new, resolved or unchanged since the last run.

A finding's id is a digest of what it is about, not of where it was printed: its rule, the
figure it questions (value and unit) and the sentence it quotes, with white space removed.
Page, position and message wording are left out: a resubmission that only moves a paragraph
to the next page, or a new release that rewords a message, keeps every id. Correcting the
figure, or the sentence around it, resolves the old finding (and may raise a new one).
Two findings alike in all of these get `-2`, `-3`… in reading order.
"""

from __future__ import annotations

import hashlib


def finding_id(finding: dict) -> str:
    quote = "".join((finding.get("quote") or "").split()).strip("…")
    basis = "\x1f".join([finding["rule"], finding.get("stated") or "", finding.get("unit") or "", quote])
    return f"{finding['rule']}:{hashlib.sha256(basis.encode('utf-8')).hexdigest()[:10]}"


def assign_ids(findings: list[dict]) -> list[str]:
    """Give each finding dict its `id` (in place); returns the ids in order."""
    seen: dict[str, int] = {}
    ids = []
    for finding in findings:
        base = finding_id(finding)
        seen[base] = seen.get(base, 0) + 1
        finding["id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"
        ids.append(finding["id"])
    return ids


def compare(previous: list[str] | None, current: list[str]) -> dict:
    """{new, resolved, unchanged} between two runs' ids of one document (None: never seen before)."""
    before = set(previous or ())
    now = set(current)
    return {"new": [i for i in current if i not in before],
            "resolved": [i for i in (previous or ()) if i not in now],
            "unchanged": len(before & now)}
