"""The reviewer's view of a checked report: the canonical document, cross-linked, for HTML, Excel and Markdown."""

from __future__ import annotations

from decimal import Decimal

from extract.model import Report
from reconcile.arithmetic import HABIT_NAMES, percent, show, to_places
from reconcile.document import document, number
from reconcile.model import SEVERITIES, Check, Result
from reconcile.registry import RULES

SEVERITY_WORDS = {"error": "错误", "warning": "警告", "info": "提示"}
OUTCOME_WORDS = {"pass": "通过", "rounding": "取整差异", "fail": "不符", "insufficient_data": "数据不足"}
VERDICT_WORDS = {
    **HABIT_NAMES,
    "exact": "精确相符", "rounded": "四舍五入后相符", "within_tolerance": "舍入误差内相符",
    "insufficient_data": "数据不足", "loose": "名称近似", "ambiguous": "无法确定", "missing": "未找到",
    "suspect": "疑似单位错误",
}
RELATION_WORDS = {"sum": "合计", "rate": "比率", "count": "项目数", "remainder": "结余",
                  "budget_cap": "执行数不超预算", "unit": "金额单位", "name": "列举项目名称",
                  "score": "自评得分", "source": "正文与表格一致"}
STATUS_WORDS = {"exact": "精确", "loose": "近似", "missing": "未找到", "ambiguous": "无法确定", "line": "本组明细"}
RATE_SHOWN = 2  # recomputed rates are shown to 2 decimals (四舍五入) unless the stated rate has more


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jixiao")
    except PackageNotFoundError:
        return "0+unknown"


def build(report: Report, result: Result) -> dict:
    """The document of `reconcile.document` with each finding tied to its check, its boxes and
    its project line, and each project line given its recomputed rate and its findings."""
    doc = document(report, result)
    found = result.findings
    finding_at = {id(f): i for i, f in enumerate(found)}
    owner = {id(fact): i for i, p in enumerate(report.projects) for fact in p.facts().values()}
    line_at = {(p.group, p.seq): i for i, p in enumerate(report.projects)}
    projects = [dict(p, index=i, anchor=f"p{i + 1}", findings=[], sums=[], checks={})
                for i, p in enumerate(doc["projects"])]
    findings = [dict(f, index=i, anchor=f"f{i + 1}", check=None, project=None, boxes=[])
                for i, f in enumerate(doc["findings"])]

    for ci, (check, cdoc) in enumerate(zip(result.checks, doc["checks"], strict=True)):
        cdoc.update(index=ci, anchor=f"c{ci + 1}", findings=[finding_at[id(f)] for f in check.findings])
        for member in cdoc["members"]:
            member["project"] = line_at.get((member["group"], member["seq"])) if member["matched"] else None
        subject = _subject(check, owner, line_at)
        cdoc["project"] = subject
        for f in check.findings:
            fi = finding_at[id(f)]
            findings[fi].update(check=ci, project=subject, boxes=_boxes(f, check, report, line_at))
        if subject is not None:
            projects[subject]["checks"].setdefault(check.relation, ci)
            projects[subject]["findings"].extend(finding_at[id(f)] for f in check.findings)
        if check.relation == "sum" and check.findings:
            for pi in sorted({owner[id(f)] for f in check.inputs if id(f) in owner}):
                projects[pi]["sums"].extend(finding_at[id(f)] for f in check.findings)

    for line, row in zip(report.projects, projects, strict=True):
        row.update(_rate(line, doc["checks"][row["checks"]["rate"]] if "rate" in row["checks"] else None))
        row["findings"].sort()
        row["severity"] = _worst(findings[i]["severity"] for i in row["findings"])

    return {
        "doc": doc,
        "source": doc["source"],
        "document": doc["document"],
        "summary": doc["summary"],
        "findings": findings,
        "checks": doc["checks"],
        "projects": projects,
        "relations": relation_table(doc["checks"]),
        "insufficient": [c for c in doc["checks"] if c["outcome"] == "insufficient_data"],
        "unused": doc.get("unused", []),
        "rules": sorted(({"code": code, "title": RULES[code].title, "severity": RULES[code].severity, "count": n}
                         for code, n in doc["summary"]["by_rule"].items()),
                        key=lambda r: (SEVERITIES.index(r["severity"]), r["code"])),
        "passing": passing_verdicts(doc["checks"]),
        "version": tool_version(),
    }


