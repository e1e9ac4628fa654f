"""Benchmark `jixiao archive`: a first run over N reports, a re-run with nothing changed, one change.

    python bench/archive_bench.py                   # 1,000 reports in a temporary folder
    python bench/archive_bench.py --reports 200 --workers 2 --formats json --keep /tmp/bench

The archive is the fixture reports copied into year/department folders, each copy with a
comment line appended after %%EOF so that every file has its own hash (the figures read are
the same). Each run is the real command in its own process, temporary Prefect server and
all, as cron would start it; the times are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ["sample", "consistent", "fault-rate", "fault-total", "sample-reportlab", "sample-yuan"]
DEPARTMENTS = ["科协", "财政局", "教育局", "卫健委", "交通局"]


def build(root: Path, reports: int) -> None:
    sources = [(ROOT / "fixtures" / case / "report.pdf").read_bytes() for case in CASES]
    for n in range(reports):
        folder = root / str(2019 + n % 5) / DEPARTMENTS[(n // 5) % len(DEPARTMENTS)]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"report-{n:05d}.pdf").write_bytes(sources[n % len(sources)] + b"\n%% copy %d\n" % n)


def run(root: Path, out: Path, args: argparse.Namespace, env: dict) -> tuple[float, dict]:
    command = [sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out), "--quiet"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.formats:
        command += ["--formats", args.formats]
    if args.pool:
        command += ["--pool", args.pool]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"jixiao archive exited {proc.returncode}:\n{proc.stderr}")
    return elapsed, json.loads((out / "summary.json").read_text(encoding="utf-8"))["totals"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--formats", help="e.g. json (default: every archive format)")
    parser.add_argument("--pool", choices=("threads", "processes"))
    parser.add_argument("--keep", type=Path, help="build and keep the archive and outputs here")
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    root, out = base / "archive", base / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.setdefault("PREFECT_HOME", str(base / "prefect-home"))
    try:
        if not root.exists():
            build(root, args.reports)
        rows = []
        first, totals = run(root, out, args, env)
        rows.append(("first run", first, totals))
        again, totals = run(root, out, args, env)
        rows.append(("re-run, nothing changed", again, totals))
        changed = next(root.rglob("*.pdf"))
        changed.write_bytes(changed.read_bytes() + b"\n% changed\n")
        once, totals = run(root, out, args, env)
        rows.append(("re-run, one file changed", once, totals))
        print(f"{args.reports} reports, {os.cpu_count()} cores, workers={args.workers or 'cores'}, "
              f"formats={args.formats or 'all'}, pool={args.pool or 'threads'}")
        print(f"{'run':<28}{'seconds':>9}{'checked':>9}{'cached':>8}{'failed':>8}")
        for name, seconds, t in rows:
            print(f"{name:<28}{seconds:>9.1f}{t['checked']:>9}{t['cached']:>8}{t['failed']:>8}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
