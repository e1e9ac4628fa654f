"""The original PDF with every finding marked on its page: an annotated copy for the reviewer.

The copy is an incremental update written with pypdf (pure Python, no system library): the
original file's bytes are kept as an exact prefix and the annotations are appended as a new
revision, so every page's content and every other object stay byte-for-byte the original's (only
the dictionaries of the marked pages are revised, to list their annotations), and a viewer can
still show the unannotated revision. pikepdf (qpdf) was not used because it rewrites the whole
file on save.

Each finding gets a Square annotation at the questioned figure (red: error, amber: warning,
green: info, grey: dismissed by a reviewer) whose note is the finding's message, severity, rule,
stable id and any review decision; the figures it
was checked against get blue Squares. Every annotation carries its own appearance stream and
the print flag, so poppler, pdfium (Chromium), pdf.js and Acrobat draw and print it.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from extract.errors import OutputError, shown
from reconcile.reviews import DECISION_WORDS, DISMISSED
from reconcile.view import SEVERITY_WORDS, build

COLOURS = {  # RGB, 0–1: the HTML report's red and blue; amber for warnings, a calm green for notes
    "error": (0.84, 0.15, 0.16),
    "warning": (0.95, 0.6, 0.0),
    "info": (0.17, 0.63, 0.17),
    "member": (0.12, 0.47, 0.71),
    "dismissed": (0.55, 0.55, 0.55),  # a finding a reviewer set aside (reconcile/reviews.py)
}
WIDTHS = {"stated": 1.5, "member": 1.0}  # border width, points
PAD = 2.0  # points between the figure and its box
AUTHOR = "jixiao"
PRINT = 4  # /F: the annotation is printed


def render(doc: dict, pdf_path: Path | str | None) -> bytes:
    """The original PDF (`pdf_path`, checked against the document's SHA-256) with a checked JSON
    document's findings annotated."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    data = _original(doc, pdf_path)
    marks = _marks(build(doc)["findings"])
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise OutputError(f"{shown(pdf_path)}：PDF 已加密，无法生成批注副本",
                              "请先解除加密（如 qpdf --decrypt --password=密码 原文件 新文件）再核对新文件，"
                              "或改用 --format html")
        if not marks:
            return data  # nothing to mark: the original, unchanged
        writer = PdfWriter(reader, incremental=True)
        ocr_pages = set(doc["source"]["ocr_pages"])
        for number, on_page in marks.items():
            page = writer.pages[number - 1]
            frame = _Frame(page, ocr=number in ocr_pages)
            for mark in on_page:
                writer.add_annotation(page, _annotation(writer, frame.rect(mark["bbox"]), mark))
        if reader.pdf_header < "%PDF-1.5" and str(writer.root_object.get("/Version", "/1.0")) < "/1.5":
            from pypdf.generic import NameObject

            # pypdf appends a cross-reference stream, which PDF 1.5 introduced.
            writer.root_object[NameObject("/Version")] = NameObject("/1.5")
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError) as exc:  # a structure pypdf cannot read or update
        raise OutputError(f"{shown(pdf_path)}：无法生成批注 PDF（{type(exc).__name__}: {exc}）",
                          "请改用 --format html 查看页面截图") from exc
    return out.getvalue()


def _original(doc: dict, pdf_path: Path | str | None) -> bytes:
    """The bytes of the PDF the document was read from; anything else is refused."""
    if pdf_path is None:
        raise OutputError("PDF 格式需要原始 PDF 文件", "请提供核对时读取的原文件")
    try:
        data = Path(pdf_path).read_bytes()
    except OSError as exc:
        raise OutputError(f"{shown(pdf_path)}：无法读取原始 PDF（{exc.strerror or exc}）",
                          "请提供核对时读取的原文件") from exc
    if hashlib.sha256(data).hexdigest() != doc["source"]["sha256"]:
        raise OutputError(f"{shown(pdf_path)}：与核对的文件不一致（SHA-256 不同），无法在其上标注",
                          "请提供核对时读取的原文件")
    return data


