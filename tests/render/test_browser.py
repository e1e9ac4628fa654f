"""The HTML report in headless Chromium (Debian's), offline: findings visible, no console errors, screenshots.

Deselect with `-m "not browser"`. Skipped only outside CI when chromium or playwright is
missing; in CI (CI=true) a missing browser fails the test.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.render.conftest import SAMPLE_PDF

pytestmark = pytest.mark.browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1366, "height": 900}
DOCS = ROOT / "docs" / "screenshots"


def _chromium() -> str:
    in_ci = os.environ.get("CI", "").lower() == "true"
    path = shutil.which("chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path, missing = None, "the playwright package (pip install -e '.[test]')"
    else:
        missing = "Debian's chromium (apt-get install chromium)"
    if path is None:
        if in_ci:
            pytest.fail(f"browser test needs {missing}; .ci/run installs it")
        pytest.skip(f"browser test needs {missing}; it runs in CI")
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """The sample's HTML report (written by the CLI) open in Chromium, with everything it logged."""
    from playwright.sync_api import sync_playwright

    from flows.cli import main

    chromium = _chromium()
    tmp = tmp_path_factory.mktemp("browser")
    report = tmp / "report.html"
    assert main(["check", str(SAMPLE_PDF), "--format", "html", "--out", str(report)]) == 1
    log = {"console": [], "errors": [], "browser": [], "requests": []}
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp / "profile"), executable_path=chromium, headless=True, args=FLAGS,
            viewport=DESKTOP, offline=True, locale="zh-CN")
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda m: log["console"].append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        page.on("request", lambda r: log["requests"].append(r.url))
        cdp = context.new_cdp_session(page)
        cdp.on("Log.entryAdded", lambda e: log["browser"].append(f"{e['entry']['level']}: {e['entry']['text']}"))
        cdp.send("Log.enable")
        page.goto(report.as_uri(), wait_until="load")
        yield page, log, tmp
        context.close()


def test_opens_offline_with_no_console_errors(browser):
    page, log, _ = browser
    page.wait_for_timeout(200)  # let late messages arrive
    assert log["errors"] == []
    assert [m for m in log["console"] if not m.startswith(("log:", "info:", "debug:"))] == []
    assert [m for m in log["browser"] if not m.startswith(("verbose:", "info:"))] == []
    assert log["requests"] and all(u.startswith(("file://", "data:")) for u in log["requests"])
    assert page.title().startswith("核对报告 · 唐山市科学技术协会 2023")


def test_findings_visible_with_crops_and_member_tables(browser):
    page, _, _ = browser
    findings = page.locator("article.finding")
    assert findings.count() == 11
    for i in range(11):
        assert findings.nth(i).is_visible()
    sums = page.locator("article.finding[data-rule=sum_mismatch]")
    assert sums.count() == 2
    for i in range(2):
        article = sums.nth(i)
        assert article.locator("table.members tbody tr").count() == 10
        assert article.locator("table.members").is_visible()
        images = article.locator("figure img")
        assert images.count() >= 4
        loaded = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
        assert all(loaded)
    assert page.locator("#project-table tbody tr").count() == 27


def test_severity_filter(browser):
    page, _, _ = browser
    info = page.locator("input[data-filter-severity=info]")
    info.uncheck()
    assert page.locator("article.finding:visible").count() == 4
    assert page.locator("#shown-count").inner_text() == "显示 4 / 11 条"
    info.check()
    assert page.locator("article.finding:visible").count() == 11


def test_project_table_sorts(browser):
    page, _, _ = browser
    header = page.locator("#project-table thead th", has_text="重算执行率")
    header.click()
    keys = page.locator("#project-table tbody tr td:nth-child(8)").evaluate_all(
        "cells => cells.map(c => Number(c.getAttribute('data-sort')))")
    assert keys == sorted(keys) and keys[0] < keys[-1]
    page.locator("#project-table thead th", has_text="序号").click()  # back to report order


def test_print_hides_the_controls(browser):
    page, _, _ = browser
    page.emulate_media(media="print")
    try:
        assert not page.locator("nav.toc").is_visible() and not page.locator("div.filters").first.is_visible()
        assert page.locator("article.finding").first.is_visible()
    finally:
        page.emulate_media(media="screen")


def test_screenshots(browser):
    """Kept as test artifacts; copied to docs/screenshots/ for the README (desktop width) only when
    JIXIAO_SCREENSHOTS=docs is set, so a test run never changes the work tree."""
    page, _, tmp = browser
    page.reload(wait_until="load")  # as first opened: no filter, no sort
    # The sticky table of contents would sit over element screenshots taken while scrolled.
    page.evaluate("document.querySelector('nav.toc').style.position = 'static'; window.scrollTo(0, 0)")
    shots = {
        "report-summary.png": lambda path: page.screenshot(path=path),
        "report-finding.png": lambda path: page.locator("#f1").screenshot(path=path),
        "report-projects.png": lambda path: page.locator("#projects").screenshot(path=path),
    }
    for name, take in shots.items():
        take(str(tmp / name))
        assert (tmp / name).stat().st_size > 10_000
        if os.environ.get("JIXIAO_SCREENSHOTS") == "docs":
            DOCS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp / name, DOCS / name)
    print(f"screenshots: {tmp}")
    assert Path(tmp / "report-summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_archive_index_sorts_and_links_to_the_report(browser):
    from reconcile.index import render_index

    page, _, tmp = browser
    summary = {"schema": "jixiao.archive/1", "root": str(tmp), "files": [
        {"path": "a/report.pdf", "sha256": "a" * 64, "status": "checked", "reason": "",
         "counts": {"error": 2, "warning": 2, "info": 7}, "outputs": {"html": "report.html"},
         "organization": "唐山市科学技术协会", "year": 2023},
        {"path": "b/ok.pdf", "sha256": "b" * 64, "status": "cached", "reason": "",
         "counts": {"error": 0, "warning": 0, "info": 1}, "outputs": {}, "organization": "某局", "year": 2022},
        {"path": "c/scan.pdf", "sha256": None, "status": "failed", "reason": "PDF 没有可读取的文字层",
         "counts": {"error": 0, "warning": 0, "info": 0}, "outputs": {}, "organization": "", "year": None},
    ]}
    (tmp / "index.html").write_text(render_index(summary), encoding="utf-8")
    index = page.context.new_page()
    problems = []
    index.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    index.on("pageerror", lambda e: problems.append(str(e)))
    index.goto((tmp / "index.html").as_uri(), wait_until="load")
    rows = index.locator("#report-table tbody tr")
    assert rows.count() == 3 and index.locator("#failed").is_visible()
    index.locator("#report-table thead th", has_text="错误").click()
    index.locator("#report-table thead th", has_text="错误").click()  # descending: most errors first
    assert rows.first.locator("td").first.inner_text() == "a/report.pdf"
    index.locator("#only-problems").check()
    assert index.locator("#report-table tbody tr:visible").count() == 2
    index.locator("a", has_text="a/report.pdf").click()
    index.wait_for_load_state("load")
    assert index.url.endswith("/report.html") and index.locator("article.finding").count() == 11
    assert problems == []
    index.close()
