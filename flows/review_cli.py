"""`jixiao review FILE`: a report's findings with their ids and decisions, or one decision recorded."""

from __future__ import annotations

import argparse
from pathlib import Path

from extract.errors import ExitCode, UsageError, shown
from flows.files import write_atomic
from reconcile import reviews as rv
from reconcile.text import SEVERITY_WORDS, pad, width

REVIEWS_FILE = "reviews.toml"


def load_reviews(path: str | None, missing_ok: bool = False):
    """The reviews file in force, read and validated before any work (a bad one is exit 2)."""
    if not path:
        return None
    if not missing_ok and not Path(path).exists():
        raise UsageError(f"复核文件 {path} 不存在", "请检查 --reviews（或配置文件 reviews）给出的路径")
    try:
        return rv.load(path, missing_ok=missing_ok)
    except rv.ReviewsError as exc:
        raise UsageError(str(exc), "请按 README 的“复核”一节修改该文件") from exc


def review(args: argparse.Namespace) -> int:
    from extract.reader import read_pdf, require_figures
    from reconcile import reconcile
    from reconcile.document import document

    path = Path(args.reviews or REVIEWS_FILE)
    book = load_reviews(str(path), missing_ok=True)
    if args.merge is not None:
        return merge(args.merge, path)
    if args.file is None:
        raise UsageError("jixiao review 需要一个 PDF 文件（或 --merge 复核文件）", "例如 jixiao review report.pdf")
    report = require_figures(read_pdf(args.file, args.password, args.patterns))
    result = reconcile(report)
    result.reviews = book
    doc = document(report, result)
    target = args.dismiss or args.confirm
    if target is None:
        print(listing(doc, path))
        return int(ExitCode.ok)
    finding = _find(doc["findings"], target, args.file)
    decision = rv.DISMISSED if args.dismiss else rv.CONFIRMED
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        updated = rv.record(text, finding["id"], decision, args.reason, args.by)
    except rv.ReviewsError as exc:
        raise UsageError(str(exc), "请补全后重试") from exc
    write_atomic(path, updated.encode("utf-8"))
    print(f"已记录：{rv.DECISION_WORDS[decision]} {finding['id']}（{finding['message']}）→ {path}")
    return int(ExitCode.ok)


def merge(source: Path, path: Path) -> int:
    """Add every decision of `source` (an HTML report's export, another reviewer's file) to the
    reviews file at `path`: new ids appended, decided ids updated, everything else kept."""
    incoming = load_reviews(str(source))
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    before = rv.parse(text, str(path)).entries
    changed = 0
    for entry in incoming.entries.values():
        if entry.id in before and before[entry.id].as_dict() == entry.as_dict():
            continue
        text = rv.record(text, entry.id, entry.decision, entry.reason, entry.by, entry.at or None)
        changed += 1
    if changed:
        write_atomic(path, text.encode("utf-8"))
    new = sum(1 for i in incoming.entries if i not in before)
    print(f"已合并 {source} 的 {len(incoming.entries)} 条结论到 {path}：新增 {new}，更新 {changed - new}，"
          f"未变 {len(incoming.entries) - changed}")
    return int(ExitCode.ok)


def _find(findings: list[dict], wanted: str, pdf: Path) -> dict:
    """The finding with this id, or the only one whose id starts with it (ids can be shortened)."""
    exact = [f for f in findings if f["id"] == wanted]
    matches = exact or [f for f in findings if f["id"].startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"{shown(pdf, whole=True)} 没有编号为 {wanted} 的发现",
                         f"用 jixiao review {shown(pdf, whole=True)} 列出各发现的编号")
    raise UsageError(f"编号 {wanted} 对应 {len(matches)} 条发现（{'、'.join(f['id'] for f in matches)}）",
                     "请写出完整编号")


def listing(doc: dict, path: Path) -> str:
    """Every finding with its id, severity, page, decision and message; then the counts."""
    rows = [(f["id"], SEVERITY_WORDS[f["severity"]], f"第{f['page']}页", rv.DECISION_WORDS[rv.decision_of(f)],
             f["message"] + (f"（{f['review']['reason']}）" if f.get("review") and f["review"]["reason"] else ""))
            for f in doc["findings"]]
    header = ("编号", "级别", "页码", "复核", "说明")
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["  ".join(pad(c, w) for c, w in zip(row, widths)) + "  " + row[4] for row in [header, *rows]]
    counts = doc["summary"]["review"]
    lines.append(f"共 {len(rows)} 条发现：待复核 {counts['open']}，确认 {counts['confirmed']}，"
                 f"排除 {counts['dismissed']}（复核文件 {path}{'' if path.exists() else '，尚未创建'}）")
    for entry in doc["reviews_unmatched"]:
        lines.append(f"复核文件第 {entry['line']} 行的 {entry['id']} 在本报告中没有对应的发现")
    return "\n".join(lines)
