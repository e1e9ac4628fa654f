"""Look at a file before parsing it: is it a PDF at all, and if not, what is it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from extract.errors import InputError, shown

DEFAULT_MAX_BYTES = 200 << 20  # 200 MiB: far above any text report, below what hurts a worker
DEFAULT_MAX_PAGES = 1000

# Magic bytes of what people upload instead of a PDF, and what to call it.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 文档（.doc/.xls/.wps）"),
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"{\\rtf", "RTF 文档"),
    (b"%!PS", "PostScript 文件"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"<?xml", "XML 文件"),
)


def triage(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Raise InputError, with what the file is and what to do, unless it looks like a PDF."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError(f"{shown(path, whole=True)}：不是普通文件", "请指定 PDF 文件")
        with path.open("rb") as handle:
            head = handle.read(2048)
    except FileNotFoundError:
        raise InputError(f"{shown(path, whole=True)}：文件不存在", "请检查路径") from None
    except PermissionError:
        raise InputError(f"{shown(path, whole=True)}：没有读取权限", "请检查文件权限") from None
    except OSError as exc:
        raise InputError(f"{shown(path, whole=True)}：无法读取（{exc.strerror or exc}）", "请检查文件与磁盘") from None
    if size == 0:
        raise InputError(f"{shown(path)}：文件为空（0 字节）", "请重新导出或重新下载该报告")
    if size > max_bytes:
        raise InputError(f"{shown(path)}：文件过大（{size / (1 << 20):.0f} MiB，上限 {max_bytes / (1 << 20):.0f} MiB）",
                         "可用 --max-size 调高上限")
    if b"%PDF-" in head[:1024]:
        return
    kind = what_is(path, head)
    raise InputError(f"{shown(path)}：不是 PDF 文件，看起来是{kind}", "请提交由 Word/WPS 导出的 PDF")


def what_is(path: Path, head: bytes) -> str:
    """A reviewer's name for a file that is not a PDF, from its first bytes."""
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:512]:
        return "网页（HTML），可能是下载失败时保存的错误页"
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "纯文本文件"
    return "未知格式的文件"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return "损坏的 zip 压缩包"
    if any(n.startswith("word/") for n in names):
        return "Word 文档（.docx）"
    if any(n.startswith("xl/") for n in names):
        return "Excel 表格（.xlsx）"
    if any(n.startswith("ppt/") for n in names):
        return "PowerPoint 文档（.pptx）"
    if "mimetype" in names:
        return "OpenDocument 文档（.odt/.ods）"
    return "zip 压缩包"
