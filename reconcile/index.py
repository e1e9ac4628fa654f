"""The archive index: one HTML page listing every report with its counts, linking to each report's HTML."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

STATUS_WORDS = {"checked": "已核对", "cached": "已核对（缓存）", "failed": "失败", "skipped": "跳过"}
READABLE = ("checked", "cached")
SEVERITY_KEYS = ("error", "warning", "info")


def href(path: str | None) -> str | None:
    """A relative link to an output: every character that could make it a scheme, a query or a
    fragment is percent-encoded ("javascript:…" becomes a harmless relative path)."""
    if not path:
        return None
    return quote(str(path).replace("\\", "/"), safe="/-._~")


def _row(item: dict) -> dict:
    status = item.get("status") or "failed"
    counts = {k: int((item.get("counts") or {}).get(k) or 0) for k in SEVERITY_KEYS}
    outputs = item.get("outputs") or {}
    others = [(name, link) for name, path in sorted(outputs.items())
              if name != "html" and (link := href(path))]
    counted = status in READABLE
    review = item.get("review") or {}
    open_findings = int(review.get("open", sum(counts.values())))  # no reviews file: every finding is open
    open_errors = int(review.get("errors_open", counts["error"]))
    return {
        "path": str(item.get("path") or ""), "status": status, "reason": str(item.get("reason") or ""),
        "organization": str(item.get("organization") or ""), "year": item.get("year"),
        "counts": counts, "counted": counted, "html": href(outputs.get("html")), "others": others,
        "problem": status == "failed" or open_errors > 0,
        "open": open_findings, "open_errors": open_errors,
        "decided": int(review.get("confirmed", 0)) + int(review.get("dismissed", 0)),
        "dismissed": int(review.get("dismissed", 0)),
    }


def render_index(summary: dict) -> str:
    """The index page of an archive run, from its summary.json (schema jixiao.archive/1)."""
    from reconcile.html import page
    from reconcile.view import tool_version

    rows = [_row(item) for item in summary.get("files") or []]
    totals = {k: sum(r["counts"][k] for r in rows if r["counted"]) for k in SEVERITY_KEYS}
    statuses = Counter(r["status"] for r in rows)
    order = list(STATUS_WORDS)
    by_status = sorted(statuses.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    return page(
        "index.html.j2", root=str(summary.get("root") or ""), rows=rows, totals=totals, by_status=by_status,
        with_errors=sum(1 for r in rows if r["counted"] and r["open_errors"]),
        open=sum(r["open"] for r in rows if r["counted"]), dismissed=sum(r["dismissed"] for r in rows if r["counted"]),
        reviewed="reviews" in summary,
        readable=sum(1 for r in rows if r["counted"]),
        failed=[r for r in rows if r["status"] in ("failed", "skipped")],
        status_words=STATUS_WORDS, version=tool_version(),
    )
