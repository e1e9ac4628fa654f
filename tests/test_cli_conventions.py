"""What linters' and CLIs' users expect: -q/-v/--log-level, --fail-on, --help with examples and exit
codes, --config for every command, CSV with a BOM in files, paths as given, outputs named apart."""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import build_parser, configure_logging, main, output_names
from tests.conftest import FIXTURES, ROOT

SAMPLE = str(FIXTURES / "sample" / "report.pdf")
CONSISTENT = str(FIXTURES / "consistent" / "report.pdf")
ERRORS = ("sum_mismatch:3cd9a7879b", "sum_mismatch:05e1a93a37")  # the sample's two errors


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def reviews_file(path: Path, *ids: str) -> str:
    path.write_text("".join(f'[[review]]\nid = "{i}"\ndecision = "dismissed"\nreason = "已核实"\n\n' for i in ids),
                    encoding="utf-8")
    return str(path)


# --- -q, -v, --debug, --log-level -------------------------------------------------------------


def test_quiet_silences_notes_but_never_an_error(capsys, tmp_path):
    unmatched = reviews_file(tmp_path / "reviews.toml", "sum_mismatch:ffffffffff")
    code, out, err = run(capsys, "check", CONSISTENT, "--reviews", unmatched)
    assert code == 0 and "没有对应的发现" in err  # the note, without -q
    code, out, err = run(capsys, "check", CONSISTENT, "--reviews", unmatched, "-q")
    assert code == 0 and err == "" and "错误 0" in out  # the output itself is not silenced
    code, out, err = run(capsys, "check", str(tmp_path / "missing.pdf"), "--quiet")
    assert code == 3 and len(err.splitlines()) == 1 and "不存在" in err


@pytest.mark.parametrize(
    ("options", "own", "third_party"),
    [
        ({}, logging.WARNING, logging.WARNING),
        ({"quiet": True}, logging.ERROR, logging.ERROR),
        ({"verbose": 1}, logging.INFO, logging.WARNING),
        ({"verbose": 2}, logging.DEBUG, logging.WARNING),
        ({"debug": True}, logging.DEBUG, logging.WARNING),  # pdfminer's debug log stays out
        ({"log_level": "debug"}, logging.DEBUG, logging.DEBUG),  # everything, as asked
        ({"log_level": "error", "verbose": 1}, logging.INFO, logging.ERROR),
    ],
)
def test_log_levels_of_jixiao_and_of_third_party_loggers(options, own, third_party):
    try:
        configure_logging(argparse.Namespace(**options))
        for name in ("extract.parse", "reconcile.evidence", "flows.pipeline", "jixiao"):
            assert logging.getLogger(name).getEffectiveLevel() == own, name
        assert logging.getLogger("pdfminer.psparser").getEffectiveLevel() == third_party
    finally:
        configure_logging(argparse.Namespace())  # as a run without options leaves them


def test_debug_in_a_real_process_shows_no_third_party_debug_log():
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "check", "--debug", CONSISTENT],
                          capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "pdfminer" not in proc.stderr and len(proc.stderr.splitlines()) < 50  # was ~15 000 lines a page


def test_every_command_takes_the_logging_options():
    parser = build_parser()
    for argv in (["check", "x.pdf"], ["extract", "x.pdf"], ["review", "x.pdf"], ["archive", "d", "--out", "o"],
                 ["serve", "d", "--out", "o", "--cron", "0 2 * * *"]):
        args = parser.parse_args([*argv, "-q", "-vv"])
        assert args.quiet is True and args.verbose == 2, argv
    assert parser.parse_args(["check", "x.pdf", "--log-level", "INFO"]).log_level == "info"


# --- --fail-on --------------------------------------------------------------------------------


