"""Review decisions in the HTML report: a JSON data block, never markup, replaceable without re-rendering."""

from __future__ import annotations

import dataclasses
import json

import pytest

from reconcile import reviews
from reconcile.html import REVIEWS_BLOCK, apply_reviews, render, reviews_block
from reconcile.render import checked
from tests.render.conftest import IMG, SAMPLE_PDF, SCRIPT
from tests.render.dom import parse

FIRST, SECOND = "sum_mismatch:3cd9a7879b", "sum_mismatch:05e1a93a37"
BREAKOUT = "</script><script>alert(1)</script><!-- & </SCRIPT >"
DECISIONS = f'''
[[review]]
id = "{FIRST}"
decision = "dismissed"
reason = {json.dumps(BREAKOUT)}
by = "审计一组"
at = 2026-12-03

[[review]]
id = "{SECOND}"
decision = "confirmed"

[[review]]
id = "rate_rounding:0000000000"
decision = "confirmed"
reason = "不在本报告中"
'''


def with_reviews(result, decided):
    """The (shared, cached) result with reviews, as a copy: the session's result stays undecided."""
    return dataclasses.replace(result, reviews=decided)


def block(html: str) -> dict:
    found = REVIEWS_BLOCK.search(html)
    assert found, "no reviews block"
    assert "<" not in found[2] and ">" not in found[2] and "&" not in found[2]
    return json.loads(found[2])


def scripts(html: str):
    page = parse(html)
    return page, page.find_all("script")


def test_block_lists_every_finding_of_the_page_in_order(sample_html, sample):
    _, result = sample
    page, [data, code] = scripts(sample_html)
    assert data.attrs == {"type": "application/json", "id": "jixiao-reviews"}
    assert "type" not in code.attrs  # the report's own script, the only one that runs
    ids = [a.attrs["data-finding-id"] for a in page.find_all("article", "finding")]
    assert len(ids) == len(result.findings) == 11 and len(set(ids)) == 11
    assert ids[:2] == [FIRST, SECOND]
    assert json.loads(data.text) == {"decisions": {}, "ids": ids}
    assert data.text == reviews_block(ids, {})


def test_block_text_is_deterministic_json():
    decided = {"b": {"reason": "x", "decision": "confirmed", "by": None, "at": None}}
    assert reviews_block(["b", "a"], decided) == (
        '{"decisions":{"b":{"at":null,"by":null,"decision":"confirmed","reason":"x"}},"ids":["b","a"]}')
    # Unicode stays as written; only <, > and & are escaped; decisions for other ids are left out.
    text = reviews_block(["a"], {"a": {"decision": "dismissed", "reason": "另有<说明>&"}, "z": {}})
    assert text == '{"decisions":{"a":{"decision":"dismissed","reason":"另有\\u003c说明\\u003e\\u0026"}},"ids":["a"]}'
    assert json.loads(text)["decisions"]["a"]["reason"] == "另有<说明>&"


def test_decisions_come_in_as_data(sample):
    report, result = sample
    decided = reviews.parse(DECISIONS)
    html = render(checked(report, with_reviews(result, decided)), SAMPLE_PDF)
    data = block(html)
    assert data["decisions"] == {FIRST: {"decision": "dismissed", "reason": BREAKOUT, "by": "审计一组", "at": "2026-12-03"},
                                 SECOND: {"decision": "confirmed", "reason": "", "by": None, "at": None}}
    assert "rate_rounding:0000000000" not in html  # a decision for another report is not on this page
    page, found = scripts(html)
    assert len(found) == 2 and "alert" not in found[1].text
    assert BREAKOUT not in html and "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html
    # Nothing but the block tells what was decided: the script shows it.
    assert REVIEWS_BLOCK.sub("", html) == REVIEWS_BLOCK.sub("", render(checked(report, result), SAMPLE_PDF))


