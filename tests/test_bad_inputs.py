"""Whatever people upload: each bad input gets its exit code and one line saying what to do, never a traceback."""

import io
import os
import random
import subprocess
import sys
import zipfile

import pytest

from extract import ocr
from flows.cli import main
from tests.conftest import FIXTURES, ROOT

SAMPLE = FIXTURES / "sample" / "report.pdf"
INPUTS = FIXTURES / "inputs"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.pdf", b"", "文件为空"),
        ("report.pdf", docx_bytes(), "Word 文档"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "PNG 图片"),
        ("photo.pdf", b"\xff\xd8\xff\xe0" + b"\0" * 64, "JPEG 图片"),
        ("download.pdf", b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "网页"),
        ("notes.pdf", "预算执行情况说明".encode("gb18030"), "纯文本"),
        ("old.pdf", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧版 Office"),
    ],
)
def test_files_that_are_not_pdfs_say_what_they_are(capsys, tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = run(capsys, "check", path)
    assert code == 3 and out == ""
    line = one_line(err)
    assert words in line and name in line and "；" in line  # what is wrong ; what to do


def test_a_folder_is_not_a_file(capsys, tmp_path):
    code, _, err = run(capsys, "check", tmp_path)
    assert code == 3 and "不是普通文件" in one_line(err)


def test_encrypted_pdf_asks_for_its_password(capsys):
    code, _, err = run(capsys, "check", INPUTS / "encrypted.pdf")
    assert code == 3 and "--password" in one_line(err)
    code, _, err = run(capsys, "check", INPUTS / "encrypted.pdf", "--password", "wrong")
    assert code == 3 and "密码不正确" in one_line(err)
    code, out, _ = run(capsys, "check", INPUTS / "encrypted.pdf", "--password", "jixiao")
    assert code == 0 and "错误 0" in out


def test_empty_user_password_opens_silently(capsys):
    code, out, err = run(capsys, "check", INPUTS / "encrypted-empty-password.pdf")
    assert code == 0 and err == "" and "核对 3 项" in out


def test_pdf_without_pages(capsys, tmp_path):
    path = tmp_path / "nopages.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                     b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    code, _, err = run(capsys, "check", path)
    assert code == 3 and "没有任何页面" in one_line(err)


def test_page_and_size_limits(capsys):
    code, _, err = run(capsys, "check", SAMPLE, "--max-pages", "5")
    assert code == 3 and "共 9 页，超过上限 5 页" in one_line(err)
    code, _, err = run(capsys, "check", SAMPLE, "--max-size", "0")
    assert code == 3 and "文件过大" in one_line(err)


def test_scan_without_ocr_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    code, _, err = run(capsys, "check", INPUTS / "sample-scanned.pdf")
    assert code == 3 and "jixiao[ocr]" in one_line(err) and "扫描件" in err


def test_a_hang_is_stopped_at_the_time_limit(capsys, monkeypatch):
    import time

    from extract import reader

    monkeypatch.setattr(reader, "read_pages", lambda *a, **k: time.sleep(30))
    start = time.monotonic()
    code, _, err = run(capsys, "check", SAMPLE, "--timeout", "1")
    assert code == 3 and "处理超时" in one_line(err) and time.monotonic() - start < 10


def test_a_memory_hog_is_stopped_at_the_ceiling(capsys, monkeypatch):
    from extract import reader

    monkeypatch.setattr(reader, "read_pages", lambda *a, **k: bytearray(1 << 31))
    code, _, err = run(capsys, "check", SAMPLE, "--max-memory", "200")
    assert code == 3 and "内存上限" in one_line(err)


def mutations():
    data = SAMPLE.read_bytes()
    rng = random.Random(20231231)
    yield "truncated-10", data[: len(data) // 10]
    yield "truncated-50", data[: len(data) // 2]
    yield "truncated-95", data[: len(data) * 95 // 100]
    xref = data.rfind(b"startxref")
    yield "broken-startxref", data[:xref] + b"startxref\n999999999\n%%EOF\n"
    yield "no-xref-table", data.replace(b"xref", b"xxxx")
    for n in range(6):
        flipped = bytearray(data)
        for _ in range(20):
            at = rng.randrange(200, len(flipped))
            flipped[at] = rng.randrange(256)
        yield f"byte-flips-{n}", bytes(flipped)


@pytest.mark.parametrize(("name", "data"), list(mutations()), ids=[n for n, _ in mutations()])
def test_damaged_pdfs_get_a_documented_outcome(capsys, tmp_path, name, data):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    code, out, err = run(capsys, "check", path, "--timeout", "60")
    assert code in (0, 1, 3, 4)
    if code in (3, 4):
        assert out == "" and name in one_line(err)
    else:  # pdfminer recovered the file: it is checked like any other
        assert err == "" and "核对" in out


def test_file_names_in_gbk_bytes_work(tmp_path):
    name = os.fsdecode("报告 2023 (终稿).pdf".encode("gb18030"))
    path = tmp_path / name
    path.write_bytes(SAMPLE.read_bytes())
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "check", str(path), "--format", "json"],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1, proc.stderr.decode("utf-8", "replace")
    assert "报告 2023 (终稿).pdf" in proc.stdout.decode("utf-8")


def test_glyphs_without_a_character_map_make_a_page_unreadable():
    from extract.lines import Char
    from extract.pdf import _unusable

    def chars(texts):
        return [Char(t, 1, 10.0 * i, 0, 10.0 * (i + 1), 10, 10) for i, t in enumerate(texts)]

    assert _unusable(chars(["(cid:12)", "(cid:40)", "(cid:7)", "预"]))  # pdfminer's unmapped glyphs
    assert _unusable(chars(["\ue012", "\ue013", "\ue014"]))  # private-use code points
    assert not _unusable(chars(list("调整预算数10万元")))
    assert not _unusable(chars(list("调整预算数10万元") + ["(cid:3)"]))  # a stray glyph is not a scan
