"""Reviewing in the HTML report, in headless Chromium: decide, export, render again with the file.

Deselect with `-m "not browser"`; skipped outside CI when chromium or playwright is missing.
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest

from reconcile import reviews
from tests.render.conftest import SAMPLE_PDF
from tests.render.test_browser import DESKTOP, DOCS, FLAGS, _chromium

pytestmark = pytest.mark.browser

FIRST, SECOND = "sum_mismatch:3cd9a7879b", "sum_mismatch:05e1a93a37"
RATE = "rate_rounding:026848bcfa"
HOSTILE = '</script><script>alert(1)</script>第 5 页另有说明 "引号" \\ 反斜杠'
SHOT = "report-review.png"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """One Chromium profile for the module, with everything every page logged."""
    from playwright.sync_api import sync_playwright

    path = _chromium()
    tmp = tmp_path_factory.mktemp("review")
    log = {"console": [], "errors": [], "dialogs": [], "requests": [], "browser": []}
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp / "profile"), executable_path=path, headless=True, args=FLAGS,
            viewport=DESKTOP, offline=True, locale="zh-CN", accept_downloads=True)
        context.on("page", lambda page: watch(page, log))
        for page in context.pages:
            watch(page, log)
        yield context, log, tmp
        context.close()


def watch(page, log):
    page.set_default_timeout(10_000)
    page.on("console", lambda m: log["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
    cdp = page.context.new_cdp_session(page)  # what the browser itself says, e.g. a refused script
    cdp.on("Log.entryAdded", lambda e: log["browser"].append(f"{e['entry']['level']}: {e['entry']['text']}"))
    cdp.send("Log.enable")


def quiet(page, log) -> None:
    """Nothing went wrong in any page so far: no error, no warning, no dialog, nothing fetched."""
    page.wait_for_timeout(200)  # let late messages arrive
    assert log["errors"] == [] and log["dialogs"] == []
    assert [m for m in log["console"] if not m.startswith(("log:", "info:", "debug:"))] == []
    assert [m for m in log["browser"] if not m.startswith(("verbose:", "info:"))] == []
    assert all(u.startswith(("file://", "data:", "blob:")) for u in log["requests"])


@pytest.fixture(scope="module")
def report(chromium):
    """The sample's HTML report as the CLI writes it, without decisions."""
    _, _, tmp = chromium
    check_html(tmp / "report.html")
    return tmp / "report.html"


def check_html(out, *more) -> None:
    from flows.cli import main

    assert main(["check", str(SAMPLE_PDF), "--format", "html", "--out", str(out), *more]) == 1  # an error stays open


def counts(page) -> dict:
    return page.locator("#review-bar [data-review-count]").evaluate_all(
        "nodes => Object.fromEntries(nodes.map(n => [n.dataset.reviewCount, Number(n.textContent)]))")


def article(page, finding_id):
    return page.locator(f'article.finding[data-finding-id="{finding_id}"]')


def opacity(locator) -> float:
    return float(locator.evaluate("e => getComputedStyle(e).opacity"))


