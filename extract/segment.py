"""Word segmentation with jieba: a private tokenizer with the shipped domain dictionary."""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)


def _cache_file() -> str | None:
    """jieba's prefix-dictionary cache under the user's cache folder (not /tmp)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    folder = Path(base) / "jixiao"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return str(folder / "jieba.cache")


@lru_cache(maxsize=1)
def tokenizer():
    """Loaded on first use only (jieba's dictionary costs about half a second), once a process."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    cache = _cache_file()
    if cache:
        tk.cache_file = cache
    tk.initialize()
    with resources.as_file(resources.files("extract").joinpath("data/domain_dict.txt")) as path:
        tk.load_userdict(str(path))
    return tk


def words(text: str) -> list[str]:
    """The words of a name, without punctuation and spaces."""
    return [w for w in tokenizer().lcut(text) if w.strip() and any(c.isalnum() for c in w)]
