"""Page crops: drawn from the right PDF only; without one, or with a bad one, a note and never a crash."""

from __future__ import annotations

import base64
import io

from reconcile.evidence import page_crops
from reconcile.render import checked
from tests.render.conftest import SAMPLE_PDF
from tests.render.dom import parse

BOX = {"page": 1, "bbox": [280.2, 417.9, 369.19, 432.9], "role": "stated"}


def test_one_crop_per_cluster_and_page(sample):
    report, _ = sample
    far = {"page": 1, "bbox": [100.0, 700.0, 150.0, 715.0], "role": "member"}
    other_page = {"page": 3, "bbox": [425.1, 365.0, 474.58, 380.0], "role": "member"}
    evidence = page_crops(SAMPLE_PDF, report.source.sha256, {"a": [other_page, BOX, far], "b": []})
    assert evidence.note == ""
    crops = evidence.crops["a"]
    assert [(c.page, c.stated, c.members) for c in crops] == [(1, 1, 0), (1, 0, 1), (3, 0, 1)]
    assert evidence.crops["b"] == []
    from PIL import Image

    for crop in crops:
        image = Image.open(io.BytesIO(base64.b64decode(crop.data_uri.split(",", 1)[1])))
        assert image.size == (crop.width, crop.height) and crop.height < 200
        assert len(crop.data_uri) < 40_000


def test_no_pdf_gives_a_note():
    evidence = page_crops(None, "0" * 64, {1: [BOX]})
    assert evidence.crops == {} and "未提供原始 PDF" in evidence.note


def test_another_pdf_is_not_drawn_on(sample):
    evidence = page_crops(SAMPLE_PDF, "0" * 64, {1: [BOX]})
    assert evidence.crops == {} and "不一致" in evidence.note


def test_damaged_pdf_gives_a_note(tmp_path):
    import hashlib

    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really a pdf")
    evidence = page_crops(bad, hashlib.sha256(bad.read_bytes()).hexdigest(), {1: [BOX]})
    assert evidence.crops == {} and "无法打开原始 PDF" in evidence.note


def test_page_beyond_the_pdf_is_skipped_with_a_note(sample):
    report, _ = sample
    evidence = page_crops(SAMPLE_PDF, report.source.sha256, {1: [BOX, {**BOX, "page": 99}]})
    assert [c.page for c in evidence.crops[1]] == [1] and "PDF 没有第 99 页" in evidence.note


def test_text_built_report_renders_without_crops(hostile):
    from reconcile.html import render

    report, result = hostile
    for pdf in (None, SAMPLE_PDF):  # no PDF; a PDF that is not this report
        page = parse(render(checked(report, result), pdf))
        articles = page.find_all("article", "finding")
        assert len(articles) == len(result.findings) > 0
        assert not page.find_all("img")
        assert all("无页面截图" in a.text for a in articles)
