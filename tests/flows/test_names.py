"""Odd file names: not UTF-8 (GBK, from a Windows share), too long for a file name once a suffix
is added, with a newline or a U+202E. An archive run checks every one, names its outputs
within 255 bytes, finds each again the next run, and shows each name escaped where it prints."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

GBK = "报告".encode("gbk") + b".pdf"  # b"\xb1\xa8\xb8\xe6.pdf": not UTF-8
LONG = "唐山市科学技术协会二〇二三年度部门整体支出绩效自评报告及专项项目绩效自评表汇总附件一至附件六与说明材料最终报送版本" \
       "第二次修订稿经单位负责人审核签字后盖章扫描归档留存"  # 82 characters, 246 bytes
NEWLINE = "第一行\njixiao: 伪造的一行.pdf"
RLO = "报告\u202efdp.exe.pdf"  # shown raw as "报告exe.pdf"
BIDI = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def make_archive(root: Path) -> None:
    """Four copies of two fixtures, each with a byte of its own (distinct content: each is checked)."""
    root.mkdir()
    sample = (FIXTURES / "sample" / "report.pdf").read_bytes()
    consistent = (FIXTURES / "consistent" / "report.pdf").read_bytes()
    files = {GBK: sample, os.fsencode(LONG + ".pdf"): consistent, os.fsencode(NEWLINE): sample,
             os.fsencode(RLO): consistent}
    for n, (name, data) in enumerate(files.items()):
        with open(os.path.join(os.fsencode(root), name), "wb") as handle:
            handle.write(data + b"\n%% copy %d\n" % n)


def test_long_name_is_82_characters_and_fits_a_file_name_only_without_a_suffix():
    assert len(LONG) == 82 and len((LONG + ".pdf").encode("utf-8")) <= 255 < len((LONG + ".reviews.toml").encode())


@pytest.mark.flows
def test_an_archive_of_odd_names_is_checked_named_found_again_and_shown_escaped(prefect_server, tmp_path):
    from openpyxl import load_workbook

    from tests.flows.test_archive import by_path, run_archive

    root, out = tmp_path / "archive", tmp_path / "out"
    make_archive(root)
    first = run_archive(root, out, formats=["json", "html", "xlsx"])
    files = by_path(first)
    expected = {"报告.pdf", LONG + ".pdf", NEWLINE, RLO}  # the GBK name decoded as GB18030
    assert set(files) == expected
    assert first["totals"] == {**first["totals"], "files": 4, "checked": 4, "failed": 0, "skipped": 0}
    assert first["exit_code"] == 1  # the two copies of the sample have their two errors
    for path, entry in files.items():
        assert set(entry["outputs"]) == {"json", "html", "xlsx"}, path
        for rel in entry["outputs"].values():
            target = out / rel
            assert target.is_file() and target.stat().st_size > 0
            assert all(len(os.fsencode(part)) <= 255 for part in Path(rel).parts)
            assert not BIDI.search(rel)  # no control or bidi character in an output's name
        doc = json.loads((out / entry["outputs"]["json"]).read_text(encoding="utf-8"))
        assert doc["source"]["path"] == path  # JSON keeps the name as it is (it escapes controls itself)
    assert len({e["outputs"]["json"] for e in files.values()}) == 4
    long_json = files[LONG + ".pdf"]["outputs"]["json"]
    assert len(Path(long_json).name.encode("utf-8")) <= 255 - len(".jixiao-XXXXXXXX.tmp")
    # summary.json and the hash cache are UTF-8 JSON, and hold the same names
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == first
    assert set(json.loads((out / ".jixiao" / "hashes.json").read_text(encoding="utf-8"))) == expected

    # The next run finds every file again: same paths, all cached, nothing new or resolved.
    again = run_archive(root, out, formats=["json", "html", "xlsx"])
    assert set(by_path(again)) == expected and again["removed"] == []
    assert again["totals"] == {**again["totals"], "checked": 0, "cached": 4, "failed": 0}
    assert all(f["changes"]["new"] == [] and f["changes"]["resolved"] == [] for f in again["files"])
    assert {p: f["outputs"] for p, f in by_path(again).items()} == {p: f["outputs"] for p, f in files.items()}

    # index.html: every name shown, the newline and the U+202E escaped, never raw
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "报告.pdf" in index and LONG in index
    assert "第一行\\njixiao: 伪造的一行.pdf" in index and "报告\\u202efdp.exe.pdf" in index
    assert "\u202e" not in index and NEWLINE not in index
    # the report page of each
    page = (out / files[RLO]["outputs"]["html"]).read_text(encoding="utf-8")
    assert "报告\\u202efdp.exe.pdf" in page and "\u202e" not in page
    page = (out / files[NEWLINE]["outputs"]["html"]).read_text(encoding="utf-8")
    assert "第一行\\njixiao: 伪造的一行.pdf" in page and NEWLINE not in page
    # the workbook's 文件 cell
    for path, shown_as in ((RLO, "报告\\u202efdp.exe.pdf"), (NEWLINE, "第一行\\njixiao: 伪造的一行.pdf"),
                           ("报告.pdf", "报告.pdf")):
        book = load_workbook(io.BytesIO((out / files[path]["outputs"]["xlsx"]).read_bytes()))
        cells = {row[0]: row[1] for row in book["文档信息"].iter_rows(values_only=True)}
        assert cells["文件"] == shown_as


def test_discover_decodes_gbk_names_and_keeps_a_clash_apart(tmp_path):
    from flows.discover import discover

    raw = os.fsencode(tmp_path)
    for name in (GBK, "报告.pdf".encode("utf-8"), b"\xff\xfe.pdf", "材料".encode("gbk")):
        target = os.path.join(raw, name)
        if name == "材料".encode("gbk"):
            os.mkdir(target)
            target = os.path.join(target, "附件".encode("gbk") + b".txt")
        with open(target, "wb") as handle:
            handle.write(b"%PDF-1.4\n")
    entries = discover(tmp_path)
    rels = [e.rel for e in entries]
    # "报告.pdf" is taken by the UTF-8 file: the GBK one is written with escapes; \xff is not GB18030
    assert sorted(rels) == sorted(["报告.pdf", "\\xb1\\xa8\\xb8\\xe6.pdf", "\\xff\\xfe.pdf", "材料/附件.txt"])
    assert all(e.rel.encode("utf-8") for e in entries)  # text every output can hold
    assert all(os.path.exists(e.path) for e in entries)  # and each is read from its own bytes
    assert [e.rel for e in discover(tmp_path)] == rels  # the same names every run


def test_check_shows_a_newline_and_a_bidi_name_escaped_on_stderr(tmp_path, capsys):
    from flows.cli import main

    forged = tmp_path / "x.pdf\njixiao: 一切正常.pdf"
    forged.write_text("not a pdf", encoding="utf-8")
    rlo = tmp_path / "a\u202efdp.pdf"
    rlo.write_text("", encoding="utf-8")
    assert main(["check", str(forged), str(rlo)]) == 3
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("jixiao: ") for line in lines), err
    assert "x.pdf\\njixiao: 一切正常.pdf：" in lines[0] and "a\\u202efdp.pdf：" in lines[1]
    assert "\u202e" not in err


def test_check_writes_a_long_or_odd_name_into_an_out_folder(tmp_path, capsys):
    from flows.cli import main

    sample = (FIXTURES / "consistent" / "report.pdf").read_bytes()
    # two long names alike in their first 200 bytes, and a GBK one
    paths = [tmp_path / (LONG + ".pdf"), tmp_path / (LONG[:-1] + "甲.pdf"), Path(os.fsdecode(tmp_path)) / os.fsdecode(GBK)]
    for path in paths:
        path.write_bytes(sample)
    out = tmp_path / "out"
    out.mkdir()
    code = main(["check", *map(str, paths), "--format", "html", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 3 and "报告.html" in names
    assert all(len(n.encode("utf-8")) <= 255 - 20 for n in names)  # room for "-2" or a temporary name


def test_safe_stem_cuts_by_bytes_and_keeps_names_apart():
    from flows.files import STEM_BYTES, safe_stem
    from flows.plan import output_names

    a, b = safe_stem(Path(LONG * 2 + "甲.pdf")), safe_stem(Path(LONG * 2 + "乙.pdf"))
    assert a != b and len(a.encode("utf-8")) <= STEM_BYTES and len(b.encode("utf-8")) <= STEM_BYTES
    cut = safe_stem(Path(LONG + ".pdf"))  # 246 bytes: no room left for "-2" or a digest, so it is cut
    assert LONG.startswith(cut[:-9]) and len(cut.encode("utf-8")) <= STEM_BYTES and cut == safe_stem(Path(LONG))
    names = output_names([f"{LONG * 2}/{LONG}.pdf", f"{LONG * 2}/{LONG}.PDF", "a\u202eb.pdf"])
    assert all(len(part.encode("utf-8")) <= STEM_BYTES + 9 for n in names.values() for part in n.split("/"))
    assert len(set(names.values())) == 3 and names["a\u202eb.pdf"] == "a_b"