def test_fail_on_decides_which_findings_give_exit_1(capsys, tmp_path):
    code, out, _ = run(capsys, "check", SAMPLE, "--format", "json")
    doc = json.loads(out)
    warnings = [f["id"] for f in doc["findings"] if f["severity"] == "warning"]
    assert code == 1 and warnings and doc["summary"]["notes"]
    assert run(capsys, "check", SAMPLE, "--fail-on", "never")[0] == 0
    no_errors = reviews_file(tmp_path / "errors.toml", *ERRORS)
    assert run(capsys, "check", SAMPLE, "--reviews", no_errors)[0] == 0  # the default: errors only
    assert run(capsys, "check", SAMPLE, "--reviews", no_errors, "--fail-on", "warning")[0] == 1
    nothing = reviews_file(tmp_path / "all.toml", *ERRORS, *warnings)
    assert run(capsys, "check", SAMPLE, "--reviews", nothing, "--fail-on", "warning")[0] == 0  # notes never fail
    assert run(capsys, "check", SAMPLE, "--fail-on", "warning")[0] == 1


def test_fail_on_never_leaves_the_other_exit_codes(capsys, tmp_path):
    code, _, err = run(capsys, "check", SAMPLE, str(tmp_path / "missing.pdf"), "--fail-on", "never")
    assert code == 3 and "不存在" in err
    with pytest.raises(SystemExit) as exc:
        main(["check", SAMPLE, "--fail-on", "sometimes"])
    assert exc.value.code == 2


def test_fail_on_in_the_config_file(capsys, tmp_path, monkeypatch):
    (tmp_path / "jixiao.toml").write_text('fail_on = "never"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "check", SAMPLE)[0] == 0
    assert run(capsys, "check", SAMPLE, "--fail-on", "error")[0] == 1  # the command line wins
    (tmp_path / "jixiao.toml").write_text('fail_on = "always"\n', encoding="utf-8")
    code, _, err = run(capsys, "check", SAMPLE)
    assert code == 2 and "fail_on" in err and "always" in err


# --- --help -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "codes", "absent"),
    [
        ([], ["0", "1", "2", "3", "4", "5", "6", "7", "130", "143"], []),
        (["check"], ["0", "1", "2", "3", "4", "5", "130"], ["6", "7"]),
        (["extract"], ["0", "2", "3", "4", "5"], ["1", "6", "7"]),
        (["review"], ["0", "2", "3"], ["1", "6", "7"]),
        (["archive"], ["0", "1", "2", "3", "6", "7", "130", "143"], []),
        (["serve"], ["0", "2", "6"], ["1", "7"]),
        (["schema"], ["0"], ["1", "3"]),
    ],
)
def test_help_has_examples_and_the_exit_codes(capsys, command, codes, absent):
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and "示例（examples）:" in out and "退出码（exit status）:" in out
    table = out.split("退出码（exit status）:", 1)[1]
    listed = [line.split()[0] for line in table.splitlines() if line.strip()]
    assert [c for c in codes if c not in listed] == [] and [c for c in absent if c in listed] == []
    examples = out.split("示例（examples）:", 1)[1].split("退出码", 1)[0]
    assert all(line.strip().startswith("jixiao") or line.strip().startswith("PREFECT_API_URL")
               for line in examples.splitlines() if line.strip())
    if command:
        assert f"jixiao {command[0]}" in examples


# --- --config for archive and serve ------------------------------------------------------------


def _archive_args(tmp_path, *extra):
    from flows.cli import apply_config

    parser = build_parser()
    argv = ["archive", str(tmp_path), "--out", str(tmp_path / "out"), *extra]
    args = parser.parse_args(argv)
    apply_config(parser, args, argv)
    return args


def test_archive_reads_its_keys_from_the_config_file(tmp_path):
    config = tmp_path / "nightly.toml"
    config.write_text('workers = 2\nformats = ["json", "html"]\ntimeout = 30\nmax_memory = 512\n'
                      'reviews = "审核/reviews.toml"\npatterns = "mine.toml"\n', encoding="utf-8")
    args = _archive_args(tmp_path, "--config", str(config))
    assert (args.workers, args.formats, args.timeout, args.max_memory) == (2, ["json", "html"], 30.0, 512)
    assert args.reviews == str(tmp_path / "审核" / "reviews.toml")  # relative to the config file
    assert args.patterns == str(tmp_path / "mine.toml")
    args = _archive_args(tmp_path, "--config", str(config), "--workers", "1", "--formats", "json")
    assert (args.workers, args.formats) == (1, ["json"])  # the command line wins
    config.write_text('formats = "json,xlsx"\n', encoding="utf-8")
    assert _archive_args(tmp_path, "--config", str(config)).formats == ["json", "xlsx"]


