"""Reviewers' decisions in archive runs: they follow a finding wherever its id appears, reach
summary.json, index.html, every report's outputs and the tables, and a change of reviews.toml
alone re-renders outputs without reading any PDF again."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.flows.test_archive import by_path, run_archive

pytestmark = pytest.mark.flows


@pytest.fixture(scope="module")
def reviewed(prefect_server, tmp_path_factory):
    """An archive of the sample and its re-typeset copy, run once without reviews, then again
    after a reviewer dismissed both sum errors and confirmed a warning."""
    base = tmp_path_factory.mktemp("reviews")
    root, out = base / "archive", base / "out"
    (root / "2023").mkdir(parents=True)
    (root / "2023" / "sample.pdf").write_bytes((FIXTURES / "sample" / "report.pdf").read_bytes())
    (root / "2023" / "resubmitted.pdf").write_bytes((FIXTURES / "sample-reportlab" / "report.pdf").read_bytes())
    formats = ["json", "html", "xlsx"]
    first = run_archive(root, out, formats=formats)
    doc = json.loads((out / by_path(first)["2023/sample.pdf"]["outputs"]["json"]).read_text(encoding="utf-8"))
    sums = [f["id"] for f in doc["findings"] if f["rule"] == "sum_mismatch"]
    warning = next(f["id"] for f in doc["findings"] if f["severity"] == "warning")
    before = {p: p.stat().st_mtime_ns for p in (out / "reports").rglob("*.*")}
    (out / "reviews.toml").write_text(
        "# 审计一组\n"
        + "".join(f'[[review]]\nid = "{i}"\ndecision = "dismissed"\nreason = "第 5 页另有说明"\nby = "审计一组"\n'
                  f"at = 2026-12-03\n\n" for i in sums)
        + f'[[review]]\nid = "{warning}"\ndecision = "confirmed"\n\n'
        + '[[review]]\nid = "rate_mismatch:0123456789"\ndecision = "confirmed"\n', encoding="utf-8")
    import flows.pipeline

    def no_reading(*_, **__):
        raise AssertionError("a PDF was read again")

    original = flows.pipeline.check_one
    flows.pipeline.check_one = no_reading  # children are forked from here: they would inherit it
    try:
        second = run_archive(root, out, formats=formats)
    finally:
        flows.pipeline.check_one = original
    return out, first, second, sums, warning, before


def test_without_reviews_both_copies_fail_on_their_errors(reviewed):
    _, first, *_ = reviewed
    assert first["exit_code"] == 1 and "reviews" not in first
    assert all("review" not in f or f["review"]["dismissed"] == 0 for f in first["files"])


def test_a_change_of_reviews_alone_reads_no_pdf_and_rewrites_the_outputs(reviewed):
    out, _, second, _, _, before = reviewed
    assert [f["status"] for f in second["files"]] == ["cached", "cached"]
    after = {p: p.stat().st_mtime_ns for p in (out / "reports").rglob("*.*")}
    assert after.keys() == before.keys() and all(after[p] != before[p] for p in after)


def test_decisions_follow_the_ids_into_both_copies_and_the_exit_status(reviewed):
    _, _, second, sums, _, _ = reviewed
    assert second["exit_code"] == 0  # both errors dismissed in both copies
    for entry in second["files"]:
        assert entry["exit_code"] == 0 and entry["counts"]["error"] == 2
        assert entry["review"] == {"open": 8, "confirmed": 1, "dismissed": 2, "errors_open": 0}
    assert second["totals"]["dismissed"] == 4 and second["totals"]["open"] == 16
    assert second["reviews"]["decisions"] == 4
    assert second["reviews"]["unmatched"] == [{"id": "rate_mismatch:0123456789", "decision": "confirmed", "line": 20}]
    stored = json.loads((Path(reviewed[0]) / "summary.json").read_text(encoding="utf-8"))
    assert stored["totals"]["dismissed"] == 4


def test_every_output_carries_the_decisions(reviewed):
    out, _, second, sums, warning, _ = reviewed
    from openpyxl import load_workbook

    from reconcile.html import apply_reviews  # noqa: F401  (the HTML block is tested in tests/render)

    for entry in second["files"]:
        doc = json.loads((out / entry["outputs"]["json"]).read_text(encoding="utf-8"))
        decided = {f["id"]: (f["review"] or {}).get("decision") for f in doc["findings"]}
        assert [decided[i] for i in sums] == ["dismissed", "dismissed"] and decided[warning] == "confirmed"
        assert doc["summary"]["review"]["dismissed"] == 2 and doc["reviews_unmatched"] == []
        html = (out / entry["outputs"]["html"]).read_text(encoding="utf-8")
        block = re.search(r'<script type="application/json" id="jixiao-reviews">(.*?)</script>', html, re.S)
        assert set(json.loads(block.group(1))["decisions"]) == {*sums, warning}
        sheet = load_workbook(io.BytesIO((out / entry["outputs"]["xlsx"]).read_bytes()))["核对结果"]
        header = [c.value for c in sheet[1]]
        rows = {r[header.index("编号")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert rows[sums[0]][header.index("复核结论")] == "排除"
        assert rows[sums[0]][header.index("复核说明")] == "第 5 页另有说明（审计一组，2026-12-03）"
        assert rows[warning][header.index("复核结论")] == "确认"


def test_the_index_and_the_tables_count_open_findings_and_decisions(reviewed):
    out, *_ = reviewed
    import duckdb

    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<strong>16</strong><span>待复核（已排除 4）</span>", index)
    assert 'class="row-error"' not in index  # no file has an error left open
    with duckdb.connect(str(out / "archive.duckdb"), read_only=True) as con:
        decisions = con.sql("SELECT decision, count(*) FROM findings GROUP BY ALL ORDER BY 1").fetchall()
        reason = con.sql("SELECT DISTINCT review_reason, review_by, CAST(review_at AS VARCHAR) FROM findings "
                         "WHERE decision = 'dismissed'").fetchall()
        files = con.sql("SELECT open, confirmed, dismissed FROM files ORDER BY file").fetchall()
    assert decisions == [("confirmed", 2), ("dismissed", 4), ("open", 16)]
    assert reason == [("第 5 页另有说明", "审计一组", "2026-12-03")]
    assert files == [(8, 1, 2), (8, 1, 2)]


def test_a_malformed_reviews_file_stops_the_archive_run_before_any_work(tmp_path, capsys):
    from flows.cli import main

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "reviews.toml").write_text('[[review]]\nid = "a:1"\ndecision = "no"\n', encoding="utf-8")
    code = main(["archive", str(FIXTURES / "sample"), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "第 1 行：decision 应为" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["reviews.toml"]  # nothing written


def test_prefect_artifacts_count_open_findings(reviewed):
    from flows.archive import markdown, table_rows

    _, first, second, *_ = reviewed
    assert [r["open"] for r in table_rows(second)] == [8, 8]
    assert "复核：待复核 16，确认 2，排除 4。" in markdown(second)
    assert "复核" not in markdown(first)  # no reviews file, no review line
