"""What Prefect's engine costs an archive run: the same functions with and without it.

    python bench/prefect_bench.py [--reports 100] [--workers 2] [--runs 3]

Both runs go over the same archive (bench/archive_bench.py's) in this one process, warm,
against one Prefect server started once (the engine's cost, not the server's boot):
- with Prefect: the `reconcile-archive` flow — discover, triage, check-files and
  summarise tasks, a thread-pool task runner, artifacts;
- without: the same plain functions (discover, plan.triage, pipeline.check_batch over the
  same batches in a thread pool, archive.collect, summary.finish).
Each figure is the median of --runs runs, alternating, each into a fresh output folder; the
two summaries are checked to be the same. Two archive sizes (--reports and a fifth of it)
split the engine's cost into a part per flow run and a part per report. Prints a Markdown
table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive_bench import build  # noqa: E402  (beside this file)

FORMATS = ["json"]


def with_prefect(root: Path, out: Path, workers: int) -> dict:
    from flows.archive import make_runner, reconcile_archive

    archive = reconcile_archive.with_options(task_runner=make_runner(workers))
    return archive(root=str(root), out=str(out), workers=workers, formats=FORMATS)


def without_prefect(root: Path, out: Path, workers: int) -> dict:
    from flows import isolate, pipeline, plan, store, summary
    from flows.archive import collect
    from flows.discover import discover

    formats = pipeline.archive_formats(FORMATS)
    kept = store.Store(out, store.versions(None, formats))
    the_plan = plan.triage(discover(str(root), exclude=(str(out),)), kept, False)
    with ThreadPoolExecutor(workers) as pool:
        futures = {pool.submit(pipeline.check_batch, group, formats, None, None, isolate.DEFAULT_TIMEOUT,
                               isolate.DEFAULT_MEMORY): group
                   for group in plan.batches(the_plan.to_check, workers)}
        records = collect(the_plan, kept, ((futures[f], f.exception() or f.result()) for f in as_completed(futures)))
    return summary.finish(root, out, the_plan, records, kept)


def same(a: dict, b: dict) -> bool:
    def files(s: dict) -> list:
        return [(f["path"], f["status"], f["exit_code"], f["finding_ids"]) for f in s["files"]]

    return a["totals"] == b["totals"] and files(a) == files(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="jixiao-prefect-bench-"))
    for name in [k for k in os.environ if k.startswith("PREFECT_API")]:
        del os.environ[name]  # one temporary server of the bench's own, started once
    os.environ["PREFECT_HOME"] = str(base / "prefect-home")
    from flows.settings import configure

    configure()
    from flows import pipeline
    from flows.settings import api

    sizes = sorted({max(1, args.reports // 5), args.reports})
    medians: dict[int, dict[str, float]] = {}
    try:
        with api():
            pipeline.warm(None, pipeline.archive_formats(FORMATS))
            for size in sizes:
                root = base / f"archive-{size}"
                build(root, size)
                times: dict[str, list[float]] = {"with": [], "without": []}
                summaries = {}
                for n in range(args.runs):
                    for name, fn in (("with", with_prefect), ("without", without_prefect)):
                        out = base / f"out-{name}-{size}-{n}"
                        start = time.perf_counter()
                        summaries[name] = fn(root, out, args.workers)
                        times[name].append(time.perf_counter() - start)
                        shutil.rmtree(out)
                if not same(summaries["with"], summaries["without"]):
                    sys.exit("the two runs disagree: not the same work")
                medians[size] = {name: statistics.median(t) for name, t in times.items()}
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"workers={args.workers}, median of {args.runs} runs each, one server running, warm process\n")
    print("| reports | without Prefect | with Prefect | Prefect's engine |")
    print("|---:|---:|---:|---:|")
    for size, m in medians.items():
        extra = m["with"] - m["without"]
        print(f"| {size} | {m['without']:.1f} s | {m['with']:.1f} s | {extra:+.1f} s ({extra / m['without'] * 100:+.0f} %) |")
    if len(sizes) == 2:
        (a, ma), (b, mb) = medians.items()
        per_file = ((mb["with"] - mb["without"]) - (ma["with"] - ma["without"])) / (b - a)
        fixed = (ma["with"] - ma["without"]) - per_file * a
        print(f"\nPrefect's engine: {fixed:.2f} s a flow run + {per_file * 1000:.0f} ms a report "
              f"(the check itself: {mb['without'] / b * 1000:.0f} ms a report at {args.workers} workers)")


if __name__ == "__main__":
    main()
