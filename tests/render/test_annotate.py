"""The annotated PDF (`--format pdf`): every finding marked at its figure, read back with other libraries
(pdfplumber, pypdf's reader, pikepdf) and drawn by poppler; the original kept byte-for-byte.

The poppler tests need Debian's poppler-utils (pdftoppm): skipped outside CI when it is missing,
failed in CI (CI=true), where .ci/run installs it.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from extract import ocr
from extract.errors import OutputError
from reconcile.annotate import render
from reconcile.render import checked
from reconcile.view import SEVERITY_WORDS, build
from tests.conftest import FIXTURES, report_of, result_of, scanned_report
from tests.render.conftest import SAMPLE_PDF

SCANNED_PDF = FIXTURES / "inputs" / "sample-scanned.pdf"


@pytest.fixture(scope="module")
def annotated(sample) -> bytes:
    return render(checked(*sample), SAMPLE_PDF)


@pytest.fixture(scope="module")
def sample_view(sample) -> dict:
    return build(checked(*sample))


def annotations(data: bytes) -> dict[int, list[dict]]:
    """Each page's annotations as pdfplumber reads them: boxes in its top-left coordinates."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return {page.page_number: page.annots for page in pdf.pages}


def kind(colour) -> str:
    """A colour by its look (independent of the writer's constants)."""
    r, g, b = (float(c) for c in colour)
    if b > max(r, g):
        return "member"  # blue
    if r > 0.6 and g < 0.35:
        return "error"  # red
    if r > 0.6 and g > 0.35:
        return "warning"  # amber
    return "info" if g > max(r, b) else "?"


def contains(rect: dict, bbox: list, slack: float = 4.0) -> bool:
    """The annotation's box holds the figure's box, padded by at most `slack` points."""
    x0, top, x1, bottom = bbox
    return (x0 - slack <= rect["x0"] <= x0 and top - slack <= rect["top"] <= top
            and x1 <= rect["x1"] <= x1 + slack and bottom <= rect["bottom"] <= bottom + slack)


def marked(data: bytes, view: dict) -> None:
    """Every finding has an annotation on its page at its stated figure, with its message as the note."""
    pages = annotations(data)
    for f in view["findings"]:
        stated = f["boxes"][0]
        assert stated["role"] == "stated"
        [mark] = [a for a in pages[stated["page"]] if a["data"].get("NM") == f["id"].encode()]
        assert contains(mark, stated["bbox"]), (f["id"], mark, stated)
        word = SEVERITY_WORDS[f["severity"]]
        assert mark["contents"] == f"{f['message']}\n{word} · {f['rule']} · {f['id']}"
        assert mark["title"] == "jixiao" and kind(mark["data"]["C"]) == f["severity"]


# --- what is written ---------------------------------------------------------------------------


def test_every_finding_marked_at_its_figure(annotated, sample_view):
    assert len(sample_view["findings"]) == 11
    marked(annotated, sample_view)


def test_one_annotation_per_finding_and_per_member_figure(annotated, sample_view):
    from pypdf import PdfReader

    found = [a.get_object() for page in PdfReader(io.BytesIO(annotated)).pages for a in page.get("/Annots", [])]
    assert all(a["/Subtype"] == "/Square" and a["/F"] & 4 and "/N" in a["/AP"] and a["/BS"]["/W"] > 0 for a in found)
    by_kind: dict[str, int] = {}
    for a in found:
        by_kind[kind(a["/C"])] = by_kind.get(kind(a["/C"]), 0) + 1
    summary = sample_view["summary"]
    members = {(b["page"], tuple(b["bbox"]))
               for f in sample_view["findings"] for b in f["boxes"] if b["role"] == "member"}
    assert by_kind == {"error": summary["errors"], "warning": summary["warnings"], "info": summary["notes"],
                       "member": len(members)} == {"error": 2, "warning": 2, "info": 7, "member": 26}
    # A figure checked for several findings is boxed once, its note naming each of them.
    notes = [str(a["/Contents"]) for a in found if kind(a["/C"]) == "member"]
    assert all(n.startswith("参与核对的数字：") for n in notes)
    assert sum(n.count(":") for n in notes) == sum(1 for f in sample_view["findings"]
                                                    for b in f["boxes"] if b["role"] == "member")


