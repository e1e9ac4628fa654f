"""The terminal rendering: a findings table sorted by severity and page, then a summary line."""

from __future__ import annotations

import unicodedata

from extract.model import Report
from reconcile.document import summary, verdict
from reconcile.model import Result
from reconcile.reviews import DECISION_WORDS, decision_of

SEVERITY_WORDS = {"error": "错误", "warning": "警告", "info": "提示"}


def width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def render(report: Report, result: Result) -> str:
    doc = report.document
    head = f"{report.source.path}  {doc.organization or '（单位未识别）'} {doc.year or ''}  共 {report.source.pages} 页"
    lines = [head.rstrip()]
    if report.source.ocr_pages:
        lines.append(f"第 {_pages(report.source.ocr_pages)} 页为扫描件，数字经 OCR 识别，请对照原件核实")
    if report.source.unread_pages:
        lines.append(f"第 {_pages(report.source.unread_pages)} 页没有文字层，未能读取（安装 jixiao[ocr] 可识别）")
    lines.append("")
    findings = result.findings
    reviewed = verdict(result) if result.reviews is not None else None
    decided = reviewed["findings"] if reviewed else None
    if findings:
        header = ("级别", "规则", "页码", "说明")
        rows = [(SEVERITY_WORDS[f.severity], f.rule, f"第{f.span.page}页", f.message) for f in findings]
        if decided is not None:  # a reviews file is in force: each finding's decision, and why
            header = ("级别", "规则", "页码", "复核", "说明")
            rows = [(*row[:3], DECISION_WORDS[decision_of(d)], row[3] + _why(d)) for row, d in zip(rows, decided)]
        widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
        for row in [header, *rows]:
            lines.append("  ".join(pad(c, w) for c, w in zip(row, widths)) + "  " + row[-1])
        lines.append("")
    if not any(c.outcome != "insufficient_data" for c in result.checks):
        lines.extend(_what_was_read(report))
    lines.append(summary_line(result, reviewed))
    return "\n".join(lines) + "\n"


def _what_was_read(report: Report) -> list[str]:
    """With nothing to check, the reviewer still sees every line read and every sentence whose
    figures were left unrelated: a report is never passed in silence."""
    out = []
    if report.projects:
        rows = [(f"第{p.span.page}页", p.name, _money(p.budget), _money(p.actual)) for p in report.projects]
        header = ("页码", "项目", "预算数", "执行数")
        widths = [max(width(r[i]) for r in [header, *rows]) for i in range(4)]
        out.append("读到的项目（无可核对的关系）：")
        out.extend("  ".join(pad(c, w) for c, w in zip(row, widths)).rstrip() for row in [header, *rows])
        out.append("")
    if report.unused:
        out.append("含数字但未能关联的句子：")
        out.extend(f"第{u.span.page}页  {'、'.join(u.figures)}：{u.sentence[:60]}" for u in report.unused)
        out.append("")
    return out


def _why(finding: dict) -> str:
    review = finding.get("review")
    return f"（复核：{review['reason']}）" if review and review["reason"] else ""


def _money(fact) -> str:
    return fact.text if fact is not None else "—"


def summary_line(result: Result, reviewed: dict | None = None) -> str:
    """The closing line; with `reviewed` (the document with decisions applied), their counts too."""
    s = summary(result)
    o = s["outcomes"]
    text = (f"核对 {s['checks']} 项：通过 {o['pass']}，取整差异 {o['rounding']}，不符 {o['fail']}，"
            f"数据不足 {o['insufficient_data']}；错误 {s['errors']}，警告 {s['warnings']}，提示 {s['notes']}")
    if s["remarks"]:
        text += "（" + "；".join(s["remarks"]) + "）"
    if reviewed is not None:
        r = reviewed["summary"]["review"]
        text += f"；复核：待复核 {r['open']}，确认 {r['confirmed']}，排除 {r['dismissed']}"
    return text


def _pages(pages: tuple[int, ...]) -> str:
    """1、2、3、7 → "1–3、7"."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return "、".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
