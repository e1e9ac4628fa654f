"""The canonical JSON document: stable order, Decimals as strings, no timestamps or absolute paths."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from decimal import Decimal

from extract.model import FACT_FIELDS, Aggregate, Fact, ProjectLine, Relation, Report, SelfEvaluation, Span
from reconcile.arithmetic import TRUNCATED, to_places
from reconcile.model import INSUFFICIENT, Check, Finding, Result
from reconcile import reviews
from reconcile.registry import RULES
from reconcile.wording import field_word

SCHEMA = "jixiao.report/3"  # 2: relations, unused, arrived/arrival_rate; 3: links (check, project, boxes…)


def number(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def span_dict(span: Span) -> dict:
    return {"page": span.page, "bbox": list(span.bbox)}


def fact_dict(fact: Fact | None) -> dict | None:
    if fact is None:
        return None
    out = {"value": number(fact.value), "unit": fact.unit, "decimals": fact.decimals, "text": fact.text,
           "field": fact.field, **span_dict(fact.span)}
    if fact.is_money and fact.unit != "万元":
        out["value_wan"] = number(fact.wan)
    if fact.ocr:
        out["ocr"] = True
        out["confidence"] = round(fact.confidence, 3)
    return out


def project_dict(line: ProjectLine) -> dict:
    out = {"group": line.group, "seq": line.seq, "name": line.name, "source": line.source, **span_dict(line.span)}
    out.update({name: fact_dict(getattr(line, name)) for name in FACT_FIELDS})
    if line.readings:
        out["readings"] = [project_dict(r) for r in line.readings]
    return out


def self_evaluation_dict(ev: SelfEvaluation) -> dict:
    return {
        "project": ev.project, **span_dict(ev.span),
        "funding_weight": fact_dict(ev.funding_weight), "funding_score": fact_dict(ev.funding_score),
        "indicators": [{"level1": i.level1, "level2": i.level2, "level3": i.level3, "target": i.target,
                        "achieved": i.achieved, "weight": fact_dict(i.weight), "score": fact_dict(i.score),
                        **span_dict(i.span)} for i in ev.indicators],
        "total_weight": fact_dict(ev.total_weight), "total_score": fact_dict(ev.total_score),
        "grade": ev.grade, "organization": ev.organization,
        "funding_points": fact_dict(ev.funding_points), "indicator_points": fact_dict(ev.indicator_points),
    }


def aggregate_dict(agg: Aggregate) -> dict:
    out = {"kind": agg.kind, "label": agg.label, **span_dict(agg.span),
           "declared_count": fact_dict(agg.declared_count)}
    if agg.kind == "enumeration":
        out["members"] = [{"name": m.name, **span_dict(m.span)} for m in agg.members]
        out["complete"] = agg.complete
    if agg.rows:
        out["rows"] = [{"group": r.group, "seq": r.seq, "name": r.name, "page": r.span.page} for r in agg.rows]
    for name in ("budget", "initial_budget", "actual", "stated_rate"):
        out[name] = fact_dict(getattr(agg, name))
    return out


def relation_dict(relation: Relation) -> dict:
    return {"kind": relation.kind, "label": relation.label, "field": relation.field,
            "stated": fact_dict(relation.stated), "complete": relation.complete, "open_ended": relation.open_ended,
            "why": relation.why, "terms": [{"name": t.name, "fact": fact_dict(t.fact), "inferred": t.inferred, **span_dict(t.span)}
                                            for t in relation.terms]}


def totals(report: Report) -> list[dict]:
    """Every stated total, one entry a figure: "专项项目 预算数" and so on."""
    out = []
    for agg in report.aggregates:
        for name in ("budget", "initial_budget", "actual", "stated_rate"):
            fact = getattr(agg, name)
            if fact is not None:
                out.append({"label": f"{agg.label} {field_word(fact, name)}", "kind": agg.kind,
                            "scope": agg.label, "field": name, "stated": fact_dict(fact)})
    for relation in report.relations:
        if relation.kind == "sum":
            out.append({"label": relation.label, "kind": "breakdown", "scope": relation.label,
                        "field": relation.field, "stated": fact_dict(relation.stated)})
    return out


def _rounded(check: Check, value: Decimal | None) -> str | None:
    if value is not None and check.relation == "rate":
        value = to_places(value)
    return number(value)


def check_dict(check: Check) -> dict:
    return {
        "relation": check.relation, "label": check.label, "outcome": check.outcome, "verdict": check.verdict,
        "expression": check.expression,
        "stated": number(check.stated), "recomputed": _rounded(check, check.recomputed),
        "difference": _rounded(check, check.difference), "tolerance": number(check.tolerance),
        "unit": check.unit, **span_dict(check.span), "quote": check.quote, "note": check.note,
        "rules": [f.rule for f in check.findings],
        "members": [
            {"listed": m.listed, "matched": m.matched, "score": m.score, "status": m.status,
             "group": m.group, "seq": m.seq, "page": m.page,
             "value": number(m.fact.value) if m.fact else None, "unit": m.fact.unit if m.fact else None}
            for m in check.members
        ],
    }


def finding_dict(finding: Finding) -> dict:
    return {
        "rule": finding.rule, "severity": finding.severity, "title": RULES[finding.rule].title,
        "message": finding.message, "stated": number(finding.stated), "recomputed": number(finding.recomputed),
        "difference": number(finding.difference), "tolerance": number(finding.tolerance), "unit": finding.unit,
        **span_dict(finding.span), "quote": finding.quote,
        "evidence": [span_dict(s) for s in finding.evidence],
    }


def finding_id(finding: dict) -> str:
    """A digest of what a finding is about — rule, questioned figure and unit, the quoted
    sentence without white space — not of its page or wording: a resubmission that moves a
    paragraph, or a release that rewords a message, keeps it."""
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


def summary(result: Result) -> dict:
    findings = result.findings
    truncated = sum(1 for c in result.checks if c.verdict == TRUNCATED)
    notes = [f"{truncated} 个比率为截断取值"] if truncated else []
    if not any(c.outcome != INSUFFICIENT for c in result.checks):
        notes.append("没有可核对的关系，请人工复核")
    other = sum(1 for f in findings if f.rule == "rate_rounding") - truncated
    if other:
        notes.append(f"{other} 个比率按其他取整方式书写")
    return {
        "checks": len(result.checks),
        "outcomes": result.outcomes(),
        "errors": result.count("error"),
        "warnings": result.count("warning"),
        "notes": result.count("info"),
        "by_rule": dict(sorted(Counter(f.rule for f in findings).items())),
        "remarks": notes,
    }


def document(report: Report, result: Result | None = None) -> dict:
    """The JSON document of DESIGN.md; without `result` it is what `jixiao extract` prints."""
    src = report.source
    out = {
        "schema": SCHEMA,
        "source": {"path": src.path, "sha256": src.sha256, "pages": src.pages, "ocr_pages": list(src.ocr_pages),
                   **({"unread_pages": list(src.unread_pages)} if src.unread_pages else {})},
        "document": {"title": report.document.title, "organization": report.document.organization,
                     "year": report.document.year},
        "projects": [project_dict(p) for p in report.projects],
        "aggregates": [aggregate_dict(a) for a in report.aggregates],
        "totals": totals(report),
        "relations": [relation_dict(r) for r in report.relations],
        "unused": [{"sentence": u.sentence, "figures": list(u.figures), **span_dict(u.span)} for u in report.unused],
    }
    if report.self_evaluations:
        out["self_evaluations"] = [self_evaluation_dict(e) for e in report.self_evaluations]
    if report.tables:
        out["tables"] = [{"page": t.page, "pages": list(t.pages), "bbox": list(t.bbox), "ruled": t.ruled,
                          "rows": [list(r) for r in t.rows]} for t in report.tables]
    if result is not None:
        found = verdict(result)
        out["summary"] = found.pop("summary")
        out["checks"] = [check_dict(c) for c in result.checks]
        out |= found
        _link(report, result, out)
    return out


def _link(report: Report, result: Result, doc: dict) -> None:
    """Tie checks, findings and project lines together by their indices in the document, so that
    a reviewer's view (HTML, Excel, Markdown) is made from the document alone:

    - a check's `findings` (what it raised), `project` (the one line it is about, if one) and
      `lines` (the lines whose figures it used);
    - a finding's `check`, `project`, and `boxes`: what to draw on the page — the questioned
      figure (role "stated"), then the figures it was checked against ("member")."""
    finding_at = {id(f): i for i, f in enumerate(result.findings)}
    owner = {id(fact): i for i, p in enumerate(report.projects) for fact in p.facts().values()}
    line_at = {(p.group, p.seq): i for i, p in enumerate(report.projects)}
    for f in doc["findings"]:  # a finding no check raised (none today) has nothing to draw
        f.update(check=None, project=None, boxes=[])
    for ci, (check, cdoc) in enumerate(zip(result.checks, doc["checks"], strict=True)):
        subject = _subject(check, owner, line_at)
        cdoc.update(findings=[finding_at[id(f)] for f in check.findings], project=subject,
                    lines=sorted({owner[id(f)] for f in check.inputs if id(f) in owner}))
        for f in check.findings:
            doc["findings"][finding_at[id(f)]].update(check=ci, project=subject,
                                                      boxes=_boxes(f, check, report, line_at))


def _subject(check: Check, owner: dict[int, int], line_at: dict[tuple[str, str], int]) -> int | None:
    """The one project line a check is about, if it is about one (a rate, a remainder…)."""
    if check.relation == "name":
        matched = [line_at.get((m.group, m.seq)) for m in check.members if m.matched]
        return matched[0] if len(matched) == 1 else None
    if check.relation in ("sum", "count"):
        return None
    lines = {owner[id(f)] for f in check.inputs if id(f) in owner}
    return lines.pop() if len(lines) == 1 else None


def _boxes(finding: Finding, check: Check, report: Report, line_at: dict) -> list[dict]:
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


def verdict(result: Result) -> dict:
    """The document's summary and findings (with their ids and, when a reviews file is in force,
    decisions): all the exit status and the terminal's table need, without the checks and
    what was read (a 200-page report's take megabytes)."""
    out = {"summary": summary(result), "findings": [finding_dict(f) for f in result.findings]}
    assign_ids(out["findings"])
    if result.reviews is not None:
        reviews.apply(out, result.reviews)
    return out


def dumps(doc: dict | list) -> str:
    """The document as indented JSON. Written piece by piece into a buffer: json.dumps would
    first list every piece (millions for a 200-page report, several times the text's size)."""
    buffer = io.StringIO()
    json.dump(doc, buffer, ensure_ascii=False, indent=2)
    buffer.write("\n")
    return buffer.getvalue()
