"""Reports rendered from a saved JSON document are the reports rendered straight after a check
(issue 17): the document carries its own links (a check's findings and lines, a finding's
check, project and boxes), and the renderers read nothing else."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile

import pytest

from flows.cli import main
from reconcile import reviews
from reconcile.document import dumps
from reconcile.render import FORMATS, checked
from tests.conftest import CASES, FIXTURES, report_of, result_of
from tests.render.conftest import SAMPLE_PDF

FROM_DOCUMENT = ("html", "xlsx", "md", "pdf")


def saved(doc: dict) -> dict:
    """The document as a file gives it back: Decimals as strings, tuples as lists, and so on."""
    return json.loads(dumps(doc))


def same_file(name: str, a: str | bytes, b: str | bytes) -> bool:
    """Whether two renderings are the same file; a workbook's zip dates and save time aside."""
    if name != "xlsx":
        return a == b

    def parts(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {n: re.sub(rb"<dcterms:(created|modified)[^<]*</dcterms:\1>", b"", z.read(n)) for n in z.namelist()}

    return parts(a) == parts(b)


@pytest.mark.parametrize("case", CASES)
def test_every_report_rendered_from_its_saved_document_is_the_same_file(case):
    """Without the PDF for every case (the crops depend on the boxes alone, compared here as
    part of the document); with it, crops and the annotated PDF, for the sample."""
    report, result = report_of(case), result_of(case)
    pdf = FIXTURES / case / "report.pdf" if case == "sample" else None
    document = saved(checked(report, result))
    for name in (*FROM_DOCUMENT[:3], *(["pdf"] if pdf else [])):
        fmt = FORMATS[name]
        direct = fmt.render(report, result, pdf)
        assert same_file(name, fmt.from_document(document, pdf), direct), (case, name)
    assert FORMATS["json"].from_document(document, None) == FORMATS["json"].render(report, result, None)
    if pdf:
        assert FORMATS["html"].from_document(document, pdf).count("data:image/png") >= len(document["findings"])


def test_hostile_text_and_decisions_render_the_same_from_the_document(hostile, sample):
    report, result = hostile
    for name in ("html", "xlsx", "md"):
        fmt = FORMATS[name]
        assert same_file(name, fmt.from_document(saved(checked(report, result)), None), fmt.render(report, result, None))
    report, result = sample
    ids = [f["id"] for f in checked(report, result)["findings"]][:2]
    decided = reviews.parse(f'[[review]]\nid = "{ids[0]}"\ndecision = "dismissed"\nreason = "见附表"\n'
                            f'[[review]]\nid = "{ids[1]}"\ndecision = "confirmed"\n'
                            '[[review]]\nid = "rate_mismatch:0123456789"\ndecision = "confirmed"\n')
    with_decisions = dataclasses.replace(result, reviews=decided)
    plain = saved(checked(report, result))
    for name in ("html", "md"):
        fmt = FORMATS[name]
        direct = fmt.render(report, with_decisions, SAMPLE_PDF)
        assert fmt.from_document(reviews.apply(saved(plain), decided), SAMPLE_PDF) == direct
        assert fmt.from_document(plain, SAMPLE_PDF) != direct  # the decisions show


def test_the_links_point_where_the_checks_did(sample):
    report, result = sample
    doc = checked(report, result)
    assert doc["findings"] and all(f["check"] is not None for f in doc["findings"])
    for ci, (check, cdoc) in enumerate(zip(result.checks, doc["checks"], strict=True)):
        assert [doc["findings"][i]["rule"] for i in cdoc["findings"]] == [f.rule for f in check.findings]
        assert all(doc["findings"][i]["check"] == ci for i in cdoc["findings"])
        used = {(fact.span.page, tuple(fact.span.bbox)) for fact in check.inputs}
        for pi in cdoc["lines"]:
            line = report.projects[pi]
            assert used & {(f.span.page, tuple(f.span.bbox)) for f in line.facts().values()}
    sums = [c for c in doc["checks"] if c["relation"] == "sum" and c["findings"]]
    assert sums and all(c["lines"] for c in sums)  # a failed sum names the lines it added up
    rates = [c for c in doc["checks"] if c["relation"] == "rate" and c["project"] is not None]
    assert rates and all(doc["projects"][c["project"]]["stated_rate"] for c in rates)


def test_render_command(capsys, tmp_path):
    doc, page = tmp_path / "report.json", tmp_path / "report.html"
    assert main(["check", str(SAMPLE_PDF), "--format", "json", "--out", str(doc)]) == 1
    assert main(["check", str(SAMPLE_PDF), "--format", "html", "--out", str(page)]) == 1
    assert main(["render", str(doc), "--pdf", str(SAMPLE_PDF), "--out", str(tmp_path / "again.html")]) == 0
    assert (tmp_path / "again.html").read_bytes() == page.read_bytes()
    assert main(["render", str(doc), "--format", "md"]) == 0
    assert capsys.readouterr().out.startswith("### ")

    extracted = tmp_path / "extracted.json"
    main(["extract", str(SAMPLE_PDF), "--out", str(extracted)])
    old = tmp_path / "old.json"
    old.write_text(doc.read_text(encoding="utf-8").replace("jixiao.report/3", "jixiao.report/2"), encoding="utf-8")
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    capsys.readouterr()
    for name, code, words in [("extracted.json", 3, "没有核对结论"), ("old.json", 3, "jixiao.report/2"),
                              ("list.json", 3, "render 一次渲染一个文档"), ("bad.json", 3, "不是 JSON"),
                              ("missing.json", 3, "不存在")]:
        assert main(["render", str(tmp_path / name)]) == code, name
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, (name, err)
    assert main(["render", str(doc), "--format", "pdf", "--out", str(tmp_path / "a.pdf")]) == 2
    assert "需要 --pdf" in capsys.readouterr().err
    assert main(["render", str(doc), "--format", "xlsx"]) == 2
