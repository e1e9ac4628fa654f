"""Review decisions that stay: a reviewer confirms or dismisses a finding once, by its stable id.

The reviews file is TOML, one `[[review]]` table a decision, written by people and by
`jixiao review`:

    [[review]]
    id = "sum_mismatch:1f3a9c2b7d"   # the finding's id
    decision = "dismissed"           # or "confirmed"
    reason = "在第 5 页另有说明"        # required for dismissed
    by = "审计一组"                    # optional
    at = 2026-12-03                  # optional

A decision applies wherever its id appears — another run, a renamed or resubmitted file
whose finding is unchanged — because an id is made of what a finding is about (rule,
questioned figure, quoted sentence), not of where it was printed. Decisions are applied to
the canonical document (`apply`); every rendering takes them from there.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

CONFIRMED = "confirmed"
DISMISSED = "dismissed"
DECISIONS = (CONFIRMED, DISMISSED)
OPEN = "open"
DECISION_WORDS = {CONFIRMED: "确认", DISMISSED: "排除", OPEN: "待复核"}
KEYS = ("id", "decision", "reason", "by", "at")
_HEADER = re.compile(r"^\s*\[\[\s*review\s*\]\]")


class ReviewsError(ValueError):
    """A reviews file that cannot be used: the message names the file, the line and what is wrong."""


@dataclass(frozen=True, slots=True)
class Review:
    id: str
    decision: str
    reason: str = ""
    by: str = ""
    at: str = ""  # ISO date, as written
    line: int = 0  # of its [[review]] header in the file, for messages

    def as_dict(self) -> dict:
        return {"decision": self.decision, "reason": self.reason, "by": self.by or None, "at": self.at or None}


@dataclass(frozen=True, slots=True)
class Reviews:
    """The decisions of one reviews file, by finding id, in the file's order."""

    entries: dict[str, Review]
    path: str = ""

    def get(self, finding_id: str) -> Review | None:
        return self.entries.get(finding_id)

    def for_ids(self, ids) -> dict[str, dict]:
        """The decisions that apply to these ids, as JSON-ready dicts (for a rendering or a digest)."""
        return {i: self.entries[i].as_dict() for i in ids if i in self.entries}


NONE = Reviews({})


def load(path: str | Path, missing_ok: bool = False) -> Reviews:
    """Read a reviews file; a missing one is an error unless `missing_ok` (then no decisions)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return Reviews({}, str(path))
        raise ReviewsError(f"复核文件 {path} 不存在") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewsError(f"复核文件 {path} 无法读取（{exc}）") from exc
    return parse(text, str(path))


def parse(text: str, path: str = "reviews.toml") -> Reviews:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReviewsError(f"复核文件 {path} 不是有效的 TOML：{_toml_error(exc)}") from exc
    headers = [n for n, line in enumerate(text.splitlines(), 1) if _HEADER.match(line)]
    other = sorted(set(data) - {"review"})
    if other:
        raise ReviewsError(f"复核文件 {path} 只应包含 [[review]] 条目，另有：{'、'.join(other)}")
    tables = data.get("review", [])
    if not isinstance(tables, list):
        raise ReviewsError(f"复核文件 {path}：review 应写成 [[review]] 条目")
    entries: dict[str, Review] = {}
    for n, table in enumerate(tables):
        line = headers[n] if n < len(headers) else 0
        review = _entry(table, path, line)
        if review.id in entries:
            raise ReviewsError(f"{_where(path, line)}：编号 {review.id} 已在第 {entries[review.id].line} 行有复核结论")
        entries[review.id] = review
    return Reviews(entries, path)


def _entry(table: dict, path: str, line: int) -> Review:
    where = _where(path, line)
    unknown = [k for k in table if k not in KEYS]
    if unknown:
        raise ReviewsError(f"{where}：不认识的键 {'、'.join(unknown)}（可用：{'、'.join(KEYS)}）")
    for key in ("id", "decision", "reason", "by"):
        if key in table and not isinstance(table[key], str):
            raise ReviewsError(f"{where}：{key} 应为字符串")
    finding_id = table.get("id", "").strip()
    if not finding_id:
        raise ReviewsError(f"{where}：缺少 id（发现的编号，见 jixiao review 的列表或 JSON 的 id）")
    decision = table.get("decision", "")
    if decision not in DECISIONS:
        raise ReviewsError(f"{where}：decision 应为 \"confirmed\"（确认）或 \"dismissed\"（排除），此处为 {decision!r}")
    reason = table.get("reason", "").strip()
    if decision == DISMISSED and not reason:
        raise ReviewsError(f"{where}：排除（dismissed）须写明 reason")
    at = table.get("at", "")
    if isinstance(at, datetime):
        at = at.date()
    if isinstance(at, date):
        at = at.isoformat()
    elif at:
        try:
            at = date.fromisoformat(str(at)).isoformat()
        except ValueError:
            raise ReviewsError(f"{where}：at 应为日期，如 2026-12-03，此处为 {at!r}") from None
    return Review(finding_id, decision, reason, table.get("by", "").strip(), at, line)


def _where(path: str, line: int) -> str:
    return f"复核文件 {path} 第 {line} 行" if line else f"复核文件 {path}"


def _toml_error(exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's message with its position in Chinese: "(at line 3, column 7)" → 第 3 行第 7 列."""
    text = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if not found:
        return text
    return f"第 {found[1]} 行第 {found[2]} 列，{text[:found.start()].strip()}"


