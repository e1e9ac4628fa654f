"""The command line: exit codes, one-line errors, outputs; in-process, and once as a real process."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import main
from tests.conftest import FIXTURES, ROOT

SAMPLE = str(FIXTURES / "sample" / "report.pdf")
CONSISTENT = str(FIXTURES / "consistent" / "report.pdf")


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_sample_prints_table_and_exits_1(capsys):
    code, out, err = run(capsys, "check", SAMPLE)
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[2].split()[:3] == ["级别", "规则", "页码"]
    errors = [ln for ln in lines if ln.startswith("错误")]
    assert len(errors) == 2 and all("sum_mismatch" in ln and "第1页" in ln for ln in errors)
    # Sorted by severity: errors, then warnings, then notes.
    kinds = [ln[:2] for ln in lines[3:] if ln[:2] in ("错误", "警告", "提示")]
    assert kinds == sorted(kinds, key=["错误", "警告", "提示"].index)
    assert lines[-1].startswith("核对 75 项") and "7 个比率为截断取值" in lines[-1]


def test_consistent_report_exits_0(capsys):
    code, out, _ = run(capsys, "check", CONSISTENT)
    assert code == 0 and "错误 0" in out


def test_json_document(capsys):
    code, out, _ = run(capsys, "check", SAMPLE, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["schema"] == "jixiao.report/3"
    assert [f["rule"] for f in doc["findings"] if f["severity"] == "error"] == ["sum_mismatch"] * 2
    assert doc["findings"][0]["message"] == "专项项目预算数合计应为 3059.85 万元，报告写 3183.53 万元，相差 123.68 万元"
    assert len(doc["source"]["sha256"]) == 64 and not doc["source"]["path"].startswith("/")


def test_extract_json_has_no_findings_and_csv_has_every_line(capsys):
    code, out, _ = run(capsys, "extract", SAMPLE)
    doc = json.loads(out)
    assert code == 0 and "findings" not in doc and len(doc["projects"]) == 27
    code, out, _ = run(capsys, "extract", SAMPLE, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 27
    assert rows[5]["name"] == "唐山市总工会房屋租金" and rows[5]["budget_wan"] == "832.52"


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda d: d / "missing.pdf", 3, "不存在"),
        (lambda d: _write(d / "notes.pdf", b"just some text\n"), 3, "PDF"),
        (lambda d: _write(d / "empty.pdf", b""), 3, "文件为空"),
        (lambda d: FIXTURES / "no-figures" / "report.pdf", 4, "未找到预算数"),
    ],
)
def test_bad_inputs_get_one_line_and_their_code(capsys, tmp_path, make, code, words):
    got, out, err = run(capsys, "check", str(make(tmp_path)))
    assert got == code and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err and "Traceback" not in err


def _write(path, data):
    path.write_bytes(data)
    return path


def test_worst_status_wins_and_good_files_are_still_checked(capsys, tmp_path):
    code, out, err = run(capsys, "check", CONSISTENT, str(tmp_path / "missing.pdf"), SAMPLE)
    assert code == 3
    assert out.count("核对 75 项") == 2 and "missing.pdf" in err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2


def test_unwritable_output_exits_5(capsys, tmp_path):
    blocker = _write(tmp_path / "file", b"")
    code, out, err = run(capsys, "check", SAMPLE, "--out", str(blocker / "report.txt"))
    assert code == 5 and "无法写入" in err


def test_out_writes_the_file(capsys, tmp_path):
    target = tmp_path / "sub" / "report.json"
    code, out, _ = run(capsys, "check", SAMPLE, "--format", "json", "--out", str(target))
    assert code == 1 and out == "" and json.loads(target.read_text(encoding="utf-8"))["summary"]["errors"] == 2
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]  # no temporary left behind


def test_real_process_exit_code_and_no_prefect():
    code = (
        "import sys; from flows.cli import main; status = main(['check', sys.argv[1]]); "
        "sys.stdout.flush(); print('PREFECT' if 'prefect' in sys.modules else 'NO-PREFECT'); sys.exit(status)"
    )
    proc = subprocess.run([sys.executable, "-c", code, SAMPLE], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.strip().endswith("NO-PREFECT")
    script = subprocess.run([sys.executable, "-m", "flows.cli", "check", CONSISTENT], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert script.returncode == 0 and "错误 0" in script.stdout


def test_extract_csv_of_several_files_has_one_header(capsys):
    code, out, _ = run(capsys, "extract", SAMPLE, CONSISTENT, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 54
    assert len({r["file"] for r in rows}) == 2
    assert sum(1 for line in out.splitlines() if line.startswith("file,")) == 1


def test_json_of_several_files_is_a_list(capsys):
    code, out, _ = run(capsys, "check", SAMPLE, CONSISTENT, "--format", "json")
    docs = json.loads(out)
    assert code == 1 and [d["summary"]["errors"] for d in docs] == [2, 0]


def test_patterns_check_runs_every_sample(capsys, tmp_path):
    code, out, _ = run(capsys, "patterns")
    assert code == 0 and out.splitlines()[-1].endswith("失败 0")
    assert out.count("通过  fields.") == 6
    broken = tmp_path / "mine.toml"
    broken.write_text('[fields.budget]\nwords = ["安排资金"]\nsample = "（1）某项目，拨付资金20万元，实际支出10万元。"\n',
                      encoding="utf-8")
    code, out, _ = run(capsys, "patterns", "--patterns", str(broken))
    assert code == 1 and "失败  fields.budget" in out


def test_an_unknown_phrasing_is_read_after_one_entry_in_a_user_file(capsys, tmp_path, monkeypatch):
    text = "1、本级纳入绩效评价的项目共计1项。\n（1）甲项目，安排资金20万元，实际支出10万元，执行率50%。\n"
    from extract import read_text

    [before] = read_text(text).projects
    assert before.budget is None  # 安排资金 is not a budget word of ours: the rate cannot be checked
    user = tmp_path / "mine.toml"
    user.write_text('[fields.budget]\nwords = ["安排资金"]\n', encoding="utf-8")
    [line] = read_text(text, patterns_file=str(user)).projects
    assert line.budget.value == 20
    # The same file named in a config file in the working folder.
    (tmp_path / "jixiao.toml").write_text('patterns = "mine.toml"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "patterns")
    assert code == 0 and "安排资金" not in out  # the shipped samples still pass with it


def test_config_file_sets_defaults_and_the_command_line_wins(capsys, tmp_path, monkeypatch):
    (tmp_path / "jixiao.toml").write_text("max_pages = 3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "check", SAMPLE)
    assert code == 3 and "超过上限 3 页" in err
    code, _, _ = run(capsys, "check", SAMPLE, "--max-pages", "20")
    assert code == 1
    (tmp_path / "jixiao.toml").write_text("bogus = 1\n", encoding="utf-8")
    code, _, err = run(capsys, "check", SAMPLE)
    assert code == 2 and "bogus" in err


def test_figures_with_nothing_to_check_are_said_on_stderr(capsys):
    import argparse

    from extract.reader import read_text
    from flows.cli import _render

    report = read_text("另有社会捐赠资金5万元，由村委会统一管理。")
    status, output = _render(argparse.Namespace(command="check", format="text"), report, Path("x.pdf"))
    err = capsys.readouterr().err
    assert status == 0 and "没有可核对的关系（核对 0 项）" in err and "请人工复核" in err
    assert "社会捐赠资金" in output.content  # the line read is shown, not passed in silence
