"""The HTML report of the sample: every finding with its page, quote, arithmetic and page crops; self-contained."""

from __future__ import annotations

import base64
import hashlib
import io
import re

import pytest

from tests.render.dom import parse

RED, BLUE = (214, 39, 40), (31, 119, 180)


@pytest.fixture(scope="module")
def page(sample_html):
    return parse(sample_html)


def articles(page):
    return page.find_all("article", "finding")


def png(img):
    from PIL import Image

    src = img.attrs["src"]
    assert src.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    image.load()
    return image.convert("RGB")


def has_colour(image, rgb) -> bool:
    return any(count and colour == rgb for count, colour in image.getcolors(1 << 20))


def test_header_names_the_document(page, sample):
    report, _ = sample
    header = page.find("header", "doc").text
    for text in ("唐山市科学技术协会", "2023", report.source.path, "9 页", report.source.sha256,
                 report.document.title):
        assert text in header


def test_every_finding_with_message_page_and_quote(page, sample):
    _, result = sample
    found = articles(page)
    assert len(found) == len(result.findings) == 11
    for article, finding in zip(found, result.findings, strict=True):
        assert article.attrs["data-severity"] == finding.severity
        assert article.attrs["data-rule"] == finding.rule
        assert article.find("p", "message").text == finding.message
        assert f"第 {finding.span.page} 页" in article.find("header").text
        assert finding.quote in article.find("blockquote", "quote").text


def test_summary_counts_by_severity_and_rule(page):
    cards = {c.find("span").text: c.find("strong").text for c in page.find_all("a", "card")}
    assert cards == {"错误": "2", "警告": "2", "提示": "7", "核对通过": "64 / 75"}
    by_rule = page.find("table", id="by-rule").find_all("tr")[1:]
    rules = {r.find_all("td")[1].text: r.find_all("td")[3].text for r in by_rule}
    assert rules == {"sum_mismatch": "2", "name_unmatched": "2", "rate_rounding": "7"}
    relations = {r.find_all("td")[0].text: [td.text for td in r.find_all("td")[1:]]
                 for r in page.find("table", id="by-relation").find_all("tr")[1:]}
    assert relations["合计"] == ["2", "0", "0", "2", "0"]
    assert relations["比率"] == ["29", "22", "7", "0", "0"]
    lead = page.find("p", "lead").text
    assert "通过 64（精确相符 56，四舍五入后相符 8）" in lead and "取整差异 7" in lead


def test_sum_mismatches_show_crops_of_the_total_and_of_each_member_page(page):
    sums = [a for a in articles(page) if a.attrs["data-rule"] == "sum_mismatch"]
    assert len(sums) == 2
    for article in sums:
        figures = article.find_all("figure")
        pages = [int(re.search(r"第 (\d+) 页", f.find("figcaption").text).group(1)) for f in figures]
        assert pages[0] == 1 and set(pages) == {1, 3, 4, 6}
        images = [png(f.find("img")) for f in figures]
        for figure, image in zip(figures, images, strict=True):
            img = figure.find("img")
            assert image.size == (int(img.attrs["width"]), int(img.attrs["height"]))
            assert image.size[0] < 900 and image.size[1] < 600  # crops, not whole pages
        # The stated total is boxed in red on page 1; the member figures in blue elsewhere.
        assert has_colour(images[0], RED) and not has_colour(images[0], BLUE)
        assert all(has_colour(im, BLUE) and not has_colour(im, RED) for im in images[1:])


def test_sum_mismatches_show_the_member_table_with_match_scores(page):
    first = page.find("article", id="f1")
    table = first.find("table", "members")
    rows = table.find("tbody").find_all("tr")
    members, total = rows[:-1], rows[-1]
    assert len(members) == 9 and "total" in total.classes
    by_listed = {r.find_all("td")[1].text: r for r in members}
    loose = by_listed["科技工作者之家建设经费"]
    assert "科技工作者之家建设活动" in loose.text and "0.78" in loose.text and "近似" in loose.text
    assert loose.find("meter").attrs["value"] == "0.78"
    assert "0.88" in by_listed["唐山科技馆装修布展工程鉴定费"].text
    assert "3059.85" in total.text and "3183.53" in total.text and "123.68" in total.text
    assert "60.00 + 325.88 + 832.52" in first.find("div", "arith").text


def test_every_finding_has_page_evidence(page):
    for article in articles(page):
        images = article.find_all("img")
        assert images, article.attrs["id"]
        assert all(img.attrs["src"].startswith("data:image/png;base64,") for img in images)
        assert all(img.attrs.get("alt") for img in images)


