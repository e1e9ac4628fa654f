"""Benchmark `jixiao archive`: a first run over N reports, a re-run with nothing changed, one change.

    python bench/archive_bench.py                   # 1,000 reports in a temporary folder
    python bench/archive_bench.py --reports 200 --workers 1,2 --formats json   # the speed-up
    python bench/archive_bench.py --reports 200 --workers 2 --server running --keep /tmp/bench
    python bench/archive_bench.py --reports 200 --workers 2 --formats json --against /tmp/old --repeat 3
        # first runs of this code against another checkout (git worktree add /tmp/old <commit>),
        # alternating, in one session: the speed-up of a change

The archive is the fixture reports copied into year/department folders, each copy with a
comment line appended after %%EOF so that every file has its own hash (the figures read are
the same). Each run is the real command in its own process, as cron would start it: with
its own temporary Prefect server, or (--server running) against one server started first,
as a nightly `jixiao serve` or a standing `prefect server start` would have it. The times
are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
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


def run(root: Path, out: Path, args: argparse.Namespace, workers: int | None, env: dict,
        code: Path = ROOT) -> tuple[float, dict]:
    command = [sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out), "--quiet"]
    if workers:
        command += ["--workers", str(workers)]
    if args.formats:
        command += ["--formats", args.formats]
    if args.pool:
        command += ["--pool", args.pool]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"jixiao archive exited {proc.returncode}:\n{proc.stderr}")
    return elapsed, json.loads((out / "summary.json").read_text(encoding="utf-8"))["totals"]


def runs(root: Path, out: Path, args: argparse.Namespace, workers: int | None, env: dict) -> list[tuple]:
    """A first run into an empty OUT, a re-run with nothing changed, a re-run after one file changed."""
    shutil.rmtree(out, ignore_errors=True)
    rows = [("first run", *run(root, out, args, workers, env))]
    rows.append(("re-run, nothing changed", *run(root, out, args, workers, env)))
    changed = sorted(root.rglob("*.pdf"))[workers or 0]
    changed.write_bytes(changed.read_bytes() + b"\n% changed\n")
    rows.append(("re-run, one file changed", *run(root, out, args, workers, env)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--workers", default="", help="a count, or counts to compare: 1,2 (default: the cores)")
    parser.add_argument("--formats", help="e.g. json (default: every archive format)")
    parser.add_argument("--pool", choices=("threads", "processes"))
    parser.add_argument("--server", choices=("temporary", "running"), default="temporary",
                        help="each run starts its own temporary Prefect server (what a bare `jixiao archive` "
                             "does), or all use one server started first (the nightly setup)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="repeat every measurement, worker counts interleaved, and give medians")
    parser.add_argument("--keep", type=Path, help="build and keep the archive and outputs here")
    parser.add_argument("--against", type=Path, metavar="CHECKOUT",
                        help="compare first runs of this code with those of another checkout, alternating")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",") if w] or [None]

    base = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    root = base / "archive"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.setdefault("PREFECT_HOME", str(base / "prefect-home"))
    server = None
    try:
        if not root.exists():
            build(root, args.reports)
        sys.path.insert(0, str(ROOT))
        from flows.server import TemporaryServer
        from flows.settings import configure

        # the server gets the settings `jixiao archive` gives the one it starts
        os.environ.update({k: env[k] for k in (*configure(env), "PREFECT_HOME")})
        server = TemporaryServer().start()
        url = server.wait()  # a fresh PREFECT_HOME: its database is created now, not in the first timed run
        if args.server == "running":
            env["PREFECT_API_URL"] = url
        else:
            server.stop()
        if args.against:
            return against(root, base, args, counts[0], env)
        repeats: dict = {w: [] for w in counts}
        for _ in range(args.repeat):  # interleaved, so a busy spell on the machine hits every count alike
            for w in counts:
                repeats[w].append(runs(root, base / f"out-{w}", args, w, env))
        results = {w: [(name, statistics.median(rep[i][1] for rep in reps), reps[-1][i][2])
                       for i, (name, _, _) in enumerate(reps[0])] for w, reps in repeats.items()}
    finally:
        if server is not None:
            server.stop()
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"{args.reports} reports, {os.cpu_count()} cores, formats={args.formats or 'all'}, "
          f"pool={args.pool or 'threads'}, Prefect server: {args.server}, median of {args.repeat}\n")
    print("| workers | run | seconds | checked | cached | reports / minute |")
    print("|---:|---|---:|---:|---:|---:|")
    for w, rows in results.items():
        for name, seconds, t in rows:
            rate = f"{t['checked'] / seconds * 60:.0f}" if t["checked"] > 1 else ""
            print(f"| {w or 'cores'} | {name} | {seconds:.1f} | {t['checked']} | {t['cached']} | {rate} |")
    if len(results) > 1:
        (w1, a), (w2, b) = list(results.items())[:2]
        # the marginal rate: a first run minus a run that checks one file, the fixed cost of a run
        marginal = [(r[0][1] - r[2][1]) / (args.reports - 1) for r in (a, b)]
        print(f"\nSpeed-up from {w1} to {w2} workers: {a[0][1] / b[0][1]:.2f}x wall-clock "
              f"({a[0][1]:.1f} s -> {b[0][1]:.1f} s); {marginal[0] / marginal[1]:.2f}x per report once a run "
              f"has started ({marginal[0] * 1000:.0f} -> {marginal[1] * 1000:.0f} ms a report; a run's fixed cost "
              f"{a[2][1]:.1f} s / {b[2][1]:.1f} s)")


def against(root: Path, base: Path, args: argparse.Namespace, workers: int | None, env: dict) -> None:
    """First runs of two checkouts, alternating (the other first), each into an empty OUT."""
    trees = {"other": args.against.resolve(), "this": ROOT}
    times: dict[str, list[float]] = {name: [] for name in trees}
    checked = {}
    for _ in range(args.repeat):
        for name, code in trees.items():
            out = base / f"out-{name}"
            shutil.rmtree(out, ignore_errors=True)
            seconds, totals = run(root, out, args, workers, env, code)
            times[name].append(seconds)
            checked[name] = totals["checked"]
    print(f"{args.reports} reports, first runs, workers={workers or 'cores'}, formats={args.formats or 'all'}, "
          f"Prefect server: {args.server}, median of {args.repeat}, alternating\n")
    print("| code | seconds | checked | reports / minute |")
    print("|---|---:|---:|---:|")
    rates = {}
    for name, code in trees.items():
        seconds = statistics.median(times[name])
        rates[name] = checked[name] / seconds * 60
        label = "this checkout" if name == "this" else f"`{code}`"
        print(f"| {label} | {seconds:.1f} | {checked[name]} | {rates[name]:.0f} |")
    print(f"\nReports per minute: {rates['this'] / rates['other']:.2f}x the other checkout's")


if __name__ == "__main__":
    main()
