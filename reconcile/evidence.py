"""Page crops for the reviewer: the stated figure and the figures it was checked against, boxed on the page.

This is the only place downstream of extract/ that reads the PDF again. The PDF is opened
once per report, each page needed is rendered once, and every crop is a small PNG embedded
as a data URI, so the HTML report needs no other file.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Hashable, Iterable
from dataclasses import astuple, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

RESOLUTION = 100  # dpi: figures stay legible, a crop stays a few tens of kB
MAX_RESOLUTION = 200  # small print (a dense table) is rendered finer, up to this
LEGIBLE_PX = 16  # the smallest boxed figure should be at least this tall in the image
CONTEXT = 24.0  # points of page kept above and below the boxes, then widened to the next blank row
SNAP_PX = 30  # how far a crop edge may move to land between lines of text, not through them
GAP = 110.0  # boxes further apart than this (points, vertically) get crops of their own
MARGIN_PX = 10  # white kept around the printed text once the page margins are trimmed
PAD_PX = 3  # a box is drawn this far outside the figure
LINE_PX = 2
COLOURS = {"stated": (214, 39, 40), "member": (31, 119, 180)}  # red: the figure checked; blue: its terms
PALETTE = 64  # colours kept in the PNG: text antialiasing and the two box colours survive
MAX_CROPS = 12  # per finding; a sum over dozens of pages shows the first ones and says so


@dataclass(frozen=True, slots=True)
class Crop:
    page: int
    data_uri: str
    width: int  # pixels
    height: int
    stated: int  # how many boxes of each role the crop shows
    members: int


@dataclass(frozen=True, slots=True)
class Evidence:
    crops: dict  # key → list[Crop]
    note: str = ""  # why some or all crops are missing, for the reviewer (Chinese)
    omitted: dict | None = None  # key → crops left out beyond MAX_CROPS

    def to_json(self) -> bytes:
        """The crops as JSON, keyed by finding index: an archive keeps them beside a report's
        document, to render it again without reading the PDF (flows/pipeline.py)."""
        return json.dumps({"crops": {str(k): [list(astuple(c)) for c in v] for k, v in self.crops.items()},
                           "note": self.note, "omitted": {str(k): n for k, n in (self.omitted or {}).items()}},
                          ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Evidence:
        kept = json.loads(data)
        return cls({int(k): [Crop(*c) for c in v] for k, v in kept["crops"].items()}, kept["note"],
                   {int(k): n for k, n in kept["omitted"].items()} or None)


def requests_of(doc: dict) -> dict[int, list[dict]]:
    """What a checked document asks to be shown: each finding's boxes, by its index."""
    return {i: f["boxes"] for i, f in enumerate(doc["findings"])}


def page_crops(pdf_path: Path | str | None, sha256: str, requests: dict[Hashable, list[dict]]) -> Evidence:
    """Crops for each request (a list of boxes `{page, bbox, role}`), reading the PDF once.

    Never raises for a PDF that is missing, different from the report, unreadable or
    shorter than the boxes say: the report is still rendered, with a note instead of crops.
    """
    wanted = {b["page"] for boxes in requests.values() for b in boxes}
    if not wanted:
        return Evidence({})
    if pdf_path is None:
        return Evidence({}, "未提供原始 PDF，无法显示页面截图")
    path = Path(pdf_path)
    try:
        from extract.pdf import sha256_of

        if not path.is_file() or sha256_of(path) != sha256:
            return Evidence({}, "原始 PDF 不可用或与核对的文件不一致（SHA-256 不同），未显示页面截图")
        import pdfplumber

        pdf = pdfplumber.open(path)
    except Exception as exc:  # an encrypted or damaged file: the report still renders
        log.warning("%s: no page crops (%s)", path, exc)
        return Evidence({}, f"无法打开原始 PDF（{type(exc).__name__}），未显示页面截图")
    problems: set[str] = set()
    crops: dict[Hashable, list[Crop]] = {}
    omitted: dict[Hashable, int] = {}
    with pdf:
        pages = _Pages(pdf, problems)
        for key, boxes in requests.items():
            made = [crop for page, group in _clusters(boxes)
                    if (crop := _crop(pages.image(page, resolution(group)), page, group))]
            crops[key] = made[:MAX_CROPS]
            if len(made) > MAX_CROPS:
                omitted[key] = len(made) - MAX_CROPS
    return Evidence(crops, "；".join(sorted(problems)), omitted)