@pytest.mark.parametrize(("command", "extra"), [("archive", []), ("serve", ["--cron", "0 2 * * *"])])
@pytest.mark.parametrize(
    ("text", "said"),
    [("bogus = 1\n", "bogus"), ("workers = 0\n", "workers"), ('formats = ["json", "csv"]\n', "formats"),
     ("workers = [\n", "无法读取")],
)
def test_archive_and_serve_refuse_a_bad_config_before_any_work(capsys, tmp_path, command, extra, text, said):
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, command, str(tmp_path), "--out", str(tmp_path / "out"), "--config", str(config),
                         *extra)
    assert code == 2 and said in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


# --- CSV for Excel ----------------------------------------------------------------------------


def test_csv_has_a_bom_in_a_file_and_not_on_stdout(capsys, tmp_path):
    target = tmp_path / "项目.csv"
    code, out, _ = run(capsys, "extract", SAMPLE, CONSISTENT, "--format", "csv", "--out", str(target))
    data = target.read_bytes()
    assert code == 0 and out == "" and data.startswith(b"\xef\xbb\xbffile,") and data.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 54 and rows[5]["name"] == "唐山市总工会房屋租金"
    code, out, _ = run(capsys, "extract", SAMPLE, "--format", "csv")
    assert code == 0 and out.startswith("file,")  # a pipe gets no BOM
    code, out, _ = run(capsys, "extract", SAMPLE, "--format", "json", "--out", str(tmp_path / "x.json"))
    assert (tmp_path / "x.json").read_bytes().startswith(b"{")  # JSON never has one


# --- names as given ---------------------------------------------------------------------------