def test_decide_export_and_render_again(chromium, report):
    context, log, tmp = chromium
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(report.as_uri(), wait_until="load")
    assert page.locator("#review-bar").is_visible()
    assert counts(page) == {"open": 11, "confirmed": 0, "dismissed": 0, "errors_open": 2}
    assert page.locator("nav.toc .toc-review").inner_text() == "待复核 11"

    # 排除 needs a reason: the button says so, and refuses without one.
    first, second = article(page, FIRST), article(page, SECOND)
    dismiss = first.locator("button[data-review=dismissed]")
    assert dismiss.inner_text() == "排除（须写理由）"
    dismiss.click()
    assert first.locator(".review-hint").inner_text() == "排除须写明理由"
    assert "decided" not in first.get_attribute("class") and counts(page)["dismissed"] == 0
    first.locator(".review-reason").fill(HOSTILE)
    assert dismiss.inner_text() == "排除"
    dismiss.click()
    second.locator("button[data-review=confirmed]").click()

    for item, word in ((first, "已排除"), (second, "已确认")):
        assert "decided" in item.get_attribute("class")
        assert item.locator("header .review-badge").inner_text() == word
        assert opacity(item.locator("p.message")) < 0.6 and opacity(item.locator(".review")) == 1
        assert item.locator("button[data-review=undo]").is_visible()
        assert not item.locator("button[data-review=confirmed]").is_visible()
    state = first.locator(".review-state").inner_text()
    assert HOSTILE in state and date.today().isoformat() in state  # the hostile reason is text
    assert page.locator("script").count() == 2 and log["dialogs"] == []
    assert counts(page) == {"open": 9, "confirmed": 1, "dismissed": 1, "errors_open": 1}

    # A decision can be taken back; its reason comes back to be edited.
    rate = article(page, RATE)
    rate.locator(".review-reason").fill("四舍五入习惯")
    rate.locator("button[data-review=confirmed]").click()
    assert counts(page)["confirmed"] == 2
    rate.locator("button[data-review=undo]").click()
    assert "decided" not in rate.get_attribute("class") and rate.locator(".review-reason").input_value() == "四舍五入习惯"
    assert counts(page) == {"open": 9, "confirmed": 1, "dismissed": 1, "errors_open": 1}
    assert opacity(rate.locator("p.message")) == 1

    page.locator("#only-open").check()
    assert page.locator("article.finding:visible").count() == 9 and page.locator("#shown-count").inner_text() == "显示 9 / 11 条"
    page.locator("#only-open").uncheck()

    # Export: a reviews file that jixiao reads, made in the page.
    page.locator("#reviewer").fill("审计一组")
    with page.expect_download() as download:
        page.locator("#export-reviews").click()
    assert download.value.suggested_filename == "report.reviews.toml"
    exported = (tmp / "report.reviews.toml")
    download.value.save_as(exported)
    decided = reviews.parse(exported.read_text(encoding="utf-8"))
    today = date.today().isoformat()
    assert {i: r.as_dict() for i, r in decided.entries.items()} == {
        FIRST: {"decision": "dismissed", "reason": HOSTILE, "by": "审计一组", "at": today},
        SECOND: {"decision": "confirmed", "reason": "", "by": "审计一组", "at": today}}
    assert "已导出 2 条复核结论" in page.locator("#export-status").inner_text()

    # Kept in this browser: a reload still shows them. Then one more change that the file will overrule.
    page.reload(wait_until="load")
    assert counts(page) == {"open": 9, "confirmed": 1, "dismissed": 1, "errors_open": 1}
    assert page.locator("#reviewer").input_value() == "审计一组"
    article(page, SECOND).locator("button[data-review=undo]").click()
    assert counts(page)["confirmed"] == 0

    # Rendered again with the exported file: both come in decided, the file winning over the stale undo.
    check_html(tmp / "reviewed.html", "--reviews", str(exported))
    from reconcile.html import apply_reviews

    reviewed = (tmp / "reviewed.html").read_text(encoding="utf-8")
    assert apply_reviews((tmp / "report.html").read_text(encoding="utf-8"), decided) == reviewed
    page.goto((tmp / "reviewed.html").as_uri(), wait_until="load")
    assert counts(page) == {"open": 9, "confirmed": 1, "dismissed": 1, "errors_open": 1}
    first, second = article(page, FIRST), article(page, SECOND)
    assert first.locator(".review-badge").inner_text() == "已排除" and second.locator(".review-badge").inner_text() == "已确认"
    state = first.locator(".review-state").inner_text()
    assert HOSTILE in state and "审计一组" in state and today in state
    assert opacity(first.locator("p.message")) < 0.6
    assert page.locator("script").count() == 2 and log["dialogs"] == []

    # Printed: decisions and reasons, no buttons.
    page.emulate_media(media="print")
    try:
        assert first.locator(".review-state").is_visible() and HOSTILE in first.locator(".review-state").inner_text()
        assert not first.locator("button").first.is_visible() and not page.locator("#export-reviews").is_visible()
        assert not article(page, RATE).locator(".review-reason").is_visible()
        assert opacity(first.locator("p.message")) == 1
    finally:
        page.emulate_media(media="screen")

    # A decided finding, for the README (with a reason as a reviewer would write it): the counts,
    # the finding's header and arithmetic, its decision; the page crops between are left out.
    first.locator("button[data-review=undo]").click()
    first.locator(".review-reason").fill("第 5 页另有说明：合计含上年结转资金 123.68 万元")
    first.locator("button[data-review=dismissed]").click()
    page.evaluate("document.querySelector('nav.toc').style.position = 'static'")
    shots = tmp / "shots"
    shots.mkdir()
    across = first.bounding_box()  # every part as wide as the finding
    parts = [region(page, page.locator("#review-bar"), across, shots / "bar.png"),
             region(page, first, across, shots / "finding.png", until=first.locator("div.arith"), pad=1),
             region(page, first.locator(".review"), across, shots / "review.png")]
    shot = stack(parts, tmp / SHOT)
    assert 10_000 < shot.stat().st_size < 200_000
    if os.environ.get("JIXIAO_SCREENSHOTS") == "docs":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS / SHOT)
    print(f"screenshot: {shot}")

    quiet(page, log)


