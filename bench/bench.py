"""Where the time goes in `jixiao check`, against the floor: a bare pdfplumber pass.

    python bench/bench.py [--runs 5] [--pages 200]

Each figure is the median of --runs runs; the floor is measured in the same run, so
the ratios hold on a noisy machine. Prints a Markdown table (the README's).

- floor: open the PDF with pdfplumber, read every page's characters and words, close;
- extraction: extract.read_pdf (characters once, lines, tables, paragraphs, parsing);
- check in-process: read_pdf + reconcile + JSON document;
- check as a process: `jixiao check FILE` from start to exit, start-up included, against
  the floor as a process (Python started, pdfplumber imported, every page read), the two
  alternating run by run;
- a long report (the sample's pages repeated to --pages pages, built with pypdfium2):
  `jixiao extract` and `jixiao check` as processes against the floor as a process,
  alternating; time per page and peak memory of `jixiao check` against the sample's.
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


FLOOR_PROCESS = ("import sys, pdfplumber\n"
                 "with pdfplumber.open(sys.argv[1]) as pdf:\n"
                 "    for page in pdf.pages:\n"
                 "        page.chars; page.extract_words(); page.close()\n")


def process(path: Path, command: str = "check") -> tuple[float, int]:
    """Wall time and peak resident memory (KiB) of `jixiao COMMAND FILE` as its own process tree
    ("floor": the bare pdfplumber pass as a process)."""
    argv = ([sys.executable, "-c", FLOOR_PROCESS] if command == "floor"
            else [sys.executable, "-m", "flows.cli", command])
    code = ("import resource, subprocess, sys, time;"
            "t = time.perf_counter();"
            "subprocess.run(sys.argv[2:] + [sys.argv[1]], stdout=subprocess.DEVNULL);"
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(path), *argv], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout.split()
    return float(out[0]), int(out[1])


def alternating(path: Path, commands: tuple[str, ...], runs: int) -> dict[str, list[tuple[float, int]]]:
    """Each command as a process, `runs` times, in turn: a busy spell hits all of them alike."""
    found: dict[str, list[tuple[float, int]]] = {c: [] for c in commands}
    for _ in range(runs):
        for command in commands:
            found[command].append(process(path, command))
    return found


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
    whole = alternating(SAMPLE, ("floor", "check"), args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        long = long_report(args.pages, Path(tmp))
        long_runs = alternating(long, ("floor", "extract", "check"), max(1, args.runs // 2))
    pages = 9

    def median(found, command, which=0):
        return statistics.median(run[which] for run in found[command])

    wall, floor_wall, memory = median(whole, "check"), median(whole, "floor"), median(whole, "check", 1)
    long_wall, long_floor = median(long_runs, "check"), median(long_runs, "floor")
    long_extract, long_memory = median(long_runs, "extract"), median(long_runs, "check", 1)
    print(f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; "
          f"median of {args.runs} runs\n")
    print("| measure | time | ratio / note |")
    print("|---|---:|---|")
    print(f"| floor: bare pdfplumber pass over the sample ({pages} pages) | {base * 1000:.0f} ms | 1.00 |")
    print(f"| jixiao extraction (read_pdf) | {ours * 1000:.0f} ms | {ours / base:.2f} × floor |")
    print(f"| `jixiao check` in-process (extract + reconcile + JSON) | {inproc * 1000:.0f} ms | "
          f"{inproc / base:.2f} × floor |")
    print(f"| floor as a process: Python, pdfplumber's import, the sample's pages | {floor_wall:.2f} s | 1.00 |")
    print(f"| `jixiao check` of the sample as a process | {wall:.2f} s | {wall / floor_wall:.2f} × the floor process; "
          f"peak {memory / 1024:.0f} MiB |")
    print(f"| floor as a process, {args.pages}-page report | {long_floor:.1f} s | 1.00 |")
    print(f"| `jixiao extract`, {args.pages}-page report, as a process | {long_extract:.1f} s | "
          f"{long_extract / long_floor:.2f} × the floor process |")
    print(f"| `jixiao check`, {args.pages}-page report, as a process | {long_wall:.1f} s | "
          f"{long_wall / long_floor:.2f} × the floor process; {long_wall / args.pages * 1000:.0f} ms/page; "
          f"peak {long_memory / 1024:.0f} MiB = {long_memory / memory:.2f} × the sample's |")


if __name__ == "__main__":
    main()