def apply(doc: dict, reviews: Reviews) -> dict:
    """Give each finding of a checked document its `review` (or None), count findings open,
    confirmed and dismissed in `summary.review`, and list under `reviews_unmatched` the
    decisions whose id matches no finding of this document. In place; returns `doc`."""
    findings = doc.get("findings", [])
    counts = {OPEN: 0, CONFIRMED: 0, DISMISSED: 0}
    for finding in findings:
        review = reviews.get(finding["id"])
        finding["review"] = review.as_dict() if review else None
        counts[review.decision if review else OPEN] += 1
    counts["errors_open"] = blocking(findings)
    doc["summary"]["review"] = counts
    ids = {f["id"] for f in findings}
    doc["reviews_unmatched"] = [{"id": r.id, **r.as_dict(), "line": r.line}
                                for r in reviews.entries.values() if r.id not in ids]
    return doc


def blocking(findings: list[dict]) -> int:
    """Error findings that still count for the exit status: all but the dismissed ones."""
    return sum(1 for f in findings if f["severity"] == "error"
               and (f.get("review") or {}).get("decision") != DISMISSED)


def decision_of(finding: dict) -> str:
    return (finding.get("review") or {}).get("decision") or OPEN


def record(text: str, finding_id: str, decision: str, reason: str = "", by: str = "",
           at: str | None = None) -> str:
    """The reviews file's text with one decision added or updated, keeping its other entries,
    comments and order (tomlkit edits the document instead of rewriting it)."""
    import tomlkit

    parse(text)  # refuse to edit a file that is already malformed
    reason = reason.strip()
    if decision == DISMISSED and not reason:
        raise ReviewsError("排除（dismissed）须写明理由：--reason")
    doc = tomlkit.parse(text)
    tables = doc.get("review")
    if tables is None:
        tables = tomlkit.aot()
        doc.append("review", tables)
    entry = next((t for t in tables if t.get("id") == finding_id), None)
    fresh = entry is None
    if fresh:
        entry = tomlkit.table()
        entry["id"] = finding_id
    entry["decision"] = decision
    for key, value in (("reason", reason), ("by", by.strip())):
        if value:
            entry[key] = value
        elif key in entry:
            del entry[key]
    entry["at"] = date.fromisoformat(at) if at else date.today()
    if fresh:
        entry.add(tomlkit.nl())  # a blank line between entries, as people write them
        tables.append(entry)
    return tomlkit.dumps(doc)