def test_export_keeps_what_came_in(chromium, report):
    """Decisions from the file go out as they came, control characters and all, with their by and at."""
    from reconcile.html import apply_reviews

    context, log, tmp = chromium
    tricky = ('[[review]]\nid = "%s"\ndecision = "dismissed"\nreason = "两行\\n\\t制表 \\u0001 \\"引\\" \\\\ 反斜杠"\n'
              'by = "张三 \\"老张\\""\nat = 2025-01-31\n\n'
              '[[review]]\nid = "%s"\ndecision = "confirmed"\nreason = "</script><!--"\n') % (FIRST, RATE)
    came = reviews.parse(tricky)
    assert came.get(FIRST).reason == '两行\n\t制表 \x01 "引" \\ 反斜杠'
    page = context.new_page()
    (tmp / "tricky.html").write_text(apply_reviews(report.read_text(encoding="utf-8"), came), encoding="utf-8")
    page.goto((tmp / "tricky.html").as_uri(), wait_until="load")
    page.evaluate("localStorage.clear()")  # another test's decisions for this report
    page.reload(wait_until="load")
    assert counts(page) == {"open": 9, "confirmed": 1, "dismissed": 1, "errors_open": 1}
    assert "两行" in article(page, FIRST).locator(".review-state").inner_text()
    page.locator("#reviewer").fill("")
    with page.expect_download() as download:
        page.locator("#export-reviews").click()
    out = tmp / "tricky.reviews.toml"
    download.value.save_as(out)
    went = reviews.parse(out.read_text(encoding="utf-8"))
    assert {i: r.as_dict() for i, r in went.entries.items()} == {
        FIRST: came.get(FIRST).as_dict(),
        RATE: {**came.get(RATE).as_dict(), "at": date.today().isoformat()}}
    quiet(page, log)
    page.close()


def region(page, locator, across, path, until=None, pad=6):
    """A screenshot of the page from the top of an element down to its end (or that of `until`),
    as wide as the box `across`, with some margin."""
    scroll = page.evaluate("window.scrollY")
    box = locator.bounding_box()
    bottom = until.bounding_box() if until is not None else box
    page.screenshot(path=str(path), full_page=True, clip={
        "x": across["x"] - 6, "y": box["y"] + scroll - pad, "width": across["width"] + 12,
        "height": bottom["y"] + bottom["height"] - box["y"] + 2 * pad})
    return path


def stack(paths, out):
    """Screenshots one above the other, a thin gap between: the parts left out."""
    from PIL import Image

    images = [Image.open(p).convert("RGB") for p in paths]
    gap = 10
    sheet = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images) + gap * (len(images) - 1)),
                      (214, 219, 226))
    y = 0
    for image in images:
        sheet.paste(image, (0, y))
        y += image.height + gap
    sheet.save(out, optimize=True)
    return out