@pytest.mark.parametrize("case", ["sample", "hostile"])
def test_apply_reviews_gives_the_rendered_page(case, sample, hostile):
    report, result = sample if case == "sample" else hostile
    pdf = SAMPLE_PDF if case == "sample" else None
    plain = render(checked(report, result), pdf)
    ids = block(plain)["ids"]
    assert ids
    decided = reviews.parse("\n".join(
        f'[[review]]\nid = "{i}"\ndecision = "dismissed"\nreason = {json.dumps(reason, ensure_ascii=False)}\n'
        for i, reason in zip(ids, [BREAKOUT, SCRIPT, IMG, "第\t5 页\n另有说明 \\ \"引号\""], strict=False)))
    rendered = render(checked(report, with_reviews(result, decided)), pdf)
    assert rendered != plain
    assert apply_reviews(plain, decided) == rendered
    # And back again, or from one set of decisions to another.
    assert apply_reviews(rendered, reviews.NONE) == plain == apply_reviews(rendered, None)
    other = reviews.parse(f'[[review]]\nid = "{ids[-1]}"\ndecision = "confirmed"\n')
    assert apply_reviews(rendered, other) == render(checked(report, with_reviews(result, other)), pdf)
    assert result.reviews is None


def test_hostile_reasons_stay_text(hostile):
    report, result = hostile
    plain = render(checked(report, result))
    ids = block(plain)["ids"]
    decided = reviews.parse(f'[[review]]\nid = "{ids[0]}"\ndecision = "dismissed"\nreason = {json.dumps(BREAKOUT)}\n'
                            f'by = {json.dumps(SCRIPT, ensure_ascii=False)}\n')
    html = apply_reviews(plain, decided)
    page, found = scripts(html)
    assert len(found) == 2 and "alert" not in found[1].text
    assert not page.find_all("img") and not page.find_all("b")
    assert block(html)["decisions"][ids[0]] == {"decision": "dismissed", "reason": BREAKOUT, "by": SCRIPT, "at": None}


def test_apply_reviews_refuses_a_page_without_the_block():
    with pytest.raises(ValueError, match="jixiao-reviews"):
        apply_reviews("<html><body>不是核对报告</body></html>", reviews.NONE)


def test_every_finding_has_review_controls(sample_html):
    page = parse(sample_html)
    bar = page.find("div", id="review-bar")
    assert bar.attrs["data-source"].endswith("report.pdf") and len(bar.attrs["data-sha256"]) == 64
    assert {n.attrs["data-review-count"] for n in bar.find_all("strong")} == {"open", "confirmed", "dismissed", "errors_open"}
    assert bar.find("button", id="export-reviews").text == "导出复核结论" and bar.find("input", id="reviewer")
    for article in page.find_all("article", "finding"):
        panel = article.find("div", "review")
        buttons = {b.attrs["data-review"]: b.text for b in panel.find_all("button")}
        assert buttons == {"confirmed": "确认", "dismissed": "排除", "undo": "撤销"}
        assert panel.find("input", "review-reason") and "no-print" in panel.find("div", "review-form").classes
        assert panel.find("span", "review-id").text == article.attrs["data-finding-id"]
    assert page.find("input", id="only-open")


def test_a_page_with_no_findings_still_renders():
    from extract.reader import read_text
    from reconcile import reconcile

    report = read_text("安排资金80万元。")
    result = reconcile(report)
    assert not result.findings
    html = render(checked(report, result), "y.pdf")
    assert block(html) == {"decisions": {}, "ids": []}
    assert 'id="review-bar"' not in html and "没有发现问题" in html
    assert apply_reviews(html, reviews.parse(DECISIONS)) == html


def test_print_shows_decisions_not_buttons():
    from reconcile.html import assets

    css, js, csp = assets()
    printed = css[css.index("@media print"):]
    assert ".no-print" in printed and "article.finding.decided > * { opacity: 1 !important; }" in printed
    assert "jixiao-reviews" in js and "localStorage" in js
    assert "script-src 'sha256-" in csp and csp.count("sha256-") == 2  # the data block needs no hash
