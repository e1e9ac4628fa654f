"""Word segmentation with jieba: a private tokenizer with the shipped domain dictionary.

jieba keeps its prefix dictionary (about 500,000 words and prefixes with their counts) in
one dict that it loads whole from a marshal cache: 0.5–1.3 s before the first name can be
cut, most of a one-file `jixiao check`. Here the tokenizer is jieba's own — its DAG, its
route through the counts, its HMM for unknown words, unchanged — but its dictionary is read
from an SQLite copy, built once into the cache folder, only as far as the texts being cut
need it: every substring of a text, up to the longest word, fetched in one query. The
segmentation is jieba's to the word (tests/extract/test_segment.py compares the two).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

SCHEMA = 1  # of the SQLite copy; part of its file name


def _cache_folder() -> Path | None:
    """jieba's dictionary copy lives under the user's cache folder (not /tmp)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    folder = Path(base) / "jixiao"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _import_jieba():
    """jieba, imported without pkg_resources: its _compat module imports it only to open its
    own data files, which it otherwise opens by path, and the import alone costs 0.1–0.2 s."""
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba

        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


class Frequencies(dict):
    """jieba's prefix dictionary (word → count, 0 for a bare prefix), read from SQLite on demand.

    jieba only asks `word in FREQ`, `FREQ[word]` and `FREQ.get(word)`, and sets entries when a
    user dictionary adds words; each answer is kept. `prefetch` fetches, in one query, every
    entry a text can ask for. Safe across fork (a child opens its own connection) and threads.
    """

    def __init__(self, path: Path, longest: int) -> None:
        super().__init__()
        self.path, self.longest = path, longest
        self._absent: set[str] = set()
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = os.getpid()

    def _forked(self) -> None:
        """In a forked child: a lock and a connection of its own (the parent's lock may have
        been held by another thread at the fork, and SQLite connections must not cross one)."""
        if self._pid != os.getpid():
            self._lock, self._connection, self._pid = threading.Lock(), None, os.getpid()

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = sqlite3.connect(_read_only(self.path), uri=True, check_same_thread=False)
        return self._connection

    def prefetch(self, text: str) -> None:
        wanted = {text[i:j] for i in range(len(text)) for j in range(i + 1, min(len(text), i + self.longest) + 1)}
        wanted -= self.keys()
        wanted -= self._absent
        if not wanted:
            return
        words = sorted(wanted)
        self._forked()
        with self._lock:
            db = self._db()
            for start in range(0, len(words), 500):
                chunk = words[start:start + 500]
                found = db.execute(f"SELECT w, n FROM freq WHERE w IN ({','.join('?' * len(chunk))})", chunk)
                for word, count in found:
                    dict.__setitem__(self, word, count)
        self._absent.update(w for w in words if not dict.__contains__(self, w))

    def _known(self, word: str) -> bool:
        if dict.__contains__(self, word):
            return True
        if word in self._absent or len(word) > self.longest:
            return False
        self._forked()
        with self._lock:
            row = self._db().execute("SELECT n FROM freq WHERE w = ?", (word,)).fetchone()
        if row is None:
            self._absent.add(word)
            return False
        dict.__setitem__(self, word, row[0])
        return True

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._known(word)

    def __missing__(self, word: str) -> int:
        if self._known(word):
            return dict.__getitem__(self, word)
        raise KeyError(word)

    def get(self, word, default=None):
        return dict.__getitem__(self, word) if self._known(word) else default

    def __setitem__(self, word: str, count: int) -> None:
        self._absent.discard(word)
        dict.__setitem__(self, word, count)

    def __reduce__(self):  # pickled as its path and what it holds (the domain words among it), not its lock
        return (Frequencies, (self.path, self.longest), None, None, iter(dict.items(self)))


def _build(jieba, target: Path) -> None:
    """The SQLite copy of jieba's main dictionary, written under a temporary name and renamed."""
    tk = jieba.Tokenizer()
    freq, total = tk.gen_pfdict(tk.get_dict_file())
    temp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        with sqlite3.connect(temp) as db:
            db.execute("CREATE TABLE freq (w TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
            db.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
            db.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
            db.executemany("INSERT INTO meta VALUES (?, ?)",
                           [("total", total), ("longest", max(map(len, freq)))])
        db.close()
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _dictionary(jieba) -> tuple[Frequencies, int] | None:
    """The on-demand dictionary and jieba's total count; None where no copy can be made."""
    folder = _cache_folder()
    if folder is None:
        return None
    dict_file = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    try:
        stat = dict_file.stat()
        path = folder / f"jieba-{jieba.__version__}-{stat.st_size}-{int(stat.st_mtime)}-v{SCHEMA}.sqlite"
        if not path.exists():
            _build(jieba, path)
        with sqlite3.connect(_read_only(path), uri=True) as db:
            meta = dict(db.execute("SELECT k, v FROM meta"))
            db.execute("SELECT n FROM freq WHERE w = ?", ("的",)).fetchone()
        db.close()
        return Frequencies(path, int(meta["longest"])), int(meta["total"])
    except (OSError, sqlite3.Error, KeyError, ValueError) as exc:
        log.debug("jieba's dictionary copy is not usable (%s); loading the whole dictionary", exc)
        if isinstance(exc, (sqlite3.DatabaseError, KeyError, ValueError)):
            path.unlink(missing_ok=True)  # damaged (a full disk, say): built again next time
        return None


def _read_only(path: Path) -> str:
    """An SQLite URI opening `path` read-only, whatever characters the path holds."""
    return f"{path.absolute().as_uri()}?mode=ro"


@lru_cache(maxsize=1)
def tokenizer():
    """jieba's tokenizer with the domain words, its dictionary read as needed; once a process."""
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    on_demand = _dictionary(jieba)
    if on_demand is not None:
        tk.FREQ, tk.total = on_demand
        tk.initialized = True
    else:  # jieba's own way: the whole dictionary, from its marshal cache
        folder = _cache_folder()
        if folder:
            tk.cache_file = str(folder / "jieba.cache")
        tk.initialize()
    with resources.as_file(resources.files("extract").joinpath("data/domain_dict.txt")) as path:
        tk.load_userdict(str(path))
    return tk


def words(text: str) -> list[str]:
    """The words of a name, without punctuation and spaces."""
    tk = tokenizer()
    if isinstance(tk.FREQ, Frequencies):
        tk.FREQ.prefetch(text)
    return [w for w in tk.lcut(text) if w.strip() and any(c.isalnum() for c in w)]
