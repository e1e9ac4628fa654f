"""Where the time goes in `jixiao check`, against the floor: a bare pdfplumber pass.

    python bench/bench.py [--runs 5] [--pages 200]

Each figure is the median of --runs runs; the floor is measured in the same run, so
the ratios hold on a noisy machine. Prints a Markdown table (the README's).

- floor: open the PDF with pdfplumber, read every page's characters and words, close;
- extraction: extract.read_pdf (characters once, lines, tables, paragraphs, parsing);
- check in-process: read_pdf + reconcile + JSON document;
- check as a process: `jixiao check FILE` from start to exit, start-up included;
- a long report (the sample's pages repeated to --pages pages, built with pypdfium2):
  time per page and peak memory of `jixiao check` against the sample's.
Archive runs: bench/archive_bench.py.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample" / "report.pdf"


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def floor(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.chars
            page.extract_words()
            page.close()


def extraction(path: Path) -> None:
    from extract import read_pdf

    read_pdf(path)


def check_in_process(path: Path) -> None:
    from extract import read_pdf
    from reconcile import reconcile
    from reconcile.document import document, dumps

    report = read_pdf(path)
    dumps(document(report, reconcile(report)))


def process(path: Path) -> tuple[float, int]:
    """Wall time and peak resident memory (KiB) of `jixiao check` as its own process tree."""
    code = ("import resource, subprocess, sys, time;"
            "t = time.perf_counter();"
            "subprocess.run([sys.executable, '-m', 'flows.cli', 'check', sys.argv[1]], stdout=subprocess.DEVNULL);"
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout.split()
    return float(out[0]), int(out[1])


def long_report(pages: int, folder: Path) -> Path:
    import pypdfium2

    source = pypdfium2.PdfDocument(str(SAMPLE))
    target = pypdfium2.PdfDocument.new()
    while len(target) < pages:
        take = min(len(source), pages - len(target))
        target.import_pages(source, list(range(take)))
    path = folder / f"long-{pages}.pdf"
    target.save(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    check_in_process(SAMPLE)  # imports and jieba's dictionary, once, outside the timings
    base = timed(lambda: floor(SAMPLE), args.runs)
    ours = timed(lambda: extraction(SAMPLE), args.runs)
    inproc = timed(lambda: check_in_process(SAMPLE), args.runs)
    whole = [process(SAMPLE) for _ in range(args.runs)]
    with tempfile.TemporaryDirectory() as tmp:
        long = long_report(args.pages, Path(tmp))
        long_floor = timed(lambda: floor(long), 1)
        long_runs = [process(long) for _ in range(max(1, args.runs // 2))]
    pages = 9
    wall = statistics.median(t for t, _ in whole)
    memory = statistics.median(m for _, m in whole)
    long_wall = statistics.median(t for t, _ in long_runs)
    long_memory = statistics.median(m for _, m in long_runs)
    print(f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; "
          f"median of {args.runs} runs\n")
    print("| measure | time | ratio / note |")
    print("|---|---:|---|")
    print(f"| floor: bare pdfplumber pass over the sample ({pages} pages) | {base * 1000:.0f} ms | 1.00 |")
    print(f"| jixiao extraction (read_pdf) | {ours * 1000:.0f} ms | {ours / base:.2f} × floor |")
    print(f"| `jixiao check` in-process (extract + reconcile + JSON) | {inproc * 1000:.0f} ms | "
          f"{inproc / base:.2f} × floor |")
    print(f"| `jixiao check` as a whole process | {wall:.2f} s | start-up included; peak {memory / 1024:.0f} MiB |")
    print(f"| {args.pages}-page report, `jixiao check` as a process | {long_wall:.1f} s | "
          f"{long_wall / args.pages * 1000:.0f} ms/page; floor {long_floor / args.pages * 1000:.0f} ms/page; "
          f"peak {long_memory / 1024:.0f} MiB = {long_memory / memory:.2f} × the sample's |")


if __name__ == "__main__":
    main()
