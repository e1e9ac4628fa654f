"""Find the reports in an archive folder: nested folders, PDFs by content, in a stable order.

Every file met is listed: a PDF (by its header, whatever its name) is a candidate; what
cannot or should not be read is listed with the reason. Hidden entries (".git", ".DS_Store")
and the output folder, when it lies inside the archive, are passed over in silence.

Symbolic links: a link to a file inside the archive is read as a file of its own (its
content is checked once, see store.py); a link that leads outside the archive, a broken
link and a link to a folder are not followed and are listed as skipped. Folders are never
entered through a link: a link to a folder inside the archive would only repeat a folder
that is read under its own name, and a link to a folder above it would loop.

Names: `rel` is text every output can hold. A name in bytes that are not UTF-8 (GBK, as a
Windows share or an old zip gives) is decoded as GB18030 (`extract.errors.decoded`), the
name a reviewer sees on the system that wrote it; bytes that are not GB18030 either, and a
decoding that would be the name of another file in the same folder, are written `\\xNN`.
The same folder gives the same names in every run, so the hash cache and the comparison
with the last run find the file again. `path` keeps the bytes, to read it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from extract.errors import ExitCode, decoded

PDF = "pdf"
SKIPPED = "skipped"
FAILED = "failed"
HEADER_WINDOW = 1024  # ISO 32000: the %PDF- header lies within the first 1024 bytes


@dataclass(frozen=True)
class Entry:
    rel: str  # POSIX path relative to the root: the file's name in every output
    path: Path  # where to read it
    status: str  # pdf | skipped | failed
    reason: str = ""
    exit_code: int = 0


def is_pdf(head: bytes) -> bool:
    return b"%PDF-" in head[:HEADER_WINDOW]


def discover(root: str | Path, exclude: tuple[str | Path, ...] = ()) -> list[Entry]:
    """Every file under root, sorted by relative path (code-point order)."""
    root = Path(root).absolute()
    if not root.is_dir():
        raise NotADirectoryError(root)
    real_root = os.path.realpath(root)
    skip = {os.path.realpath(p) for p in exclude}
    entries: list[Entry] = []
    ancestors = {_identity(os.stat(root))}
    _walk(root, "", real_root, skip, ancestors, entries)
    return sorted(entries, key=lambda e: e.rel)


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _walk(folder: Path, prefix: str, real_root: str, skip: set[str], ancestors: set, out: list[Entry]) -> None:
    try:
        with os.scandir(folder) as it:
            children = sorted(it, key=lambda d: d.name)
    except OSError as exc:
        out.append(Entry(prefix.rstrip("/") or ".", folder, FAILED,
                         f"无法读取文件夹（{exc.strerror or exc}）；请检查权限", ExitCode.input_unreadable))
        return
    labels = _labels([child.name for child in children])
    for child in children:
        if child.name.startswith("."):
            continue
        rel = prefix + labels[child.name]
        path = Path(child.path)
        if os.path.realpath(path) in skip:
            continue
        try:
            if child.is_symlink():
                entry = _link(path, rel, real_root, ancestors)
                if entry is not None:
                    out.append(entry)
                    continue
            st = os.stat(path)  # follows a link to a file inside the archive
        except OSError as exc:
            out.append(Entry(rel, path, FAILED, f"无法读取（{exc.strerror or exc}）", ExitCode.input_unreadable))
            continue
        if stat.S_ISDIR(st.st_mode):
            identity = _identity(st)
            if identity in ancestors:  # a bind mount or similar folding back on itself
                out.append(Entry(rel + "/", path, SKIPPED, "目录循环（该文件夹包含其自身），已跳过"))
                continue
            _walk(path, rel + "/", real_root, skip, ancestors | {identity}, out)
        elif stat.S_ISREG(st.st_mode):
            out.append(_file(path, rel, st))
        else:
            out.append(Entry(rel, path, SKIPPED, f"不是普通文件（{_kind(st.st_mode)}），已跳过"))


def _labels(names: list[str]) -> dict[str, str]:
    """Each name of one folder → its name as text (see the module's docstring), all distinct."""
    labels = {name: name for name in names}
    taken = set(names)
    for name in names:
        label = decoded(name)
        if label == name:
            continue
        if label in taken:  # "报告.pdf" in UTF-8 beside "报告.pdf" in GBK: keep both apart
            label = os.fsencode(name).decode("utf-8", "backslashreplace")
        labels[name] = label
        taken.add(label)
    return labels


def _link(path: Path, rel: str, real_root: str, ancestors: set) -> Entry | None:
    """A skipped entry for a link that is not read; None for a link to a file in the archive."""
    target = os.path.realpath(path)
    if not os.path.exists(target):
        return Entry(rel, path, SKIPPED, "符号链接无效（目标不存在），已跳过")
    if os.path.commonpath([real_root, target]) != real_root:
        return Entry(rel, path, SKIPPED, "符号链接指向归档文件夹之外，已跳过")
    if os.path.isdir(target):
        if _identity(os.stat(target)) in ancestors:
            return Entry(rel, path, SKIPPED, "目录循环（符号链接指向其上级文件夹），已跳过")
        where = decoded(os.path.relpath(target, real_root))  # text a summary can hold
        return Entry(rel, path, SKIPPED, f"指向文件夹的符号链接，不重复读取（该文件夹以 {where} 读取）")
    return None


def _file(path: Path, rel: str, st: os.stat_result) -> Entry:
    named_pdf = path.suffix.lower() == ".pdf"
    if st.st_size == 0:
        if named_pdf:
            return Entry(rel, path, FAILED, "文件为空，不是有效的 PDF；请重新导出或下载原文件", ExitCode.input_unreadable)
        return Entry(rel, path, SKIPPED, "空文件，已跳过")
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEADER_WINDOW)
    except OSError as exc:
        return Entry(rel, path, FAILED, f"无法读取（{exc.strerror or exc}）；请检查权限", ExitCode.input_unreadable)
    if is_pdf(head):
        return Entry(rel, path, PDF)
    if named_pdf:
        return Entry(rel, path, FAILED, "扩展名为 .pdf，但内容不是 PDF（文件开头没有 %PDF- 标记）；请确认文件完整且确为 PDF",
                     ExitCode.input_unreadable)
    return Entry(rel, path, SKIPPED, "不是 PDF 文件，已跳过")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "命名管道"), (stat.S_ISSOCK, "套接字"), (stat.S_ISCHR, "字符设备"),
                       (stat.S_ISBLK, "块设备")):
        if test(mode):
            return name
    return "特殊文件"
