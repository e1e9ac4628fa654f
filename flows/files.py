"""Output files: the one atomic writer, and the names outputs get from inputs (imports nothing of flows/)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from extract.errors import OutputError, decoded, shown


def warn(text: str) -> None:
    """One line on stderr for damage found and repaired (a garbled summary, a damaged table or
    stored result); the run goes on."""
    print(f"jixiao: 警告：{shown(text, whole=True)}", file=sys.stderr, flush=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file, flushed to disk, then a rename: never a half-written
    output, and the mode a plain `open()` would give (mkstemp alone makes it 0600)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".jixiao-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fchmod(handle.fileno(), 0o666 & ~_umask())
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"无法写入 {path}（{exc.strerror or exc}）", "请检查输出路径与权限") from exc


# UTF-8 bytes of an output's base name. A file name holds 255 bytes (ext4, XFS, APFS; NTFS 255
# UTF-16 units): this leaves room for the suffix (".xlsx"), a "-2" or "-<digest>" added to keep
# names apart, and a temporary name derived from it. 82 Chinese characters are 246 bytes.
STEM_BYTES = 200


def safe_stem(path: Path) -> str:
    """A file name from an input path that cannot leave the output folder: letters and digits of
    any script kept, anything else (separators, controls, bidi marks) "_"; at most STEM_BYTES
    bytes (`fit`). A name that is not UTF-8 is read as GB18030 first, as the file lists show it."""
    return fit("".join(c if c.isalnum() or c in "-_." else "_" for c in decoded(Path(path).stem)).strip("._")
               or "report")


def fit(name: str, limit: int = STEM_BYTES) -> str:
    """`name` if its UTF-8 is at most `limit` bytes; else its beginning, cut at a character, and
    "-" and a digest of the whole name, so that two long names that begin alike stay apart."""
    raw = name.encode("utf-8", "surrogateescape")
    if len(raw) <= limit:
        return name
    import hashlib

    head = raw[:limit - 9].decode("utf-8", "ignore")
    return f"{head}-{hashlib.sha256(raw).hexdigest()[:8]}"
