"""Optional OCR for pages without a usable text layer (jixiao[ocr]: RapidOCR, models shipped in the wheel)."""

from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache
from pathlib import Path

from extract.errors import InputError, shown
from extract.lines import Char

log = logging.getLogger(__name__)

RESOLUTION = 200  # dpi a page is rendered at when its scan's own resolution is unknown
LOWEST, HIGHEST = 150, 300  # a scan's own resolution is used within these (dpi)
INSTALL_HINT = "请安装 OCR 组件 jixiao[ocr]：在 jixiao 源码目录运行 pip install -e '.[ocr]'"


def available() -> bool:
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@lru_cache(maxsize=1)
def _engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except (ImportError, OSError) as exc:  # OpenCV needs libGL and GLib from the system
        raise InputError(f"OCR 组件无法加载（{exc}）",
                         "请安装系统库：apt-get install libgl1 libglib2.0-0，或在 jixiao 源码目录重新运行 pip install -e '.[ocr]'") from exc
    return RapidOCR()


def scan_resolution(page) -> float:
    """The resolution the page's largest image was scanned at: recognising at the scan's own
    pixels loses nothing to resampling (a 200-dpi scan read at 150 dpi lost a whole line)."""
    best = None
    try:
        for obj in page.get_objects(filter=(3,)):  # FPDF_PAGEOBJ_IMAGE
            left, bottom, right, top = obj.get_pos()
            width_px, _ = obj.get_px_size()
            if right - left > 0 and (best is None or right - left > best[0]):
                best = (right - left, width_px / ((right - left) / 72))
    except Exception:  # an odd image object: fall back to the default
        log.debug("no image resolution on this page", exc_info=True)
    if best is None:
        return RESOLUTION
    return min(max(best[1], LOWEST), HIGHEST)


def read_page(path: Path, number: int, password: str | None = None) -> list[Char]:
    """The characters OCR reads on one page, in PDF points, each with the engine's confidence.

    RapidOCR returns a box and a string per text run; characters share the run's width
    evenly, which is exact for CJK text set in one font size and close for digits.
    """
    if not available():
        raise InputError(f"{shown(path)}：第 {number} 页是图片（扫描件），没有文字层", INSTALL_HINT)
    import numpy
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path), password=password or None)
    try:
        page = document[number - 1]
        scale = scan_resolution(page) / 72
        image = numpy.asarray(page.render(scale=scale).to_pil().convert("RGB"))
        page.close()
    finally:
        document.close()
    runs, _ = _engine()(image)
    chars: list[Char] = []
    for box, text, score in runs or []:
        text = text.strip()
        if not text:
            continue
        xs = [p[0] / scale for p in box]
        ys = [p[1] / scale for p in box]
        x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
        width = (x1 - x0) / len(text)
        size = bottom - top
        for i, ch in enumerate(text):
            if not ch.isspace():
                chars.append(Char(ch, number, x0 + i * width, top, x0 + (i + 1) * width, bottom, size, float(score)))
    log.debug("page %d: OCR read %d characters", number, len(chars))
    return chars
