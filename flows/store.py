"""Results kept in the output folder, keyed by a file's content hash and the versions that made them.

    OUT/.jixiao/store/<versions>/<sha256[:2]>/<sha256>.json   the record: status, counts, rows…
    OUT/.jixiao/store/<versions>/<sha256[:2]>/<sha256>.<fmt>  its renderings (json, html, xlsx)
    OUT/.jixiao/hashes.json                                   path → (size, mtime, ctime, inode, sha256)

`<versions>` is a digest of what a result read from a PDF depends on: jixiao's version, its
shipped data (patterns, domain dictionary, a --patterns overlay), the source of extract/ and
of reconcile/'s checks, and the versions of the libraries that read PDFs. Any of those
changing starts a new folder, and every file is checked again; the old folders are removed.
What only renders — reconcile/'s renderers and templates (RENDERERS) — and the formats asked
for are kept in each record instead (`rendered_with`): when they change, a report is rendered
again from its stored JSON document and page crops, without reading its PDF
(flows/pipeline.py `rerender`).

The rules version is a hash of the source files rather than a number kept by hand: a
number is forgotten when a rule changes, and a result from old rules would then pass for
new. The price is a full re-check after an edit that changes nothing (a comment).

A record is written after its renderings, by a rename, so a record that exists is whole:
an interrupted run leaves nothing half-made, and the next run starts from the records.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from extract.pdf import sha256_of
from flows.files import write_atomic

STATE = ".jixiao"
LIBRARIES = ("pdfplumber", "pdfminer.six", "pypdfium2", "jieba")


def _package(name: str) -> Path:
    """The folder of the package as imported (the code that runs is the code that is hashed)."""
    import importlib

    return Path(importlib.import_module(name).__file__).parent


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def _sources(folder: Path) -> list[Path]:
    """The package's files (code, templates), without byte-code."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


# reconcile/'s modules that only turn a checked JSON document into a file, and its templates:
# what they make is never stored as a result, only rendered from one. (evidence.py is not
# among them: the page crops it cuts are kept in the store.)
RENDERERS = ("annotate.py", "html.py", "index.py", "markdown.py", "render.py", "text.py", "view.py", "xlsx.py")
RENDERING = ("rendering", "formats")  # the versions a record keeps instead of its folder's key


def _renders(path: Path, reconcile: Path) -> bool:
    rel = path.relative_to(reconcile).parts
    return rel[0] == "templates" or (len(rel) == 1 and rel[0] in RENDERERS)