def _marks(findings: list[dict]) -> dict[int, list[dict]]:
    """What to draw, by page: each figure checked against (once, naming its findings), then each
    questioned figure, so a questioned figure is drawn on top."""
    members: dict[tuple, list[str]] = {}
    stated: list[dict] = []
    for f in findings:
        for box in f["boxes"]:
            if box["role"] == "stated":
                word = SEVERITY_WORDS[f["severity"]]
                review = f.get("review")
                decided = f"\n复核：已{DECISION_WORDS[review['decision']]}" + (
                    f"（{review['reason']}）" if review["reason"] else "") if review else ""
                colour = "dismissed" if review and review["decision"] == DISMISSED else f["severity"]
                stated.append({"page": box["page"], "bbox": box["bbox"], "role": "stated", "colour": colour,
                               "note": f"{f['message']}\n{word} · {f['rule']} · {f['id']}{decided}", "id": f["id"],
                               "subject": f"{word}：{f['title']}"})
            else:
                members.setdefault((box["page"], tuple(box["bbox"])), []).append(f["id"])
    by_page: dict[int, list[dict]] = {}
    for (page, bbox), ids in members.items():
        by_page.setdefault(page, []).append({"bbox": list(bbox), "role": "member", "colour": "member",
                                             "note": "参与核对的数字：" + "；".join(dict.fromkeys(ids)),
                                             "subject": "参与核对的数字"})
    for mark in stated:
        by_page.setdefault(mark["page"], []).append(mark)
    return dict(sorted(by_page.items()))


class _Frame:
    """Maps a box in the model's coordinates on one page to a rectangle in PDF user space.

    The model's boxes are [x0, top, x1, bottom] on the page as displayed (after /Rotate), from
    its top-left corner. For a text-layer page that is pdfplumber's frame: the MediaBox, with
    pdfplumber's page.bbox origin (MediaBox x0 and minus y0, swapped when the page is turned a
    quarter). An OCR'd page was read from pdfium's rendering of the CropBox, with origin (0, 0).
    """

    def __init__(self, page, ocr: bool):
        media = _box(page.get_inherited("/MediaBox"))
        crop = page.get_inherited("/CropBox")
        rotate = int(page.get_inherited("/Rotate", 0) or 0) % 360
        self.rotate = rotate if rotate in (0, 90, 180, 270) else 0
        self.box = _box(crop) if ocr and crop is not None else media
        quarter = self.rotate in (90, 270)
        self.origin = (0.0, 0.0) if ocr else ((media[1], -media[0]) if quarter else (media[0], -media[1]))

    def point(self, x: float, top: float) -> tuple[float, float]:
        dx, dy = x - self.origin[0], top - self.origin[1]  # from the displayed page's top-left corner
        x0, y0, x1, y1 = self.box
        return {0: (x0 + dx, y1 - dy), 90: (x0 + dy, y0 + dx),
                180: (x1 - dx, y0 + dy), 270: (x1 - dy, y1 - dx)}[self.rotate]

    def rect(self, bbox: list) -> list[float]:
        (ax, ay), (bx, by) = self.point(bbox[0], bbox[1]), self.point(bbox[2], bbox[3])
        return [round(v, 2) for v in (min(ax, bx) - PAD, min(ay, by) - PAD, max(ax, bx) + PAD, max(ay, by) + PAD)]


def _box(array) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in array)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _annotation(writer, rect: list[float], mark: dict):
    """A Square annotation with its note and an appearance stream (a stroked rectangle)."""
    from pypdf.generic import (
        ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, NumberObject,
        TextStringObject,
    )

    colour, width = COLOURS[mark["colour"]], WIDTHS[mark["role"]]
    w, h = rect[2] - rect[0], rect[3] - rect[1]
    rgb = " ".join(f"{c:g}" for c in colour)
    half = width / 2
    appearance = DecodedStreamObject()
    appearance.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                       NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (0, 0, w, h))})
    appearance.set_data(f"q {rgb} RG {width:g} w {half:g} {half:g} {w - width:.2f} {h - width:.2f} re S Q".encode())
    annotation = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Square"),
        NameObject("/Rect"): ArrayObject(FloatObject(v) for v in rect),
        NameObject("/C"): ArrayObject(FloatObject(c) for c in colour),
        NameObject("/BS"): DictionaryObject({NameObject("/W"): FloatObject(width), NameObject("/S"): NameObject("/S")}),
        NameObject("/F"): NumberObject(PRINT),
        NameObject("/T"): TextStringObject(AUTHOR),
        NameObject("/Subj"): TextStringObject(mark["subject"]),
        NameObject("/Contents"): TextStringObject(mark["note"]),
        # A stream must be an indirect object; pypdf has no public call to add one.
        NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(appearance)}),
    })
    if "id" in mark:
        annotation[NameObject("/NM")] = TextStringObject(mark["id"])
    return annotation
