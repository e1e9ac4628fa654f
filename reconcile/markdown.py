"""The short Markdown summary (counts and error findings), for Prefect artifacts and e-mail."""

from __future__ import annotations

import re
from pathlib import Path

from reconcile.reviews import DECISION_WORDS
from reconcile.view import SEVERITY_WORDS, build

# Characters that mean something to CommonMark or to the HTML a Markdown viewer may pass through.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
MAX_ERRORS = 50  # an e-mail stays readable; the HTML report has them all


def escape(text: str) -> str:
    """Text from the PDF as literal Markdown: no markup, no HTML, no links, on one line."""
    return _SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text or "").strip())


def render(doc: dict, pdf_path: Path | str | None = None) -> str:
    """A checked JSON document as a short Markdown summary (the PDF is not needed)."""
    view = build(doc)
    doc, src, s = view["document"], view["source"], view["summary"]
    o = s["outcomes"]
    who = " ".join(str(x) for x in (doc["organization"] or "单位未识别", doc["year"] or "") if x != "")
    lines = [
        f"### {escape(who)} · 核对结果",
        "",
        f"文件 `{_code(src['path'])}`，共 {src['pages']} 页，SHA-256 `{src['sha256'][:12]}…`",
        "",
        "| 错误 | 警告 | 提示 | 核对项 | 通过 | 取整差异 | 不符 | 数据不足 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s['errors']} | {s['warnings']} | {s['notes']} | {s['checks']} | {o['pass']} | {o['rounding']} "
        f"| {o['fail']} | {o['insufficient_data']} |",
        "",
    ]
    if s["remarks"]:
        lines += ["备注：" + escape("；".join(s["remarks"])), ""]
    if "review" in s:
        r = s["review"]
        lines += [f"复核：待复核 {r['open']}，确认 {r['confirmed']}，排除 {r['dismissed']}", ""]
    errors = [f for f in view["findings"] if f["severity"] == "error"]
    if errors:
        lines.append(f"**错误（{len(errors)}）**")
        lines.append("")
        for n, f in enumerate(errors[:MAX_ERRORS], start=1):
            decided = f"（{_decision(f)}）" if f.get("review") else ""
            lines.append(f"{n}. 第 {f['page']} 页 · `{f['rule']}`{decided}：{escape(f['message'])}")
            if f["quote"]:
                lines.append(f"   > {escape(f['quote'])}")
        if len(errors) > MAX_ERRORS:
            lines.append(f"\n…另有 {len(errors) - MAX_ERRORS} 条错误，见 HTML 或 Excel 报告。")
        lines.append("")
    else:
        lines += ["没有错误。", ""]
    others = [f"{SEVERITY_WORDS[k]} {n} 条" for k, n in (("warning", s["warnings"]), ("info", s["notes"])) if n]
    if others:
        by_rule = "、".join(f"`{r['code']}` {r['count']}" for r in view["rules"] if r["severity"] != "error")
        lines += [f"另有{'、'.join(others)}（{by_rule}），详见 HTML 或 Excel 报告。", ""]
    return "\n".join(lines)


def _decision(finding: dict) -> str:
    review = finding["review"]
    word = "已" + DECISION_WORDS[review["decision"]]
    return word + (f"：{escape(review['reason'])}" if review["reason"] else "")


def _code(text: str) -> str:
    """Text inside a code span: backticks cannot close it early."""
    return (text or "").replace("`", "'").replace("\n", " ")


def combine(parts: list[str]) -> str:
    return "\n---\n\n".join(parts)