def _digest(paths: list[Path], base: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@lru_cache(maxsize=8)
def versions(patterns_file: str | None = None, formats: tuple[str, ...] = ("json",)) -> dict[str, str]:
    """What a stored result depends on besides the file itself."""
    extract, reconcile = _package("extract"), _package("reconcile")
    code = [p for p in _sources(extract) + _sources(reconcile) if p.parent != extract / "data"]
    out = {
        "jixiao": _version("jixiao"),
        "data": _digest(sorted(p for p in (extract / "data").glob("*") if p.is_file()), extract.parent),
        "rules": _digest([p for p in code if not (p.is_relative_to(reconcile) and _renders(p, reconcile))],
                         extract.parent),
        "rendering": _digest([p for p in code if p.is_relative_to(reconcile) and _renders(p, reconcile)],
                             extract.parent),
        "libraries": ",".join(f"{n}={_version(n)}" for n in LIBRARIES),
        "formats": ",".join(formats),
    }
    if patterns_file:
        out["patterns"] = hashlib.sha256(Path(patterns_file).read_bytes()).hexdigest()[:16]
    return out


def versions_key(v: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()[:16]


def folder_key(versions: dict[str, str]) -> str:
    """The store folder of these versions: what reading and checking depend on, not rendering."""
    return versions_key({k: v for k, v in versions.items() if k not in RENDERING})


class DamagedResult(Exception):
    """A stored rendering that does not match its record: removed, and checked again next run."""


def held(record: dict) -> dict:
    """What a run holds in memory of a record: all of it but its table rows, which stay in the
    store until the tables are rebuilt; of its findings, the id and severity that reviews count.
    (A thousand reports' rows would otherwise stay in the run's process to its end.)"""
    rows = record.get("rows")
    if not rows or "projects" not in rows:  # none, or held already
        return record
    return {**record, "rows": {"findings": [{"id": f["id"], "severity": f["severity"]}
                                            for f in rows.get("findings", [])]}}


class Store:
    """The records and renderings of one output folder, for one set of versions."""

    def __init__(self, out: Path, versions: dict[str, str]):
        self.state = Path(out) / STATE
        self.versions = versions
        self.key = folder_key(versions)
        self.rendered_with = {k: versions[k] for k in RENDERING if k in versions}
        self.root = self.state / "store" / self.key
        self._hashes: dict[str, list] | None = None
        self._hashes_changed = False
        self.damaged: list[str] = []  # sha256 of stored results found damaged (and dropped) this run

    # ------------------------------------------------------------------ records
    def _base(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def get(self, sha: str) -> dict | None:
        """The stored record, or None when there is none or it cannot be trusted: unreadable,
        or a rendering it names is missing or not of the size written (then the file is
        checked again, and the damage said once, in `damaged`)."""
        path = self._base(sha).with_suffix(".json")
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            sizes = record.get("sizes") or {}
            for fmt, name in (record.get("renderings") or {}).items():
                if fmt in sizes and self.rendering(sha, name).stat().st_size != sizes[fmt]:
                    raise ValueError(f"{name} has been cut short or changed")
            return record
        except FileNotFoundError as exc:
            if exc.filename != str(path):  # the record is there, one of its renderings is not
                self.damaged.append(sha)
            return None
        except (OSError, ValueError, AttributeError):
            if path.exists():
                self.damaged.append(sha)
            return None

    def put(self, sha: str, record: dict, renderings: dict[str, tuple[str, bytes]]) -> dict[str, str]:
        """Store a record and its renderings ({format: (suffix, content)}); returns format → stored file.

        The record keeps each rendering's size and SHA-256, so damage is found before it is trusted."""
        base = self._base(sha)
        stored, sizes, digests = {}, {}, {}
        for fmt, (suffix, content) in sorted(renderings.items()):
            target = base.parent / f"{base.name}.r{suffix}"
            write_atomic(target, content)
            stored[fmt], sizes[fmt] = target.name, len(content)
            digests[fmt] = hashlib.sha256(content).hexdigest()
        write_atomic(base.with_suffix(".json"), json.dumps(
            {**record, "renderings": stored, "sizes": sizes, "digests": digests, "rendered_with": self.rendered_with},
            ensure_ascii=False).encode("utf-8"))
        return stored

    def rendered_now(self, record: dict) -> bool:
        """Whether a record's renderings were made by these renderers, in these formats."""
        return record.get("rendered_with") == self.rendered_with

    def read_rendering(self, sha: str, record: dict, fmt: str) -> bytes:
        """A stored rendering's bytes, checked against the digest its record keeps; a damaged one
        (and its record) is removed, so the next run checks the file again."""
        name = record["renderings"][fmt]
        digest = (record.get("digests") or {}).get(fmt)
        try:
            data = self.rendering(sha, name).read_bytes()
            if digest is None or hashlib.sha256(data).hexdigest() == digest:
                return data
        except OSError:
            pass
        self.forget(sha)
        raise DamagedResult(f"保存的结果 {name} 已损坏或无法读取")

    def forget(self, sha: str) -> None:
        self.damaged.append(sha)
        self._base(sha).with_suffix(".json").unlink(missing_ok=True)

    def rendering(self, sha: str, name: str) -> Path:
        return self._base(sha).parent / name

    def prune_versions(self) -> list[str]:
        """Remove the stores of other versions: their results can never be used again."""
        removed = []
        parent = self.state / "store"
        for folder in parent.iterdir() if parent.is_dir() else ():
            if folder.is_dir() and folder.name != self.key:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        return removed

    # ------------------------------------------------------------------ hashes
    @property
    def hashes(self) -> dict[str, list]:
        if self._hashes is None:
            try:
                self._hashes = json.loads((self.state / "hashes.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._hashes = {}
        return self._hashes

    def sha256(self, rel: str, path: Path) -> str:
        """The file's sha256, computed again only when its size, times or inode changed.

        ctime is in the key because no ordinary tool can set it: a file rewritten in place
        with its size and mtime restored still gets hashed again.
        """
        st = os.stat(path)
        stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        known = self.hashes.get(rel)
        if known and known[:4] == stamp:
            return known[4]
        sha = sha256_of(path)
        self.hashes[rel] = [*stamp, sha]
        self._hashes_changed = True
        return sha

    def save_hashes(self, keep: set[str]) -> None:
        """Write the hash cache, forgetting files that are gone."""
        hashes = {k: v for k, v in self.hashes.items() if k in keep}
        if hashes.keys() != self.hashes.keys() or self._hashes_changed:
            write_atomic(self.state / "hashes.json", _hashes_json(hashes))
        self._hashes, self._hashes_changed = hashes, False


def _hashes_json(hashes: dict[str, list]) -> bytes:
    """The hash cache as UTF-8 JSON. Paths are text (flows.discover decodes names that are not
    UTF-8), but a key that still holds surrogates must not lose the whole run: JSON's ASCII
    escapes (\\udcb1) hold it, and json.loads gives back the same key in the next run."""
    try:
        return json.dumps(hashes, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(hashes, ensure_ascii=True).encode("ascii")
