"""flows.pipeline, store, plan, tables: one file's result, keyed and stored; the tables over them."""

import json
import os
import shutil
from decimal import Decimal

import pytest

from extract.pdf import sha256_of
from flows import pipeline, plan, store, tables
from flows.discover import discover
from tests.conftest import FIXTURES

SAMPLE = FIXTURES / "sample" / "report.pdf"


@pytest.fixture(scope="module")
def sample_result():
    return pipeline.check_one(SAMPLE, "2023/sample.pdf", ("json",))


def test_check_one_keeps_a_record_and_the_json_document(sample_result):
    record = sample_result["record"]
    assert record["status"] == "checked" and record["exit_code"] == 1
    assert record["counts"] == {"error": 2, "warning": 2, "info": 7}
    assert record["document"]["organization"] == "唐山市科学技术协会" and record["document"]["year"] == 2023
    suffix, content = sample_result["renderings"]["json"]
    doc = json.loads(content)
    assert suffix == ".json" and doc["source"]["path"] == "2023/sample.pdf"
    assert [f["id"] for f in doc["findings"]] == record["finding_ids"]
    assert len(record["rows"]["projects"]) == 27 and len(record["rows"]["findings"]) == 11


def test_rows_give_amounts_in_wan_as_written(sample_result):
    rent = next(r for r in sample_result["record"]["rows"]["projects"] if r["name"] == "唐山市总工会房屋租金")
    assert (rent["budget_wan"], rent["actual_wan"], rent["stated_rate"]) == ("832.52", "802.51", "96.3")
    yuan = pipeline.check_one(FIXTURES / "sample-yuan" / "report.pdf", "yuan.pdf", ())
    rent = next(r for r in yuan["record"]["rows"]["projects"] if r["name"] == "唐山市总工会房屋租金")
    assert Decimal(rent["budget_wan"]) == Decimal("832.52") and rent["budget_text"] == "8325200元"


