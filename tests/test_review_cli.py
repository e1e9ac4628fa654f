"""Review decisions from the command line: the issue's acceptance on the sample and its re-typeset copy,
`jixiao review` listing and recording, unmatched and malformed reviews files."""

from __future__ import annotations

import json
import os

import pytest

from flows.cli import main
from tests.conftest import FIXTURES

SAMPLE = str(FIXTURES / "sample" / "report.pdf")
RETYPESET = str(FIXTURES / "sample-reportlab" / "report.pdf")  # the same report, typeset again


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sums() -> list[str]:
    """The ids of the sample's two sum_mismatch errors, as `jixiao check --format json` gives them."""
    from extract import read_pdf
    from reconcile import reconcile
    from reconcile.document import document

    report = read_pdf(SAMPLE)
    ids = [f["id"] for f in document(report, reconcile(report))["findings"] if f["rule"] == "sum_mismatch"]
    assert len(ids) == 2
    return ids


def test_dismissing_both_errors_makes_check_exit_0_with_the_findings_still_there(capsys, tmp_path, sums):
    reviews = tmp_path / "reviews.toml"
    for finding_id in sums:
        code, out, err = run(capsys, "review", SAMPLE, "--dismiss", finding_id, "--reason", "第 5 页另有说明",
                             "--by", "审计一组", "--reviews", str(reviews))
        assert code == 0 and finding_id in out and err == ""
    code, out, err = run(capsys, "check", SAMPLE, "--reviews", str(reviews), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and err == ""
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert [f["id"] for f in errors] == sums
    assert all(f["review"]["decision"] == "dismissed" and f["review"]["reason"] == "第 5 页另有说明"
               and f["review"]["by"] == "审计一组" for f in errors)
    assert doc["summary"]["errors"] == 2 and doc["summary"]["review"]["dismissed"] == 2
    assert doc["reviews_unmatched"] == []

    # Confirming one of them: it is to be raised, so the check fails again.
    code, out, _ = run(capsys, "review", SAMPLE, "--confirm", sums[0], "--reviews", str(reviews))
    assert code == 0
    code, out, _ = run(capsys, "check", SAMPLE, "--reviews", str(reviews))
    assert code == 1
    rows = [ln for ln in out.splitlines() if ln.startswith("错误")]
    assert ["确认" in rows[0], "排除" in rows[1]] == [True, True] and "第 5 页另有说明" in rows[1]
    assert out.splitlines()[-1].endswith("复核：待复核 9，确认 1，排除 1")


def test_a_retypeset_copy_takes_the_same_decisions(capsys, tmp_path, sums):
    reviews = tmp_path / "reviews.toml"
    reviews.write_text("".join(f'[[review]]\nid = "{i}"\ndecision = "dismissed"\nreason = "已核实"\n\n' for i in sums),
                       encoding="utf-8")
    code, out, err = run(capsys, "check", RETYPESET, "--reviews", str(reviews), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and err == "" and doc["reviews_unmatched"] == []
    assert [f["review"]["decision"] for f in doc["findings"] if f["severity"] == "error"] == ["dismissed"] * 2


def test_decisions_matching_no_finding_are_listed_and_said_once(capsys, tmp_path, sums):
    reviews = tmp_path / "reviews.toml"
    reviews.write_text(f'[[review]]\nid = "{sums[0]}"\ndecision = "confirmed"\n\n'
                       '[[review]]\nid = "sum_mismatch:ffffffffff"\ndecision = "dismissed"\nreason = "旧版报告"\n',
                       encoding="utf-8")
    code, out, err = run(capsys, "check", SAMPLE, "--reviews", str(reviews), "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert [(u["id"], u["line"]) for u in doc["reviews_unmatched"]] == [("sum_mismatch:ffffffffff", 5)]
    assert err.count("\n") == 1 and "1 条结论没有对应的发现" in err and "sum_mismatch:ffffffffff" in err


@pytest.mark.parametrize(("text", "said"), [
    ('[[review]]\nid = "a:1"\ndecision = "ok"\n', "第 1 行：decision 应为"),
    ('[[review]]\nid = "a:1"\ndecision = "dismissed"\n', "第 1 行：排除（dismissed）须写明 reason"),
    ('[[review]\n', "不是有效的 TOML：第 1 行"),
])
def test_a_malformed_reviews_file_is_one_line_and_exit_2_before_any_work(capsys, tmp_path, text, said):
    reviews = tmp_path / "reviews.toml"
    reviews.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "check", SAMPLE, "--reviews", str(reviews))
    assert code == 2 and out == "" and err.count("\n") == 1 and said in err and "Traceback" not in err
    code, out, err = run(capsys, "check", SAMPLE, "--reviews", str(tmp_path / "none.toml"))
    assert code == 2 and "不存在" in err


def test_review_lists_every_finding_with_its_id_and_decision(capsys, tmp_path, sums):
    reviews = tmp_path / "r.toml"
    code, out, _ = run(capsys, "review", SAMPLE, "--reviews", str(reviews))
    assert code == 0 and not reviews.exists()
    lines = out.splitlines()
    assert lines[0].split() == ["编号", "级别", "页码", "复核", "说明"]
    assert [ln.split()[0] for ln in lines[1:3]] == sums and all("待复核" in ln for ln in lines[1:12])
    assert lines[-1].startswith("共 11 条发现：待复核 11，确认 0，排除 0")


def test_review_takes_a_unique_prefix_and_refuses_unknown_or_ambiguous_ids(capsys, tmp_path, sums):
    reviews = tmp_path / "r.toml"
    code, out, _ = run(capsys, "review", SAMPLE, "--confirm", sums[1][:16], "--reviews", str(reviews))
    assert code == 0 and f'id = "{sums[1]}"' in reviews.read_text(encoding="utf-8")
    code, _, err = run(capsys, "review", SAMPLE, "--confirm", "sum_mismatch:", "--reviews", str(reviews))
    assert code == 2 and "对应 2 条发现" in err
    code, _, err = run(capsys, "review", SAMPLE, "--confirm", "count_mismatch:1234", "--reviews", str(reviews))
    assert code == 2 and "没有编号为 count_mismatch:1234 的发现" in err
    code, _, err = run(capsys, "review", SAMPLE, "--dismiss", sums[0], "--reviews", str(reviews))
    assert code == 2 and "--reason" in err
    assert "dismissed" not in reviews.read_text(encoding="utf-8")  # nothing written by a refused call


def test_the_reviews_file_is_written_with_the_umask_not_0600(capsys, tmp_path, sums):
    reviews = tmp_path / "r.toml"
    old = os.umask(0o022)
    try:
        assert run(capsys, "review", SAMPLE, "--confirm", sums[0], "--reviews", str(reviews))[0] == 0
    finally:
        os.umask(old)
    assert reviews.stat().st_mode & 0o777 == 0o644


def test_the_config_file_names_the_reviews_file_relative_to_itself(capsys, tmp_path, monkeypatch, sums):
    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "jixiao.toml").write_text('reviews = "decisions.toml"\n', encoding="utf-8")
    (folder / "decisions.toml").write_text(
        "".join(f'[[review]]\nid = "{i}"\ndecision = "dismissed"\nreason = "x"\n' for i in sums), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, "check", SAMPLE, "--config", str(folder / "jixiao.toml"))
    assert code == 0
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    code, _, _ = run(capsys, "check", SAMPLE, "--config", str(folder / "jixiao.toml"),
                     "--reviews", str(tmp_path / "empty.toml"))
    assert code == 1  # the command line wins over the config file


def test_merge_adds_an_exported_file_to_the_shared_one_keeping_what_it_had(capsys, tmp_path, sums):
    shared = tmp_path / "reviews.toml"
    shared.write_text(f'# 审计一组\n[[review]]\nid = "{sums[0]}"\ndecision = "confirmed"\n\n'
                      '[[review]]\nid = "other:1"\ndecision = "confirmed"\n', encoding="utf-8")
    exported = tmp_path / "report.reviews.toml"  # as the HTML page writes it
    exported.write_text(f'[[review]]\nid = "{sums[0]}"\ndecision = "dismissed"\nreason = "见附表"\nby = "张三"\n'
                        f'at = 2026-12-01\n\n[[review]]\nid = "{sums[1]}"\ndecision = "confirmed"\n'
                        'at = 2026-12-02\n', encoding="utf-8")
    code, out, _ = run(capsys, "review", "--merge", str(exported), "--reviews", str(shared))
    assert code == 0 and "新增 1，更新 1，未变 0" in out
    from reconcile.reviews import load

    text = shared.read_text(encoding="utf-8")
    merged = load(shared).entries
    assert text.startswith("# 审计一组\n") and list(merged) == [sums[0], "other:1", sums[1]]
    assert merged[sums[0]].as_dict() == {"decision": "dismissed", "reason": "见附表", "by": "张三", "at": "2026-12-01"}
    assert merged[sums[1]].at == "2026-12-02"
    code, out, _ = run(capsys, "review", "--merge", str(exported), "--reviews", str(shared))
    assert code == 0 and "未变 2" in out and shared.read_text(encoding="utf-8") == text


def test_an_output_that_is_the_input_is_refused(capsys, tmp_path):
    copy = tmp_path / "report.pdf"
    copy.write_bytes(open(SAMPLE, "rb").read())
    code, _, err = run(capsys, "check", str(copy), "--format", "pdf", "--out", str(copy))
    assert code == 2 and "覆盖原件" in err
    assert copy.read_bytes() == open(SAMPLE, "rb").read()
