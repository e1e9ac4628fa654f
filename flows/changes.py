"""Which findings are new, resolved or unchanged since the last run, by their stable ids.

The ids come with every document (reconcile.document.assign_ids). A finding's id is a digest of what it is about, not of where it was printed: its rule, the
figure it questions (value and unit) and the sentence it quotes, with white space removed.
Page, position and message wording are left out: a resubmission that only moves a paragraph
to the next page, or a new release that rewords a message, keeps every id. Correcting the
figure, or the sentence around it, resolves the old finding (and may raise a new one).
Two findings alike in all of these get `-2`, `-3`… in reading order.
"""

from __future__ import annotations

from reconcile.document import assign_ids, finding_id  # noqa: F401  (the ids, re-exported)


def compare(previous: list[str] | None, current: list[str]) -> dict:
    """{new, resolved, unchanged} between two runs' ids of one document (None: never seen before)."""
    before = set(previous or ())
    now = set(current)
    return {"new": [i for i in current if i not in before],
            "resolved": [i for i in (previous or ()) if i not in now],
            "unchanged": len(before & now)}
