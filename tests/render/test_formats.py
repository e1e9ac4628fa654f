"""html, xlsx and md are registered formats of `jixiao check`, written through --out."""

from __future__ import annotations

import io

import pytest

from flows.cli import main
from reconcile.render import FORMATS, offered
from tests.render.conftest import SAMPLE_PDF


def test_registered():
    assert {"html", "xlsx", "md"} <= set(offered("check"))
    assert FORMATS["xlsx"].binary and not FORMATS["html"].binary and not FORMATS["md"].binary
    assert (FORMATS["html"].suffix, FORMATS["xlsx"].suffix, FORMATS["md"].suffix) == (".html", ".xlsx", ".md")
    assert not {"html", "xlsx", "md"} & set(offered("extract"))


@pytest.mark.parametrize("fmt", ["html", "xlsx", "md"])
def test_check_writes_each_format(tmp_path, capsys, fmt):
    out = tmp_path / f"report.{fmt}"
    code = main(["check", str(SAMPLE_PDF), "--format", fmt, "--out", str(out)])
    assert code == 1 and capsys.readouterr().err == ""
    data = out.read_bytes()
    if fmt == "xlsx":
        from openpyxl import load_workbook

        assert load_workbook(io.BytesIO(data)).sheetnames == ["核对结果", "项目明细", "核对项", "文档信息"]
    elif fmt == "html":
        text = data.decode()
        assert text.count('<article class="finding') == 11 and text.count("data:image/png;base64,") >= 11
    else:
        assert "sum_mismatch" in data.decode()


def test_xlsx_needs_out(capsys):
    assert main(["check", str(SAMPLE_PDF), "--format", "xlsx"]) == 2
    assert "--out" in capsys.readouterr().err


def test_several_files_one_html_each(tmp_path, capsys):
    from tests.conftest import FIXTURES

    code = main(["check", str(SAMPLE_PDF), str(FIXTURES / "consistent" / "report.pdf"), "--format", "html",
                 "--out", str(tmp_path)])
    assert code == 1
    # Both are report.pdf: each goes in a folder named after its own (fixtures/sample, fixtures/consistent).
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.html")) == [
        "consistent/report.html", "sample/report.html"]


def test_several_files_one_markdown(capsys):
    from tests.conftest import FIXTURES

    main(["check", str(SAMPLE_PDF), str(FIXTURES / "consistent" / "report.pdf"), "--format", "md"])
    out = capsys.readouterr().out
    assert out.count("### ") == 2 and "\n---\n" in out
