"""The reviews file: read and validated with the line at fault, edited without losing what people wrote,
and applied to the canonical document (findings marked, counts, unmatched decisions)."""

from __future__ import annotations

import copy
import tomllib

import pytest

from reconcile import reviews as rv
from reconcile.document import document
from tests.conftest import report_of, result_of

GOOD = """\
# 审计一组的复核结论
[[review]]
id = "sum_mismatch:aaaa"
decision = "dismissed"
reason = "在第 5 页另有说明"
by = "审计一组"
at = 2026-12-03

[[review]]
id = "rate_rounding:bbbb"   # 确认
decision = "confirmed"
"""


def test_a_well_formed_file_is_read_in_order_with_its_lines():
    book = rv.parse(GOOD, "r.toml")
    assert list(book.entries) == ["sum_mismatch:aaaa", "rate_rounding:bbbb"]
    first, second = book.entries.values()
    assert (first.decision, first.reason, first.by, first.at, first.line) == (
        "dismissed", "在第 5 页另有说明", "审计一组", "2026-12-03", 2)
    assert (second.decision, second.reason, second.by, second.at, second.line) == ("confirmed", "", "", "", 9)
    assert second.as_dict() == {"decision": "confirmed", "reason": "", "by": None, "at": None}


@pytest.mark.parametrize(("text", "said"), [
    ('[[review]]\nid = "a:1"\ndecision = "dismised"\nreason = "x"\n', "第 1 行：decision 应为"),
    ('[[review]]\nid = "a:1"\ndecision = "confirmed"\n\n[[review]]\nid = "a:2"\ndecision = "dismissed"\n',
     "第 5 行：排除（dismissed）须写明 reason"),
    ('[[review]]\ndecision = "confirmed"\n', "第 1 行：缺少 id"),
    ('[[review]]\nid = "a:1"\ndecision = "confirmed"\nreasn = "x"\n', "不认识的键 reasn"),
    ('[[review]]\nid = "a:1"\ndecision = "confirmed"\nat = "昨天"\n', "at 应为日期"),
    ('[[review]]\nid = 7\ndecision = "confirmed"\n', "id 应为字符串"),
    ('[[review]]\nid = "a:1"\ndecision = "confirmed"\n[[review]]\nid = "a:1"\ndecision = "confirmed"\n',
     "第 4 行：编号 a:1 已在第 1 行有复核结论"),
    ('[[review]]\nid = "a:1\n', "不是有效的 TOML：第 2 行"),
    ('[review]\nid = "a:1"\n', "应写成 [[review]]"),
    ('title = "x"\n', "只应包含 [[review]] 条目"),
])
def test_a_malformed_file_is_refused_naming_the_line_and_what_is_wrong(text, said):
    with pytest.raises(rv.ReviewsError) as caught:
        rv.parse(text, "r.toml")
    assert said in str(caught.value) and "r.toml" in str(caught.value)
    assert "\n" not in str(caught.value)  # one line


def test_an_empty_file_and_a_missing_one_hold_no_decisions(tmp_path):
    assert rv.parse("", "r.toml").entries == {}
    assert rv.load(tmp_path / "none.toml", missing_ok=True).entries == {}
    with pytest.raises(rv.ReviewsError, match="不存在"):
        rv.load(tmp_path / "none.toml")


def test_recording_keeps_other_entries_comments_and_order():
    text = rv.record(GOOD, "sum_mismatch:aaaa", "confirmed", by="李四", at="2026-12-05")
    text = rv.record(text, "count_mismatch:cccc", "dismissed", reason='引号"与\\反斜杠', at="2026-12-06")
    assert text.startswith("# 审计一组的复核结论\n")
    assert "# 确认" in text
    book = rv.parse(text)
    assert list(book.entries) == ["sum_mismatch:aaaa", "rate_rounding:bbbb", "count_mismatch:cccc"]
    updated = book.entries["sum_mismatch:aaaa"]
    assert (updated.decision, updated.reason, updated.by, updated.at) == ("confirmed", "", "李四", "2026-12-05")
    assert book.entries["count_mismatch:cccc"].reason == '引号"与\\反斜杠'
    assert tomllib.loads(text)  # still plain TOML


def test_recording_refuses_a_dismissal_without_reason_and_a_malformed_file():
    with pytest.raises(rv.ReviewsError, match="须写明理由"):
        rv.record("", "a:1", "dismissed", reason="  ")
    with pytest.raises(rv.ReviewsError, match="decision"):
        rv.record('[[review]]\nid = "a:1"\ndecision = "maybe"\n', "a:2", "confirmed")


@pytest.fixture
def sample_doc():
    report, result = report_of("sample"), copy.copy(result_of("sample"))
    return report, result


def test_applied_to_the_sample_dismissed_errors_stop_counting_and_unmatched_ones_are_listed(sample_doc):
    report, result = sample_doc
    ids = [f["id"] for f in document(report, result)["findings"] if f["rule"] == "sum_mismatch"]
    assert len(ids) == 2
    text = rv.record("", ids[0], "dismissed", reason="另有说明", at="2026-12-03")
    text = rv.record(text, "sum_mismatch:0000000000", "confirmed", at="2026-12-03")
    result.reviews = rv.parse(text, "r.toml")
    doc = document(report, result)
    decided = {f["id"]: f["review"] for f in doc["findings"]}
    assert decided[ids[0]] == {"decision": "dismissed", "reason": "另有说明", "by": None, "at": "2026-12-03"}
    assert decided[ids[1]] is None
    assert doc["summary"]["review"] == {"open": len(doc["findings"]) - 1, "confirmed": 0, "dismissed": 1,
                                        "errors_open": 1}
    assert doc["summary"]["errors"] == 2  # the finding stays: only its weight for the exit status changes
    assert doc["reviews_unmatched"] == [{"id": "sum_mismatch:0000000000", "decision": "confirmed", "reason": "",
                                         "by": None, "at": "2026-12-03", "line": 7}]


def test_without_a_reviews_file_the_document_is_unchanged(sample_doc):
    report, result = sample_doc
    doc = document(report, result)
    assert "reviews_unmatched" not in doc and "review" not in doc["summary"]
    assert all("review" not in f for f in doc["findings"])
