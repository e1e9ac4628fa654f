"""Writing files so that a reader never sees half of one: the one atomic writer (imports nothing of flows/)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from extract.errors import OutputError, shown


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