def test_rate_note_crop_boxes_the_rate_and_its_terms(page):
    article = next(a for a in articles(page) if "唐山市总工会房屋租金" in a.find("p", "message").text)
    [figure] = article.find_all("figure")
    assert "第 4 页" in figure.text and "参与计算的数（2 个）" in figure.text
    image = png(figure.find("img"))
    assert has_colour(image, RED) and has_colour(image, BLUE)
    assert "截断" in article.find("table", "numbers").text


def test_project_lines_with_recomputed_rates_and_highlights(page, sample):
    report, _ = sample
    rows = page.find("table", id="project-table").find("tbody").find_all("tr")
    assert len(rows) == len(report.projects) == 27
    by_name = {r.find("td", "name").text: r for r in rows}
    rent = by_name["唐山市总工会房屋租金"]
    cells = [td.text for td in rent.find_all("td")]
    assert cells[4:9] == ["832.52", "802.51", "96.3%", "96.40%", "-0.0953"]
    assert "row-info" in rent.classes and "截断" in cells[9]
    assert "row-warning" in by_name["科技工作者之家建设活动"].classes
    plain = by_name["唐山市老科协经费"]
    assert not plain.classes & {"row-error", "row-warning", "row-info"} and plain.attrs["data-flagged"] == "0"
    assert "计入不符合计" in by_name["唐山科技馆运营服务费"].text


def test_exact_rounded_and_truncated_passes_look_different(page):
    rows = page.find("table", id="project-table").find("tbody").find_all("tr")
    badges = {}
    for row in rows:
        for badge in row.find_all("span", "badge"):
            badges.setdefault(next(c for c in badge.classes if c.startswith("v-") or c.startswith("sev-")), badge.text)
    assert badges["v-exact"] == "精确相符" and badges["v-rounded"] == "四舍五入后相符" and badges["v-truncated"] == "截断"
    legend = page.find("section", id="checks").find("p", "legend").text
    assert "舍入误差内相符" in legend  # a sum within tolerance has its own look too


def test_every_check_is_listed(page, sample):
    _, result = sample
    rows = page.find("table", id="check-table").find("tbody").find_all("tr")
    assert len(rows) == len(result.checks) == 75


def test_severity_filter_controls(page):
    boxes = page.find("div", "filters").find_all("input")
    assert [b.attrs["data-filter-severity"] for b in boxes] == ["error", "warning", "info"]


def test_internal_links_all_resolve(page):
    ids = {e.attrs["id"] for e in page.iter() if e.attrs.get("id")}
    targets = [e.attrs["href"][1:] for e in page.find_all("a") if e.attrs.get("href", "").startswith("#")]
    assert targets and set(targets) <= ids


def test_self_contained_no_network(page, sample_html):
    assert not page.find_all("link")
    for element in page.iter():
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = element.attrs.get(name)
            if value is not None and element.tag != "meta":
                assert value.startswith(("#", "data:image/png;base64,")), (element.tag, name, value[:60])
    assert "http://" not in sample_html and "https://" not in sample_html and "url(" not in sample_html


def test_content_security_policy_allows_only_the_inline_style_and_script(page):
    policy = page.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert "default-src 'none'" in policy and "img-src data:" in policy
    [style] = page.find_all("style")
    [script] = page.find_all("script", type=None)
    for element, directive in ((style, "style-src"), (script, "script-src")):
        digest = base64.b64encode(hashlib.sha256(element.text.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in policy
    assert not [e for e in page.iter() if e.attrs.get("style") is not None]  # the policy would block them


def test_print_stylesheet(page):
    css = page.find("style").text
    assert "@media print" in css and "break-inside: avoid" in css


def test_size_stays_small(sample_html):
    assert len(sample_html) < 600_000


def test_figures_nothing_used_are_listed_for_the_reviewer():
    from extract.reader import read_text
    from reconcile import reconcile
    from reconcile.render import FORMATS

    report = read_text("安排中央补助资金80万元。另安排中央补助资金90万元用于危房改造。")
    html = FORMATS["html"].render(report, reconcile(report), "x.pdf")
    section = parse(html).find("section", id="unused")
    assert "90万元" in section.text and "另安排中央补助资金90万元用于危房改造" in section.text
    assert 'href="#unused"' in html
    sample_html = FORMATS["html"].render(*(lambda r: (r, reconcile(r)))(read_text("安排资金80万元。")), "y.pdf")
    assert 'id="unused"' not in sample_html
