"""The reviewer's view of a checked report: the canonical document, cross-linked, for HTML, Excel and Markdown."""

from __future__ import annotations

from decimal import Decimal

from reconcile.arithmetic import HABIT_NAMES, percent, show, to_places
from reconcile.document import number
from reconcile.model import SEVERITIES
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


def build(doc: dict) -> dict:
    """The checked JSON document (`reconcile.document`, saved or fresh) made ready for a reviewer:
    findings, checks and project lines numbered and given anchors, each project line its
    recomputed rate, its findings and the failed sums it is counted in. Uses the document's
    own links (a check's findings and lines, a finding's check, project and boxes) and
    nothing else: what is rendered from a saved document is what was rendered after the check."""
    line_at = {(p["group"], p["seq"]): i for i, p in enumerate(doc["projects"])}
    projects = [dict(p, index=i, anchor=f"p{i + 1}", findings=[], sums=[], checks={})
                for i, p in enumerate(doc["projects"])]
    findings = [dict(f, index=i, anchor=f"f{i + 1}") for i, f in enumerate(doc["findings"])]
    checks = []
    for ci, check in enumerate(doc["checks"]):
        members = [dict(m, project=line_at.get((m["group"], m["seq"])) if m["matched"] else None)
                   for m in check["members"]]
        checks.append(dict(check, index=ci, anchor=f"c{ci + 1}", members=members))
        subject = check["project"]
        if subject is not None:
            projects[subject]["checks"].setdefault(check["relation"], ci)
            projects[subject]["findings"].extend(check["findings"])
        if check["relation"] == "sum" and check["findings"]:
            for pi in check["lines"]:
                projects[pi]["sums"].extend(check["findings"])

    for row in projects:
        row.update(_rate(row, checks[row["checks"]["rate"]] if "rate" in row["checks"] else None))
        row["findings"].sort()
        row["severity"] = _worst(findings[i]["severity"] for i in row["findings"])

    return {
        "doc": doc,
        "source": doc["source"],
        "document": doc["document"],
        "summary": doc["summary"],
        "findings": findings,
        "checks": checks,
        "projects": projects,
        "relations": relation_table(checks),
        "insufficient": [c for c in checks if c["outcome"] == "insufficient_data"],
        "unused": doc.get("unused", []),
        "rules": sorted(({"code": code, "title": RULES[code].title, "severity": RULES[code].severity, "count": n}
                         for code, n in doc["summary"]["by_rule"].items()),
                        key=lambda r: (SEVERITIES.index(r["severity"]), r["code"])),
        "passing": passing_verdicts(checks),
        "version": tool_version(),
    }


def _wan(fact: dict | None) -> Decimal | None:
    """A money figure of the document in 万元."""
    if fact is None:
        return None
    return Decimal(fact.get("value_wan") or fact["value"])


def _rate(line: dict, check: dict | None) -> dict:
    """The line's rate recomputed as actual ÷ budget, from its check when there is one."""
    out = {"recomputed_rate": None, "rate_shown": None, "rate_difference": None,
           "rate_verdict": None, "rate_outcome": None, "budget_wan": None, "actual_wan": None}
    budget, actual, stated = _wan(line["budget"]), _wan(line["actual"]), line["stated_rate"]
    if budget is not None:
        out["budget_wan"] = number(budget)
    if actual is not None:
        out["actual_wan"] = number(actual)
    places = max(RATE_SHOWN, stated["decimals"] + 1) if stated else RATE_SHOWN
    if check is not None and check["recomputed"] is not None:
        value = Decimal(check["recomputed"])
        out.update(recomputed_rate=check["recomputed"], rate_difference=check["difference"],
                   rate_verdict=check["verdict"], rate_outcome=check["outcome"])
    elif budget is not None and actual is not None and budget != 0:
        value = to_places(percent(actual, budget))
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