def test_check_batch_records_each_failure_and_goes_on(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(SAMPLE.read_bytes()[:3000])
    no_figures = FIXTURES / "no-figures" / "report.pdf"
    items = [("bad.pdf", str(bad), sha256_of(bad)), ("no-figures.pdf", str(no_figures), sha256_of(no_figures)),
             ("slow.pdf", str(SAMPLE), sha256_of(SAMPLE))]
    got = pipeline.check_batch(items, ("json",), timeout=None)
    assert [g["failure"]["exit_code"] if "failure" in g else 0 for g in got] == [3, 4, 0]
    assert got[0]["failure"]["final"] and "损坏" in got[0]["failure"]["reason"]
    timed = pipeline.check_batch(items[2:], ("json",), timeout=0.01)
    assert timed[0]["failure"]["kind"] == "timeout" and timed[0]["failure"]["final"]
    changed = pipeline.check_batch([("a.pdf", str(SAMPLE), "0" * 64)], ("json",))
    assert changed[0]["failure"]["kind"] == "changed" and not changed[0]["failure"]["final"]


def test_a_file_moved_or_rewritten_while_the_run_goes_on_is_not_failed_for_good(tmp_path):
    """"Not found" says nothing lasting about a file (an operator moved it, a share blinked):
    stored as final, the restored file — and every copy of it — would stay failed."""
    moved = tmp_path / "moved.pdf"
    moved.write_bytes(SAMPLE.read_bytes()[:3000])  # a damaged file: its failure would be final…
    sha = sha256_of(moved)
    moved.unlink()  # …but it is gone before its turn
    rewritten = tmp_path / "rewritten.pdf"
    rewritten.write_bytes(SAMPLE.read_bytes()[:2000])  # damaged too, and not what was planned
    got = pipeline.check_batch([("moved.pdf", str(moved), sha),
                                ("rewritten.pdf", str(rewritten), "1" * 64)], ("json",))
    assert [g["failure"]["final"] for g in got] == [False, False]
    assert all("下次运行将重新核对" in g["failure"]["reason"] for g in got)


def test_versions_follow_patterns_and_formats(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text('[fields.budget]\nwords = ["安排资金"]\n', encoding="utf-8")
    base = store.versions(None, ("json",))
    assert {"jixiao", "data", "rules", "libraries", "formats"} <= set(base)
    assert store.versions_key(store.versions(str(extra), ("json",))) != store.versions_key(base)
    assert store.versions_key(store.versions(None, ("json", "html"))) != store.versions_key(base)
    # what only renders is kept apart from what reads and checks: a template edit re-renders, no more
    reconcile = store._package("reconcile")
    renders = {p.relative_to(reconcile).as_posix() for p in store._sources(reconcile) if store._renders(p, reconcile)}
    assert {"html.py", "xlsx.py", "view.py", "templates/report.html.j2"} <= renders
    assert not renders & {"rules.py", "document.py", "evidence.py", "engine.py", "reviews.py"}
    assert store.Store(tmp_path, store.versions(None, ("json", "html"))).key == store.Store(tmp_path, base).key


def test_triage_hashes_once_checks_each_content_once_and_keeps_failures(archive_copy, tmp_path):
    out = tmp_path / "out"
    kept = store.Store(out, store.versions())
    entries = discover(archive_copy)
    first = plan.triage(entries, kept, retry_failed=False)
    shas = [sha for _, _, sha in first.to_check]
    assert len(shas) == len(set(shas)) == 19  # 24 PDFs, of which 5 repeat a content
    dupes = {i.rel: i.same_as for i in first.items if i.same_as}
    assert dupes["2024/科协/sample.pdf"] == "2023/科协/sample.pdf"
    assert dupes["2024/财政局/重新报送-唐山科协.pdf"] == "2023/科协/sample.pdf"
    failed_sha = next(i.sha256 for i in first.items if i.rel == "2024/damaged.pdf")
    kept.put(failed_sha, {"status": "failed", "exit_code": 3, "reason": "x"}, {})
    checked_sha = next(i.sha256 for i in first.items if i.rel == "2023/科协/sample.pdf")
    kept.put(checked_sha, {"status": "checked", "exit_code": 1, "reason": ""}, {"json": (".json", b"{}")})
    again = plan.triage(entries, store.Store(out, store.versions()))
    assert len(again.to_check) == 17 and again.records.keys() == {failed_sha, checked_sha}
    assert len(plan.triage(entries, store.Store(out, store.versions()), retry_failed=True).to_check) == 18
    # the hash cache: an unchanged file is not read again, a rewritten one is
    hashes = json.loads((out / ".jixiao" / "hashes.json").read_text())
    assert hashes["2023/科协/sample.pdf"][4] == checked_sha
    target = archive_copy / "2023" / "科协" / "sample.pdf"
    target.write_bytes(target.read_bytes() + b"%")
    changed = plan.triage(entries, store.Store(out, store.versions()))
    assert next(i for i in changed.items if i.rel == "2023/科协/sample.pdf").status == plan.CHECK


def test_output_names_are_safe_stable_and_distinct():
    names = plan.output_names(["a/x.pdf", "a/x.PDF", "../evil/x.pdf", "b c/报告 1.pdf", "a/X.pdf"])
    assert names["a/X.pdf"] == "a/X" and names["b c/报告 1.pdf"] == "b_c/报告_1"  # first in code-point order
    assert names["a/x.PDF"].startswith("a/x-") and names["a/x.pdf"].startswith("a/x-")
    assert len(set(n.casefold() for n in names.values())) == 5
    assert all(".." not in n.split("/") and not n.startswith("/") for n in names.values())
    # a name depends on the path alone, not on which other files are there
    assert plan.output_names(["a/x.pdf", "a/x.PDF", "a/X.pdf"])["a/x.pdf"] == names["a/x.pdf"]


@pytest.mark.parametrize("files,workers", [(1, 1), (3, 8), (16, 2), (200, 2), (1000, 2), (10_000, 4)])
def test_batches_cover_every_file_once_in_order_and_shrink_to_single_files(files, workers):
    work = list(range(files))
    groups = plan.batches(work, workers)
    assert [i for g in groups for i in g] == work
    sizes = [len(g) for g in groups]
    assert max(sizes) <= 50 and sizes == sorted(sizes, reverse=True)
    assert sizes[-min(files, workers):] == [1] * min(files, workers)  # every worker ends on one file
    assert len(groups) <= files // 40 + 40 * workers  # large first: not a task a file


def test_a_batch_size_given_is_kept():
    assert [len(g) for g in plan.batches(list(range(7)), workers=2, size=3)] == [3, 3, 1]


def test_tables_answer_a_reviewers_question_in_sql(sample_result, tmp_path):
    import duckdb
    import pyarrow.parquet as pq

    files = [{"path": "2023/sample.pdf", "sha256": "s", "status": "checked", "reason": "", "exit_code": 1,
              "counts": {"error": 2, "warning": 2, "info": 7}, "organization": "唐山市科学技术协会", "year": 2023,
              "changes": {"new": ["a"], "resolved": [], "unchanged": 0}}]
    written = tables.build(tmp_path, files, {"2023/sample.pdf": sample_result["record"]["rows"]})
    assert pq.read_table(tmp_path / "projects.parquet").num_rows == 27
    assert pq.read_table(tmp_path / "findings.parquet").num_rows == 11
    with duckdb.connect(str(tmp_path / written["duckdb"]), read_only=True) as con:
        low = con.execute("SELECT name, actual_wan / budget_wan FROM projects "
                          "WHERE year = 2023 AND actual_wan / budget_wan < 0.6 ORDER BY name").fetchall()
        typed = con.execute("SELECT typeof(budget_wan) FROM projects LIMIT 1").fetchone()[0]
    assert typed == "DECIMAL(38,10)" and low and all(rate < 0.6 for _, rate in low)
    assert "其他交通费" in {name for name, _ in low}
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_store_prunes_other_versions(tmp_path):
    old = store.Store(tmp_path, {"jixiao": "0.0"})
    old.put("a" * 64, {"status": "checked"}, {})
    new = store.Store(tmp_path, {"jixiao": "0.1"})
    new.put("a" * 64, {"status": "checked"}, {})
    assert new.prune_versions() == [old.key] and new.get("a" * 64) and not old.get("a" * 64)
    shutil.rmtree(tmp_path / ".jixiao")


def test_new_renderers_render_an_archive_again_without_reading_a_pdf(tmp_path, monkeypatch):
    """Issue 17: a template or renderer changed (another `rendering` digest), or a format added:
    each stored report is rendered again from its JSON document and kept page crops; no PDF
    is opened, the store keeps its folder, and reports/ gets the new files."""
    import re

    import pdfplumber
    import pypdfium2

    from extract import reader
    from flows import summary
    from reconcile import evidence, view

    root, out = tmp_path / "root", tmp_path / "out"
    root.mkdir()
    shutil.copy(SAMPLE, root / "sample.pdf")
    entries = discover(root)
    versions = store.versions(None, ("json", "html", "xlsx"))
    kept = store.Store(out, versions)
    first = plan.triage(entries, kept)
    [(rel, path, sha)] = first.to_check
    one = pipeline.check_one(path, rel, ("json", "html", "xlsx"))
    kept.put(sha, one["record"], one["renderings"])
    summary.finish(root, out, first, {sha: store.held(kept.get(sha))}, kept)
    page = (out / "reports" / "sample.html").read_bytes()
    assert sorted(p.name for p in (out / "reports").iterdir()) == ["sample.html", "sample.json", "sample.xlsx"]

    def no_pdf(*args, **kwargs):
        raise AssertionError("a PDF was opened")

    for owner, name in ((pypdfium2, "PdfDocument"), (pdfplumber, "open"), (reader, "read_pdf"),
                        (evidence, "page_crops")):
        monkeypatch.setattr(owner, name, no_pdf)
    monkeypatch.setattr(view, "tool_version", lambda: "9.9.9-new-templates")  # what the reports show changes
    changed = store.Store(out, {**versions, "rendering": "0" * 16})
    assert changed.root == kept.root  # the checks are the same: their results stay where they are
    again = plan.triage(entries, changed)
    assert again.to_check == [] and again.rerendered == 1
    record = changed.get(sha)
    assert record["rendered_with"] == {"rendering": "0" * 16, "formats": "json,html,xlsx"}
    assert changed.read_rendering(sha, record, "json") == one["renderings"]["json"][1]  # the document as checked
    summary.finish(root, out, again, again.records, changed)
    new_page = (out / "reports" / "sample.html").read_bytes()
    assert b"9.9.9-new-templates" in new_page and b"9.9.9-new-templates" not in page

    def crops(html: bytes) -> list[bytes]:
        return re.findall(rb"data:image/png;base64,[A-Za-z0-9+/=]+", html)

    assert crops(new_page) == crops(page) and len(crops(page)) >= 11  # every finding keeps its crops
    assert plan.triage(entries, store.Store(out, {**versions, "rendering": "0" * 16})).rerendered == 0
    # a format added is rendered from the document too; one that needs the PDF means reading it again
    with_md = store.Store(out, {**versions, "rendering": "0" * 16, "formats": "json,html,xlsx,md"})
    assert plan.triage(entries, with_md).rerendered == 1 and "md" in with_md.get(sha)["renderings"]
    with_pdf = store.Store(out, {**versions, "formats": "json,pdf"})
    assert plan.triage(entries, with_pdf).to_check == [(rel, path, sha)]