class _Pages:
    """Each page rendered once, on first use; a page that cannot be rendered is noted and skipped."""

    def __init__(self, pdf, problems: set[str]):
        self.pdf, self.problems, self.cache = pdf, problems, {}

    def image(self, number: int, dpi: int = RESOLUTION):
        if (number, dpi) not in self.cache:
            self.cache[number, dpi] = self._render(number, dpi)
        return self.cache[number, dpi]

    def _render(self, number: int, dpi: int):
        if not 1 <= number <= len(self.pdf.pages):
            self.problems.add(f"PDF 没有第 {number} 页，相应截图从略")
            return None
        page = self.pdf.pages[number - 1]
        try:
            image = page.to_image(resolution=dpi).original.convert("RGB")
            blank = _blank_rows(image)
        except Exception as exc:
            log.warning("page %d: cannot render (%s)", number, exc)
            self.problems.add(f"第 {number} 页无法渲染，相应截图从略")
            return None
        finally:
            page.close()
        return image, blank, (float(page.bbox[0]), float(page.bbox[1])), dpi / 72


def resolution(boxes: list[dict]) -> int:
    """RESOLUTION, or finer when the smallest boxed figure would otherwise be too small to read."""
    smallest = min((b["bbox"][3] - b["bbox"][1] for b in boxes), default=0)
    if smallest <= 0:
        return RESOLUTION
    wanted = LEGIBLE_PX * 72 / smallest
    return int(min(MAX_RESOLUTION, max(RESOLUTION, round(wanted / 25) * 25)))


def _blank_rows(image) -> list[bool]:
    """For each pixel row of the page, whether it holds no ink."""
    import numpy

    return list(numpy.asarray(image.convert("L")).min(axis=1) > 240)


def _snap(blank: list[bool], edge: int, outward: int, limit: int) -> int:
    """The nearest blank row to `edge`: first looking outward (-1 up, +1 down), then inward up to `limit`."""
    for step in range(SNAP_PX + 1):
        row = edge + outward * step
        if 0 <= row < len(blank) and blank[row]:
            return row
    for row in range(edge, limit, -outward):
        if 0 <= row < len(blank) and blank[row]:
            return row
    return edge


def _clusters(boxes: Iterable[dict]) -> list[tuple[int, list[dict]]]:
    """Boxes by page (the stated figure's page first, then in page order), split where far apart."""
    by_page: dict[int, list[dict]] = {}
    for box in boxes:
        by_page.setdefault(box["page"], []).append(box)
    first = {p for p, group in by_page.items() if any(b["role"] == "stated" for b in group)}
    out = []
    for page in sorted(by_page, key=lambda p: (p not in first, p)):
        group = by_page[page]
        group = sorted(group, key=lambda b: b["bbox"][1])
        current = [group[0]]
        for box in group[1:]:
            if box["bbox"][1] - max(b["bbox"][3] for b in current) > GAP:
                out.append((page, current))
                current = []
            current.append(box)
        out.append((page, current))
    return out


def _crop(rendered, page: int, boxes: list[dict]) -> Crop | None:
    if rendered is None:
        return None
    from PIL import Image, ImageChops, ImageDraw

    image, blank, (ox, oy), scale = rendered
    width, height = image.size
    ink_top = int((min(b["bbox"][1] for b in boxes) - oy) * scale) - PAD_PX - LINE_PX
    ink_bottom = int((max(b["bbox"][3] for b in boxes) - oy) * scale) + PAD_PX + LINE_PX
    top = _snap(blank, max(0, ink_top - int(CONTEXT * scale)), -1, ink_top)
    bottom = _snap(blank, min(height - 1, ink_bottom + int(CONTEXT * scale)), 1, ink_bottom) + 1
    if bottom <= top:
        return None
    part = image.crop((0, top, width, bottom))
    draw = ImageDraw.Draw(part)
    for box in sorted(boxes, key=lambda b: b["role"] == "stated"):  # the stated figure drawn last, on top
        x0, y0, x1, y1 = box["bbox"]
        rect = ((x0 - ox) * scale - PAD_PX, (y0 - oy) * scale - top - PAD_PX,
                (x1 - ox) * scale + PAD_PX, (y1 - oy) * scale - top + PAD_PX)
        draw.rectangle(rect, outline=COLOURS.get(box["role"], COLOURS["member"]), width=LINE_PX)
    ink = ImageChops.difference(part, Image.new("RGB", part.size, "white")).getbbox()
    if ink:  # trim the page's side margins, keep a little white
        part = part.crop((max(0, ink[0] - MARGIN_PX), 0, min(width, ink[2] + MARGIN_PX), part.size[1]))
    buffer = io.BytesIO()
    part.quantize(colors=PALETTE).save(buffer, format="PNG", optimize=True)
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    stated = sum(1 for b in boxes if b["role"] == "stated")
    return Crop(page, uri, part.size[0], part.size[1], stated, len(boxes) - stated)