def test_an_absolute_path_is_shown_as_given_and_kept_out_of_documents(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the file is not below the working folder
    code, out, _ = run(capsys, "check", SAMPLE)
    assert code == 1 and out.splitlines()[0].startswith(f"{SAMPLE}  ")
    code, out, _ = run(capsys, "check", SAMPLE, "--format", "json")  # no absolute path in a document
    assert json.loads(out)["source"]["path"] == "report.pdf"
    monkeypatch.chdir(ROOT)
    code, out, _ = run(capsys, "extract", "fixtures/sample/../sample/report.pdf")
    assert json.loads(out)["source"]["path"] == "fixtures/sample/report.pdf"  # relative: kept, normalised


def test_outputs_of_files_with_the_same_name_go_in_their_folders(capsys, tmp_path):
    out = tmp_path / "out"
    code, _, _ = run(capsys, "check", SAMPLE, CONSISTENT, str(FIXTURES / "sample-yuan" / "report.pdf"),
                     "--format", "md", "--out", str(out / "all.md"))
    assert code == 1  # md combines: one file, nothing to name
    code, _, _ = run(capsys, "check", SAMPLE, CONSISTENT, "--format", "html", "--out", str(out))
    assert code == 1
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert written == ["consistent/report.html", "sample/report.html"]
    assert "唐山市科学技术协会" in (out / "sample" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("paths", "names"),
    [
        (["a/report.pdf", "b/report.pdf", "c.pdf"], ["a/report", "b/report", "c"]),
        (["/x/a/report.pdf", "/y/a/Report.pdf"], ["x/a/report", "y/a/Report"]),  # case-only: apart on any disk
        (["/a/report.pdf", "/x/a/report.pdf"], ["a/report", "x/a/report"]),
        (["report.pdf", "./report.pdf"], ["report", "report-2"]),  # the same file twice
        (["甲/报告 1.pdf", "乙/报告 1.pdf"], ["甲/报告_1", "乙/报告_1"]),
        (["a\n/report.pdf", "b/report.pdf"], ["a/report", "b/report"]),  # a folder's name made safe
    ],
)
def test_output_names(paths, names):
    assert output_names([Path(p) for p in paths]) == names


# --- the OCR hint names a command that works --------------------------------------------------


def test_the_ocr_hint_names_the_install_from_a_clone():
    import tomllib

    from extract.ocr import INSTALL_HINT

    assert "pip install -e '.[ocr]'" in INSTALL_HINT
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert "ocr" in extras


def test_skips_say_what_to_install():
    from tests.conftest import install_commands

    assert install_commands("browser test needs Debian's chromium (apt-get install chromium); it runs in CI") == [
        "apt-get install chromium"]
    assert install_commands("ReportLab or the WQY MicroHei font (fonts-wqy-microhei) is not installed") == [
        "apt-get install fonts-wqy-microhei"]
    assert install_commands("jixiao[ocr] is not installed") == ["pip install -e '.[ocr]'"]
    assert install_commands("needs nothing") == []


BAD_PATTERNS = {
    "regex": ('[headings]\nmarkers = ["(unclosed"]\n', "(unclosed"),
    "entry": ('[[groups]]\npattern = "项目共({count}个"\nsample = "x"\n', "项目共({count}个"),
    "toml": ("x = [", "TOML"),
    "shape": ("[headings]\nmarkers = 5\n", "结构"),
}


@pytest.mark.parametrize("case", sorted(BAD_PATTERNS))
def test_a_bad_phrasing_file_is_a_usage_error_before_any_work(capsys, tmp_path, case):
    """Before: a phrasing that does not compile failed every report as 处理时发生内部错误 (exit 3,
    "please report this bug"), in an archive file by file."""
    text, named = BAD_PATTERNS[case]
    patterns = tmp_path / "patterns.toml"
    patterns.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "check", str(FIXTURES / "sample" / "report.pdf"), "--patterns", str(patterns))
    assert code == 2 and out == "", err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(patterns) in lines[0] and named in lines[0], err
    root = tmp_path / "archive"
    root.mkdir()
    (root / "a.pdf").write_bytes((FIXTURES / "sample" / "report.pdf").read_bytes())
    code, out, err = run(capsys, "archive", str(root), "--out", str(tmp_path / "out"), "--patterns", str(patterns))
    assert code == 2 and len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists(), err


@pytest.mark.parametrize("given, expected", [((), (30.0, 2)), (("--timeout", "7"), (7.0, 2)),
                                             (("--timeout=7",), (7.0, 2)), (("--workers=1", "--timeout", "7"), (7.0, 1))])
def test_the_command_line_wins_over_the_config_however_an_option_is_written(tmp_path, given, expected):
    config = tmp_path / "nightly.toml"
    config.write_text("workers = 2\ntimeout = 30\n", encoding="utf-8")
    args = _archive_args(tmp_path, "--config", str(config), *given)
    assert (args.timeout, args.workers) == expected


def test_options_cannot_be_abbreviated(tmp_path, capsys):
    """Before: "--time 7" was taken for --timeout 7, and a config's timeout then overrode it
    (the config's check looked for "--timeout" only)."""
    config = tmp_path / "nightly.toml"
    config.write_text("timeout = 30\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        _archive_args(tmp_path, "--config", str(config), "--time", "7")
    assert exited.value.code == 2 and "--time" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", SAMPLE, "--max-mem", "100"])


@pytest.mark.parametrize("isolated", [True, False], ids=["child", "in-process"])
def test_a_bug_is_exit_8_not_an_unreadable_input(capsys, monkeypatch, isolated):
    """A bug met while checking (here: the checks raise) is an internal error, exit 8, one line
    naming the file and asking for a report; before, exit 3 told the user the PDF was unreadable."""
    import reconcile

    def broken(report):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(reconcile, "reconcile", broken)
    limits = [] if isolated else ["--timeout", "0", "--max-memory", "0"]
    code, out, err = run(capsys, "check", SAMPLE, *limits)
    assert code == 8, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "内部错误" in lines[0] and "ZeroDivisionError" in lines[0] and "report.pdf" in lines[0]
    assert "  8    内部错误" in build_parser()._subparsers._group_actions[0].choices["check"].epilog
