"""The Markdown summary: counts and the error findings, nothing from the PDF read as markup."""

from __future__ import annotations

from reconcile.markdown import escape, render
from reconcile.render import checked


def test_sample_summary(sample):
    text = render(checked(*sample))
    assert text.startswith("### 唐山市科学技术协会 2023 · 核对结果")
    assert "| 2 | 2 | 7 | 75 | 64 | 7 | 4 | 0 |" in text
    assert "**错误（2）**" in text
    assert "1. 第 1 页 · `sum_mismatch`：专项项目预算数合计应为 3059.85 万元，报告写 3183.53 万元，相差 123.68 万元" in text
    assert "2. 第 1 页 · `sum_mismatch`：专项项目实际支出合计应为 1834.89 万元" in text
    # Warnings and notes are counted, not listed.
    assert "另有警告 2 条、提示 7 条" in text and "96.3%" not in text
    assert "7 个比率为截断取值" in text


def test_consistent_report_says_no_errors():
    from reconcile import reconcile
    from tests.conftest import report_of

    report = report_of("consistent")
    assert "没有错误。" in render(checked(report, reconcile(report)))


def test_escape():
    assert escape("<script>alert(1)</script>") == "\\<script\\>alert(1)\\</script\\>"
    assert escape("a|b *c* [x](y) `z` &amp;") == "a\\|b \\*c\\* \\[x\\](y) \\`z\\` \\&amp;"
    assert escape("两行\n文字") == "两行 文字"


def test_hostile_text_is_literal(hostile):
    text = render(checked(*hostile))
    assert "<script>" not in text and "<b>" not in text and "<img" not in text
    assert "\\<script\\>alert(1)\\</script\\>培训费" in text
    assert "sum_mismatch" in text and "rate_mismatch" in text
