"""Run every phrasing's sample sentence through the parser: `jixiao patterns --check`."""

from __future__ import annotations

from dataclasses import dataclass

from extract.patterns import Patterns, load
from extract.reader import read_text


@dataclass(frozen=True)
class SampleResult:
    entry: str  # where the sample stands in the patterns data, e.g. "fields.budget"
    sample: str
    ok: bool
    detail: str  # what was read, or what was missing


def check_samples(patterns_file: str | None = None) -> list[SampleResult]:
    """Every sample in the shipped (and the user's) patterns, and whether it reads as claimed."""
    patterns = load(patterns_file)
    data = patterns.data
    results = []
    for name, spec in data["fields"].items():
        for sample in _samples(spec):
            results.append(_field(name, sample, patterns_file))
    for index, entry in enumerate(data.get("groups", [])):
        for sample in _samples(entry):
            report = read_text(sample, patterns_file=patterns_file)
            groups = report.groups()
            ok = bool(groups) and groups[0].declared_count is not None
            detail = f"{groups[0].label}：{groups[0].declared_count.value} 项" if ok else "未读出分组与项数"
            results.append(SampleResult(f"groups[{index}]", sample, ok, detail))
    for index, entry in enumerate(data.get("enumerations", [])):
        for sample in _samples(entry):
            report = read_text(sample, patterns_file=patterns_file)
            found = [a for a in report.aggregates if a.kind == "enumeration"]
            ok = bool(found) and len(found[0].members) >= 2 and bool(found[0].facts())
            detail = (f"{found[0].label}：{'、'.join(m.name for m in found[0].members)}" if found
                      else "未读出列举的项目")
            results.append(SampleResult(f"enumerations[{index}]", sample, ok, detail))
    for sample in _samples(data["department"]):
        found = [a for a in read_text(sample, patterns_file=patterns_file).aggregates if a.kind == "department"]
        ok = bool(found) and found[0].budget is not None
        results.append(SampleResult("department", sample, ok, "部门整体合计" if ok else "未读出部门合计"))
    for sample in data["headings"].get("samples", []):
        level, _ = patterns.heading(_normal(sample))
        results.append(SampleResult("headings", sample, level is not None,
                                    f"第 {level + 1} 级" if level is not None else "不是标题"))
    for sample in _samples(data["document"]):
        info = read_text(sample + "\n一、部门整体概况", patterns_file=patterns_file).document
        results.append(SampleResult("document", sample, bool(info.organization),
                                    f"{info.organization} {info.year or ''}".strip() or "未读出单位"))
    for sample in _samples(data.get("table", {})):
        results.append(_table_heading(sample, patterns))
    for sample in _samples(data.get("prose", {})):
        relations = [r for r in read_text(sample, patterns_file=patterns_file).relations if r.kind == "sum"]
        detail = "；".join(f"{r.label} {r.stated.text} = " + " + ".join(t.fact.text for t in r.terms if t.fact)
                          for r in relations) or "未读出总数与其组成"
        results.append(SampleResult("prose", sample, bool(relations), detail))
    return results


def _samples(spec: dict) -> list[str]:
    listed = spec.get("samples", [])
    return ([spec["sample"]] if "sample" in spec else []) + list(listed if isinstance(listed, list) else [])


def _normal(text: str) -> str:
    from extract.normalize import normalize

    return normalize(text)[0]


def _field(name: str, sample: str, patterns_file: str | None) -> SampleResult:
    report = read_text(sample, patterns_file=patterns_file)
    holders = [*report.projects, *report.aggregates]
    fact = next((getattr(h, name) for h in holders if getattr(h, name, None) is not None), None)
    detail = f"{fact.field} → {fact.text}" if fact else f"未读出 {name}"
    return SampleResult(f"fields.{name}", sample, fact is not None, detail)


def _table_heading(sample: str, patterns: Patterns) -> SampleResult:
    from extract.table_read import column_of

    headings = [h.strip() for h in sample.split("|") if h.strip()]
    columns = [column_of(h, patterns) for h in headings]
    missing = [h for h, c in zip(headings, columns) if c is None]
    detail = "、".join(f"{h}={c.field}" for h, c in zip(headings, columns) if c) if not missing else \
        f"不认识：{'、'.join(missing)}"
    return SampleResult("table", sample, not missing, detail)