def _subject(check: Check, owner: dict[int, int], line_at: dict[tuple[str, str], int]) -> int | None:
    """The one project line a check is about, if it is about one (a rate, a remainder…)."""
    if check.relation == "name":
        matched = [line_at.get((m.group, m.seq)) for m in check.members if m.matched]
        return matched[0] if len(matched) == 1 else None
    if check.relation in ("sum", "count"):
        return None
    lines = {owner[id(f)] for f in check.inputs if id(f) in owner}
    return lines.pop() if len(lines) == 1 else None


def _boxes(finding, check: Check, report: Report, line_at: dict) -> list[dict]:
    """What to draw for a finding: the stated figure, then the figures it was checked against."""
    spans = list(finding.evidence)
    if not spans:
        spans = [fact.span for fact in check.inputs]
    if check.relation == "name":
        spans += [report.projects[line_at[(m.group, m.seq)]].span for m in check.members
                  if m.matched and (m.group, m.seq) in line_at]
    boxes = [{"page": finding.span.page, "bbox": list(finding.span.bbox), "role": "stated"}]
    seen = {(finding.span.page, tuple(finding.span.bbox))}
    for span in spans:
        key = (span.page, tuple(span.bbox))
        if key not in seen:
            seen.add(key)
            boxes.append({"page": span.page, "bbox": list(span.bbox), "role": "member"})
    return boxes


def _rate(line, check: dict | None) -> dict:
    """The line's rate recomputed as actual ÷ budget, from its check when there is one."""
    out = {"recomputed_rate": None, "rate_shown": None, "rate_difference": None,
           "rate_verdict": None, "rate_outcome": None, "budget_wan": None, "actual_wan": None}
    if line.budget is not None:
        out["budget_wan"] = number(line.budget.wan)
    if line.actual is not None:
        out["actual_wan"] = number(line.actual.wan)
    places = max(RATE_SHOWN, line.stated_rate.decimals + 1) if line.stated_rate else RATE_SHOWN
    if check is not None and check["recomputed"] is not None:
        value = Decimal(check["recomputed"])
        out.update(recomputed_rate=check["recomputed"], rate_difference=check["difference"],
                   rate_verdict=check["verdict"], rate_outcome=check["outcome"])
    elif line.budget is not None and line.actual is not None and line.budget.wan != 0:
        value = to_places(percent(line.actual.wan, line.budget.wan))
        out["recomputed_rate"] = number(value)
    else:
        if check is not None:
            out.update(rate_verdict=check["verdict"], rate_outcome=check["outcome"])
        return out
    out["rate_shown"] = show(value, places)
    return out


def _worst(severities) -> str | None:
    present = set(severities)
    return next((s for s in SEVERITIES if s in present), None)


def relation_table(checks: list[dict]) -> list[dict]:
    """What was checked, by relation: how many passed (and how), were notes, failed, lacked data."""
    rows: dict[str, dict] = {}
    for c in checks:
        relation = c["relation"]
        row = rows.setdefault(relation, {"relation": relation, "word": RELATION_WORDS.get(relation, relation),
                                         "total": 0, "pass": 0, "rounding": 0, "fail": 0,
                                         "insufficient_data": 0, "verdicts": {}})
        row["total"] += 1
        row[c["outcome"]] += 1
        if c["outcome"] == "pass":
            row["verdicts"][c["verdict"]] = row["verdicts"].get(c["verdict"], 0) + 1
    order = list(RELATION_WORDS)
    return sorted(rows.values(), key=lambda r: order.index(r["relation"]) if r["relation"] in order else len(order))


def passing_verdicts(checks: list[dict]) -> dict[str, int]:
    """Passed checks by how they passed: exactly, when rounded, within the rounding tolerance."""
    out: dict[str, int] = {}
    for c in checks:
        if c["outcome"] == "pass":
            out[c["verdict"]] = out.get(c["verdict"], 0) + 1
    return out


def members_text(check: dict) -> str:
    """A sum's members on one line: 列举名称→匹配项目（相似度）金额."""
    parts = []
    for m in check["members"]:
        name = m["listed"] if m["matched"] in (None, m["listed"]) else f"{m['listed']}→{m['matched']}"
        score = f"（{m['score']:.2f}）" if m["score"] is not None and m["score"] < 1 else ""
        value = f" {m['value']}{m['unit'] or ''}" if m["value"] is not None else ""
        parts.append(f"{name}{score}{value}")
    return "；".join(parts)
