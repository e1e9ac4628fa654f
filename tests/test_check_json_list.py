"""`check FILE... --format json` (and `extract`): one FILE gives its document; several give a list,
one entry a file given, in order, a failed one included as {source, status, exit_code, reason}."""

import json

import pytest

from flows.cli import main
from tests.conftest import FIXTURES

SAMPLE = str(FIXTURES / "sample" / "report.pdf")
CONSISTENT = str(FIXTURES / "consistent" / "report.pdf")
NO_FIGURES = str(FIXTURES / "no-figures" / "report.pdf")
FAILED_KEYS = ["source", "status", "exit_code", "reason"]


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "会议通知.pdf"
    path.write_text("这不是 PDF", encoding="utf-8")
    return str(path)


def test_one_success_and_one_failure_is_a_list_in_order(capsys, bad):
    code, out, err = run(capsys, "check", bad, SAMPLE, "--format", "json")
    entries = json.loads(out)
    assert code == 3 and isinstance(entries, list) and len(entries) == 2  # the worst status wins
    failed, doc = entries
    assert list(failed) == FAILED_KEYS
    assert failed == {"source": {"path": "会议通知.pdf"}, "status": "failed", "exit_code": 3,
                      "reason": failed["reason"]}
    assert failed["reason"].startswith("不是 PDF 文件") and "会议通知.pdf" not in failed["reason"]
    assert list(doc)[:3] == ["schema", "status", "exit_code"]
    assert doc["status"] == "checked" and doc["exit_code"] == 1 and doc["summary"]["errors"] == 2
    assert err.count("\n") == 1 and "会议通知.pdf：不是 PDF 文件" in err  # stderr as before


def test_only_failures_still_give_the_list(capsys, bad, tmp_path):
    missing = str(tmp_path / "missing.pdf")
    code, out, _ = run(capsys, "check", bad, missing, "--format", "json")
    entries = json.loads(out)
    assert code == 3 and [e["status"] for e in entries] == ["failed", "failed"]
    assert [e["source"]["path"] for e in entries] == ["会议通知.pdf", "missing.pdf"]
    assert "文件不存在" in entries[1]["reason"] and all(list(e) == FAILED_KEYS for e in entries)


def test_every_status_is_its_own_and_the_worst_is_the_exit_code(capsys, bad):
    code, out, _ = run(capsys, "check", CONSISTENT, NO_FIGURES, bad, SAMPLE, "--format", "json")
    entries = json.loads(out)
    assert code == 4
    assert [(e["status"], e["exit_code"]) for e in entries] == [("checked", 0), ("failed", 4), ("failed", 3),
                                                                ("checked", 1)]
    assert entries[1]["source"]["path"].endswith("report.pdf") and "未找到" in entries[1]["reason"]


def test_the_same_file_twice_is_two_entries(capsys):
    code, out, _ = run(capsys, "check", CONSISTENT, CONSISTENT, "--format", "json")
    entries = json.loads(out)
    assert code == 0 and len(entries) == 2 and entries[0] == entries[1]


def test_one_file_is_the_document_as_before(capsys, bad):
    code, out, _ = run(capsys, "check", SAMPLE, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and isinstance(doc, dict) and "status" not in doc and "exit_code" not in doc
    code, out, err = run(capsys, "check", bad, "--format", "json")
    assert code == 3 and out == "" and "不是 PDF 文件" in err  # one file that failed: nothing on stdout


def test_a_timeout_and_a_file_read_in_process_are_entries_too(capsys, bad):
    code, out, _ = run(capsys, "check", SAMPLE, CONSISTENT, "--format", "json", "--timeout", "0.001")
    entries = json.loads(out)
    assert code == 3 and all(e["status"] == "failed" and "超时" in e["reason"] for e in entries)
    # --timeout 0 --max-memory 0: read in this process; the same entries
    code, out, _ = run(capsys, "check", bad, CONSISTENT, "--format", "json", "--timeout", "0", "--max-memory", "0")
    entries = json.loads(out)
    assert code == 3 and [e["status"] for e in entries] == ["failed", "checked"]
    assert entries[0]["reason"].startswith("不是 PDF 文件")


def test_extract_json_of_several_files_is_a_list_with_failures(capsys, bad):
    code, out, _ = run(capsys, "extract", SAMPLE, bad, "--format", "json")
    entries = json.loads(out)
    assert code == 3 and [e["status"] for e in entries] == ["extracted", "failed"]
    assert "findings" not in entries[0] and len(entries[0]["projects"]) == 27 and entries[0]["exit_code"] == 0
    code, out, _ = run(capsys, "extract", bad, bad, "--format", "json")
    assert code == 3 and [e["status"] for e in json.loads(out)] == ["failed", "failed"]


def test_the_list_goes_to_out_as_well(capsys, bad, tmp_path):
    target = tmp_path / "all.json"
    code, out, _ = run(capsys, "check", bad, CONSISTENT, "--format", "json", "--out", str(target))
    entries = json.loads(target.read_text(encoding="utf-8"))
    assert code == 3 and out == "" and [e["status"] for e in entries] == ["failed", "checked"]


def test_other_formats_show_the_files_that_were_read(capsys, bad):
    code, out, _ = run(capsys, "check", bad, CONSISTENT)
    assert code == 3 and "错误 0" in out and "会议通知" not in out
    code, out, _ = run(capsys, "extract", bad, CONSISTENT, "--format", "csv")
    assert code == 3 and out.startswith("file,") and "会议通知" not in out