def test_the_original_is_kept_byte_for_byte(annotated):
    import pikepdf

    original = SAMPLE_PDF.read_bytes()
    assert annotated.startswith(original) and len(annotated) > len(original)  # an incremental update
    with pikepdf.open(io.BytesIO(original)) as before, pikepdf.open(io.BytesIO(annotated)) as after:
        pages = {p.obj.objgen for p in before.pages}
        for old, new in zip(before.pages, after.pages, strict=True):  # a revised page: /Annots added, nothing else
            assert set(new.obj.keys()) - {"/Annots"} == set(old.obj.keys())
            for key in old.obj.keys():
                if key.endswith("Box"):  # pypdf rewrites a revised page's reals rounded: 595.303937007874 → 595.303937
                    assert [float(v) for v in new.obj[key]] == pytest.approx([float(v) for v in old.obj[key]], abs=1e-6)
                else:
                    assert new.obj[key].unparse() == old.obj[key].unparse()  # the same objects, by reference
            assert new.obj.Contents.read_raw_bytes() == old.obj.Contents.read_raw_bytes()
        for number in range(1, int(before.trailer.Size)):  # every other object: as it was
            if (number, 0) not in pages:
                old, new = before.get_object(number, 0), after.get_object(number, 0)
                if isinstance(old, pikepdf.Object):
                    assert new.unparse(resolved=True) == old.unparse(resolved=True)
                    if isinstance(old, pikepdf.Stream):
                        assert new.read_raw_bytes() == old.read_raw_bytes()
                else:
                    assert new == old


def test_nothing_to_mark_gives_the_original():
    path = FIXTURES / "table-list" / "report.pdf"
    assert not result_of("table-list").findings
    assert render(checked(report_of("table-list"), result_of("table-list")), path) == path.read_bytes()


def test_the_same_every_time(annotated, sample):
    assert render(checked(*sample), SAMPLE_PDF) == annotated


# --- refused -------------------------------------------------------------------------------------


def test_refuses_a_missing_or_different_pdf(sample, tmp_path):
    with pytest.raises(OutputError, match="原始 PDF"):
        render(checked(*sample), None)
    with pytest.raises(OutputError, match="无法读取"):
        render(checked(*sample), tmp_path / "gone.pdf")
    with pytest.raises(OutputError, match="SHA-256"):
        render(checked(*sample), FIXTURES / "consistent" / "report.pdf")


def test_refuses_an_encrypted_pdf_with_a_remedy():
    from extract import read_pdf

    path = FIXTURES / "inputs" / "encrypted-empty-password.pdf"  # opens without a password
    with pytest.raises(OutputError, match="已加密") as caught:
        render(checked(read_pdf(path), None), path)
    assert "qpdf --decrypt" in str(caught.value) and "--format html" in str(caught.value)


# --- the command line ----------------------------------------------------------------------------


def test_check_writes_the_annotated_pdf(tmp_path, capsys):
    from flows.cli import main
    from reconcile.render import FORMATS, offered

    assert "pdf" in offered("check") and FORMATS["pdf"].binary and FORMATS["pdf"].suffix == ".pdf"
    out = tmp_path / "x.pdf"
    assert main(["check", str(SAMPLE_PDF), "--format", "pdf", "--out", str(out)]) == 1  # two errors
    assert capsys.readouterr().err == ""
    assert out.read_bytes().startswith(SAMPLE_PDF.read_bytes())
    assert main(["check", str(SAMPLE_PDF), "--format", "pdf"]) == 2  # binary: needs --out
    assert "--out" in capsys.readouterr().err


def test_several_files_one_annotated_pdf_each(tmp_path):
    from flows.cli import main

    other = FIXTURES / "consistent" / "report.pdf"
    assert main(["check", str(SAMPLE_PDF), str(other), "--format", "pdf", "--out", str(tmp_path)]) == 1
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pdf")) == [
        "consistent/report.pdf", "sample/report.pdf"]  # both are report.pdf: named by their folders
    assert (tmp_path / "sample" / "report.pdf").read_bytes().startswith(SAMPLE_PDF.read_bytes())
    assert (tmp_path / "consistent" / "report.pdf").read_bytes().startswith(other.read_bytes())


# --- drawn where expected: poppler -------------------------------------------------------------


def pdftoppm() -> str:
    path = shutil.which("pdftoppm")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("needs Debian's poppler-utils (pdftoppm); .ci/run installs it")
        pytest.skip("needs Debian's poppler-utils (pdftoppm); it runs in CI")
    return path


