"""Triage: what an archive run must check, what it has already, and the name of each output."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from extract.errors import ExitCode
from flows.discover import FAILED, PDF, SKIPPED, Entry
from flows.files import warn
from flows.pipeline import rerender
from flows.store import Store, held

CHECK, CACHED = "check", "cached"
OUT_STATE = "OUT/.jixiao/store"


@dataclass
class Item:
    rel: str
    path: str
    status: str  # check | cached | failed | skipped
    sha256: str | None = None
    reason: str = ""
    exit_code: int = 0
    same_as: str | None = None  # an earlier path of this run with the same content


@dataclass
class Plan:
    items: list[Item]
    records: dict[str, dict] = field(default_factory=dict)  # sha256 → stored record (cached ones)
    rerendered: int = 0  # cached results rendered again (new renderers or formats), no PDF read

    @property
    def to_check(self) -> list[tuple[str, str, str]]:
        """(path relative to the root, path to read, sha256), one per content."""
        return [(i.rel, i.path, i.sha256) for i in self.items if i.status == CHECK and i.same_as is None]


def triage(entries: list[Entry], store: Store, retry_failed: bool = False) -> Plan:
    """Hash each PDF (the hash cache spares unchanged files) and look up its stored result.

    A content seen earlier in this run is not checked again; a stored failure is kept unless
    `retry_failed`. The hash cache is saved before returning.
    """
    items: list[Item] = []
    records: dict[str, dict] = {}
    first: dict[str, Item] = {}
    rerendered = 0
    for entry in entries:
        if entry.status in (SKIPPED, FAILED):
            sha = _sha_or_none(store, entry) if entry.status == FAILED else None  # a bad file is named by its hash too
            items.append(Item(entry.rel, str(entry.path), entry.status, sha, entry.reason, entry.exit_code))
            continue
        assert entry.status == PDF
        try:
            sha = store.sha256(entry.rel, entry.path)
        except OSError as exc:
            items.append(Item(entry.rel, str(entry.path), FAILED, None, f"无法读取（{exc.strerror or exc}）",
                              ExitCode.input_unreadable))
            continue
        item = Item(entry.rel, str(entry.path), CHECK, sha)
        if sha in first:
            item.same_as = first[sha].rel
            item.status = first[sha].status
        else:
            first[sha] = item
            record = store.get(sha)
            if record is not None and record["status"] == "checked" and not store.rendered_now(record):
                record = rerender(store, sha, record, tuple(store.rendered_with["formats"].split(",")))
                rerendered += record is not None
            if record is not None and (record["status"] == "checked" or not retry_failed):
                records[sha] = held(record)
                item.status = CACHED
        items.append(item)
    store.save_hashes({e.rel for e in entries if e.status != SKIPPED})
    if store.damaged:
        warn(f"{len(store.damaged)} 个保存的结果已损坏或不完整（{OUT_STATE}），这些文件将重新核对")
    return Plan(items, records, rerendered)


def _sha_or_none(store: Store, entry: Entry) -> str | None:
    try:
        return store.sha256(entry.rel, entry.path)
    except OSError:
        return None


def batches(work: list, workers: int, size: int | None = None, largest: int = 50) -> list[list]:
    """The files split into tasks, in order: `size` files each if given, else shrinking batches.

    Each batch is a quarter of what is left per worker (at most `largest`), so the first
    tasks are large (few task runs for Prefect to record) and the last ones a file each: the
    workers finish together instead of one core idling through a long last batch.
    """
    if size:
        return [work[i:i + size] for i in range(0, len(work), size)]
    groups, start = [], 0
    while start < len(work):
        take = max(1, min(largest, -(-(len(work) - start) // (4 * max(1, workers)))))
        groups.append(work[start:start + take])
        start += take
    return groups


def _safe(name: str) -> str:
    from flows.files import fit

    return fit("".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._") or "_")


def output_names(paths: list[str]) -> dict[str, str]:
    """path relative to the root → output base name under reports/ (without suffix).

    The folders are kept, each part made safe (cli.safe_stem's rule, at most cli.STEM_BYTES
    bytes of UTF-8, a long one cut and given a digest of its own); two paths that come out
    the same (a.pdf and a.PDF, or any case-only difference) keep the name for the first in
    order, and the others get a digest of their own path, so a name never depends on which
    other files happen to be there.
    """
    from flows.files import safe_stem

    names: dict[str, str] = {}
    taken: set[str] = set()
    for rel in sorted(paths):
        pure = PurePosixPath(rel)
        parts = [_safe(p) for p in pure.parts[:-1]] + [safe_stem(Path(pure.name))]
        name = "/".join(parts)
        if name.casefold() in taken:
            name = f"{name}-{hashlib.sha256(rel.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
        taken.add(name.casefold())
        names[rel] = name
    return names
