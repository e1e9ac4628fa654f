"""State checked before it is trusted: a garbled summary.json, damaged tables and damaged stored
results are found, said in one warning line, and rebuilt or checked again — never a traceback,
never every finding reported new again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.flows.test_archive import by_path, run_archive

pytestmark = pytest.mark.flows
FORMATS = ["json", "html"]


@pytest.fixture(scope="module")
def baseline(prefect_server, tmp_path_factory):
    """A small archive after its first run: OUT as it was, copied for each test to damage."""
    base = tmp_path_factory.mktemp("damage")
    root, out = base / "archive", base / "out"
    root.mkdir()
    for case in ("sample", "consistent"):
        shutil.copy(FIXTURES / case / "report.pdf", root / f"{case}.pdf")
    first = run_archive(root, out, formats=FORMATS)
    assert [f["status"] for f in first["files"]] == ["checked", "checked"]
    return root, out, first


@pytest.fixture
def damaged(baseline, tmp_path):
    root, out, first = baseline
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    return root, copy, first


def _stored(out: Path, path: str) -> tuple[Path, dict]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    key = by_path(summary)[path]["store"]
    record = out / ".jixiao" / "store" / key.split("/")[0] / key.split("/")[1][:2] / f"{key.split('/')[1]}.json"
    return record, json.loads(record.read_text(encoding="utf-8"))


def test_a_garbled_summary_is_replaced_by_jixiaos_own_copy_and_nothing_is_new_again(damaged, capsys):
    root, out, first = damaged
    (out / "summary.json").write_text('{"schema": "jixiao.archive/1", "files": [{"pa', encoding="utf-8")
    again = run_archive(root, out, formats=FORMATS)
    err = capsys.readouterr().err
    assert err.count("警告") == 1 and "summary.json 已损坏" in err and "last-summary.json" in err
    assert [f["status"] for f in again["files"]] == ["cached", "cached"]
    assert again["totals"]["new"] == 0 and all(f["changes"]["unchanged"] == len(f["finding_ids"]) for f in again["files"])
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["totals"] == again["totals"]


def test_with_both_copies_garbled_it_says_so_and_counts_everything_new(damaged, capsys):
    root, out, first = damaged
    for name in ("summary.json", ".jixiao/last-summary.json"):
        (out / name).write_bytes(b"\x00garbage")
    again = run_archive(root, out, formats=FORMATS)
    err = capsys.readouterr().err
    assert err.count("警告") == 1 and "没有可用的备份" in err
    assert again["totals"]["new"] == sum(len(f["finding_ids"]) for f in again["files"]) > 0


def test_damaged_tables_are_rebuilt(damaged, capsys):
    import duckdb

    root, out, first = damaged
    run_archive(root, out, formats=FORMATS)  # now the tables are what the next run would keep as they are
    capsys.readouterr()
    (out / "archive.duckdb").write_bytes(b"not a database at all" * 100)
    findings = out / "findings.parquet"
    findings.write_bytes(findings.read_bytes()[:40])
    run_archive(root, out, formats=FORMATS)
    err = capsys.readouterr().err
    assert "findings.parquet 已损坏" in err and "archive.duckdb 已损坏" in err
    with duckdb.connect(str(out / "archive.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == sum(
            len(f["finding_ids"]) for f in first["files"])
        assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(findings)]).fetchone()[0] > 0


@pytest.mark.parametrize("damage", ["truncated", "deleted"])
def test_a_stored_rendering_cut_short_or_gone_makes_its_file_checked_again(damaged, capsys, damage):
    root, out, first = damaged
    record_path, record = _stored(out, "sample.pdf")
    html = record_path.parent / record["renderings"]["html"]
    if damage == "truncated":
        html.write_bytes(html.read_bytes()[:200])
    else:
        html.unlink()
    again = by_path(run_archive(root, out, formats=FORMATS))
    err = capsys.readouterr().err
    assert "1 个保存的结果已损坏或不完整" in err and "Traceback" not in err
    assert again["sample.pdf"]["status"] == "checked" and again["consistent.pdf"]["status"] == "cached"
    assert (out / again["sample.pdf"]["outputs"]["html"]).stat().st_size > 100_000  # a whole report, with crops


def test_a_stored_rendering_changed_in_place_is_not_copied_and_is_checked_next_time(damaged, capsys):
    root, out, first = damaged
    record_path, record = _stored(out, "sample.pdf")
    stored = record_path.parent / record["renderings"]["json"]
    data = bytearray(stored.read_bytes())
    data[data.index(b"3183.53")] = ord("9")  # same size, other content
    stored.write_bytes(bytes(data))
    target = out / by_path(first)["sample.pdf"]["outputs"]["json"]
    target.unlink()  # so this run must copy it from the store
    run_archive(root, out, formats=FORMATS)
    err = capsys.readouterr().err
    assert err.count("警告") == 1 and "已损坏或无法读取" in err and "下次运行将重新核对" in err
    assert not target.exists()  # the damaged copy never reached reports/
    again = by_path(run_archive(root, out, formats=FORMATS))
    assert again["sample.pdf"]["status"] == "checked"
    assert b"3183.53" in target.read_bytes() and b"9183.53" not in target.read_bytes()