def rendered(data: bytes, page: int, folder: Path, dpi: int):
    """One page as poppler draws it (its CropBox, as viewers show it), as an RGB array."""
    import numpy
    from PIL import Image

    source = folder / f"in-{len(list(folder.iterdir()))}.pdf"
    source.write_bytes(data)
    image = source.with_suffix("")  # pdftoppm adds .png
    command = [pdftoppm(), "-cropbox", "-singlefile", "-r", str(dpi), "-png", "-f", str(page), str(source), str(image)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return numpy.asarray(Image.open(image.with_suffix(".png")).convert("RGB")).astype(int)


def ink(image, severity: str):
    """Pixels drawn in a mark's colour."""
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    return {"error": (r > 170) & (g < 90) & (b < 90),
            "warning": (r > 200) & (g > 110) & (g < 190) & (b < 70),
            "info": (g > 120) & (r < 110) & (b < 110),
            "member": (b > 140) & (r < 90) & (g > 80) & (g < 160)}[severity]


def drawn_around(mask, bbox: list, origin: tuple[float, float], dpi: int) -> None:
    """The mark's pixels near a figure frame it: just outside its box on all four sides."""
    import numpy

    s = dpi / 72
    x0, top, x1, bottom = ((bbox[0] - origin[0]) * s, (bbox[1] - origin[1]) * s,
                           (bbox[2] - origin[0]) * s, (bbox[3] - origin[1]) * s)
    near = 8  # pixels searched around the figure
    window = mask[max(0, int(top) - near):int(bottom) + near, max(0, int(x0) - near):int(x1) + near]
    ys, xs = numpy.nonzero(window)
    assert len(xs), f"no mark drawn around {bbox}"
    left, right = xs.min() + max(0, int(x0) - near), xs.max() + max(0, int(x0) - near)
    upper, lower = ys.min() + max(0, int(top) - near), ys.max() + max(0, int(top) - near)
    pad = 2 * s  # the box is drawn 2 pt outside the figure
    for edge, expected in ((left, x0 - pad), (right, x1 + pad), (upper, top - pad), (lower, bottom + pad)):
        assert abs(edge - expected) <= 3, (bbox, (left, upper, right, lower), (x0, top, x1, bottom))


def test_poppler_draws_each_mark_at_its_figure(annotated, sample_view, tmp_path):
    dpi = 60
    for number in (1, 4):
        image = rendered(annotated, number, tmp_path, dpi)
        original = rendered(SAMPLE_PDF.read_bytes(), number, tmp_path, dpi)
        for f in sample_view["findings"]:
            for box in f["boxes"]:
                if box["page"] == number:
                    colour = f["severity"] if box["role"] == "stated" else "member"
                    assert not ink(original, colour).any()  # no such colour on the page itself
                    if box["role"] == "stated" or not any(b["bbox"] == box["bbox"] for g in sample_view["findings"]
                                                          for b in g["boxes"] if b["role"] == "stated"):
                        drawn_around(ink(image, colour), box["bbox"], (0, 0), dpi)


def test_pdfium_draws_the_marks_too(annotated, sample_view):
    """pdfium is Chromium's PDF engine (here through pypdfium2, which pdfplumber installs)."""
    import numpy
    import pypdfium2

    document = pypdfium2.PdfDocument(annotated)
    try:
        image = numpy.asarray(document[0].render(scale=60 / 72).to_pil().convert("RGB")).astype(int)
    finally:
        document.close()
    for f in sample_view["findings"]:
        if f["page"] == 1:
            drawn_around(ink(image, f["severity"]), f["boxes"][0]["bbox"], (0, 0), 60)


# --- other page geometries: a turned page with its MediaBox off the origin, a CropBox --------------


def turned(rotate: int):
    """Each page's content turned back by `rotate` degrees in a MediaBox at (10, 20), with
    /Rotate `rotate`: displayed exactly as the original, read upright by pdfplumber."""

    def make(source: Path, target: Path) -> None:
        import pikepdf

        with pikepdf.open(source) as pdf:
            for page in pdf.pages:
                x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
                w, h = x1 - x0, y1 - y0
                size, matrix = {90: ((h, w), (0, 1, -1, 0, 10 + h, 20)),
                                180: ((w, h), (-1, 0, 0, -1, 10 + w, 20 + h)),
                                270: ((h, w), (0, -1, 1, 0, 10, 20 + w))}[rotate]
                page.obj.MediaBox = pikepdf.Array([10, 20, 10 + size[0], 20 + size[1]])
                page.obj.Rotate = rotate
                cm = " ".join(f"{v:g}" for v in matrix)
                page.contents_add(pikepdf.Stream(pdf, f"q {cm} cm\n".encode()), prepend=True)
                page.contents_add(pikepdf.Stream(pdf, b"\nQ\n"))
            pdf.save(target)

    return make


def cropped(source: Path, target: Path) -> None:
    """Each page's CropBox 30 pt in from the sides and 40 pt from top and bottom."""
    import pikepdf

    with pikepdf.open(source) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
            page.obj.CropBox = pikepdf.Array([x0 + 30, y0 + 40, x1 - 30, y1 - 40])
        pdf.save(target)


@pytest.mark.parametrize("variant, offset",
                         [(turned(90), (0, 0)), (turned(180), (0, 0)), (turned(270), (0, 0)), (cropped, (30, 40))],
                         ids=["rotate-90", "rotate-180", "rotate-270", "cropbox"])
def test_marks_land_on_turned_and_cropped_pages(variant, offset, tmp_path, annotated, sample_view):
    """The same figures, marked on a page whose geometry differs, are drawn where they are drawn
    on the sample: the rendered marks coincide (72 dpi: one pixel a point)."""
    import pdfplumber

    from extract import read_pdf
    from reconcile import reconcile

    from extract.pdf import PDFPLUMBER

    path = tmp_path / "variant.pdf"
    variant(SAMPLE_PDF, path)
    report = read_pdf(path)
    # Turned and cropped pages are read by pdfplumber (extract/pdfium.py), whose boxes sit a
    # little higher than PDFium's: the reference is the sample read the same way.
    plain = read_pdf(SAMPLE_PDF, layer=PDFPLUMBER)
    reference = render(checked(plain, reconcile(plain)), SAMPLE_PDF)
    result = reconcile(report)
    view = build(checked(report, result))
    assert [f["message"] for f in view["findings"]] == [f["message"] for f in sample_view["findings"]]
    data = render(checked(report, result), path)
    assert data.startswith(path.read_bytes())
    if variant is cropped:  # pdfplumber's `annots` ignores a MediaBox off the origin: there poppler is the judge
        marked(data, view)
    with pdfplumber.open(path) as pdf:
        origin = tuple(float(v) for v in pdf.pages[0].cropbox[:2])  # the displayed page's top-left corner
    pages = tmp_path / "pages"
    pages.mkdir()
    mine = rendered(data, 1, pages, 72)
    theirs = rendered(reference, 1, pages, 72)[offset[1]:offset[1] + mine.shape[0], offset[0]:offset[0] + mine.shape[1]]
    for severity in ("error", "warning"):
        a, b = ink(mine, severity), ink(theirs, severity)
        assert a.any() and (a & b).sum() / (a | b).sum() > 0.8  # the same pixels, to antialiasing
        for f in view["findings"]:
            if f["severity"] == severity and f["page"] == 1:
                drawn_around(a, f["boxes"][0]["bbox"], origin, 72)


# --- the scanned sample, read by OCR ---------------------------------------------------------------


@pytest.mark.skipif(not ocr.available(), reason="jixiao[ocr] is not installed")
def test_scanned_sample_marked_at_the_figures_ocr_read(tmp_path, sample_view):
    from pypdf import PdfReader

    from reconcile import reconcile

    report = scanned_report()  # read once a session (tests/conftest.py)
    assert report.source.ocr_pages == tuple(range(1, 10))
    result = reconcile(report)
    view = build(checked(report, result))
    data = render(checked(report, result), SCANNED_PDF)
    assert data.startswith(SCANNED_PDF.read_bytes())
    assert PdfReader(io.BytesIO(data)).trailer["/Root"]["/Version"] == "/1.5"  # a 1.4 file gets an xref stream
    marked(data, view)
    # On the figure the text layer of the same report boxes: its centre is inside the OCR'd box's mark.
    pages = annotations(data)
    for f in view["findings"]:
        [mark] = [a for a in pages[f["page"]] if a["data"].get("NM") == f["id"].encode()]
        same = [g["boxes"][0]["bbox"] for g in sample_view["findings"]
                if (g["rule"], g["page"], g["stated"]) == (f["rule"], f["page"], f["stated"])]
        x0, top, x1, bottom = min(same, key=lambda b: abs(b[1] - mark["top"]))
        assert mark["x0"] < (x0 + x1) / 2 < mark["x1"] and mark["top"] < (top + bottom) / 2 < mark["bottom"]
    image = rendered(data, 1, tmp_path, 60)
    for f in view["findings"]:
        if f["page"] == 1:
            drawn_around(ink(image, f["severity"]), f["boxes"][0]["bbox"], (0, 0), 60)


def test_a_reviewed_finding_carries_its_decision_and_a_dismissed_one_turns_grey(sample):
    import copy

    from pypdf import PdfReader

    from reconcile.reviews import parse

    report, result = sample
    result = copy.copy(result)
    ids = [f["id"] for f in build(checked(report, result))["findings"] if f["severity"] == "error"]
    result.reviews = parse(f'[[review]]\nid = "{ids[0]}"\ndecision = "dismissed"\nreason = "另有说明"\n\n'
                           f'[[review]]\nid = "{ids[1]}"\ndecision = "confirmed"\n')
    annots = {str(a.get_object().get("/NM")): a.get_object()
              for a in PdfReader(io.BytesIO(render(checked(report, result), SAMPLE_PDF))).pages[0]["/Annots"]}
    dismissed, confirmed = annots[ids[0]], annots[ids[1]]
    assert dismissed["/Contents"].endswith("\n复核：已排除（另有说明）")
    assert confirmed["/Contents"].endswith("\n复核：已确认")
    assert [round(float(c), 2) for c in dismissed["/C"]] == [0.55, 0.55, 0.55]
    assert [round(float(c), 2) for c in confirmed["/C"]] == [0.84, 0.15, 0.16]
