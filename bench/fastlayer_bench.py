"""Does a faster text layer pay for itself? PDFium against pdfminer for the page characters.

    python bench/fastlayer_bench.py [--runs 3] [--pages 200]

For every fixture report: the time to read its pages with pdfplumber (jixiao's reader) and
with bench/fastlayer.py (PDFium where it suffices, pdfplumber elsewhere), each the median
of --runs runs; then whether the two give the same report: the same lines, the same JSON
document (boxes aside), the same figures and findings (text aside). Then `jixiao check`
in-process (read, reconcile, JSON) of the sample and of a --pages-page report both ways.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import fastlayer  # noqa: E402  (beside this file)
from bench import long_report, timed  # noqa: E402

from extract import reader  # noqa: E402
from extract.pdf import read_pages  # noqa: E402

GEOMETRY = {"bbox", "boxes", "x0", "x1", "top", "bottom"}
# Fields that carry printed text (a quote, a label, a message quoting it) or are made from it.
TEXT = {"quote", "text", "sentence", "title", "excerpt", "label", "message", "expression", "note", "id", "ids",
        "finding_ids", "name_as_printed"}


def document(path: Path, fast: bool) -> dict:
    from reconcile import reconcile
    from reconcile.document import document as build

    reader.read_pages = (lambda p, *a, **k: fastlayer.read_pages(p)[0]) if fast else read_pages
    try:
        report = reader.read_pdf(path)
        return build(report, reconcile(report))
    finally:
        reader.read_pages = read_pages


def without(value, keys: set):
    if isinstance(value, dict):
        return {k: without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without(v, keys) for v in value]
    return value


def _outcome(path: Path, fast: bool):
    """The document, or the error (a generated notice without figures is refused both ways, say)."""
    try:
        return document(path, fast)
    except Exception as exc:
        return {"error": type(exc).__name__, "message": str(exc)}


def compare_extra(paths: list[Path]) -> None:
    """How many of these PDFs give the same lines, document and figures both ways."""
    same = {"lines": 0, "document": 0, "figures": 0}
    pages = fast = 0
    for path in paths:
        plain, (ours, read_fast) = read_pages(path), fastlayer.read_pages(path)
        pages, fast = pages + len(plain), fast + read_fast
        same["lines"] += [[ln.text for ln in p.lines] for p in plain] == [[ln.text for ln in p.lines] for p in ours]
        a, b = (_outcome(path, fast) for fast in (False, True))
        same["document"] += without(a, GEOMETRY) == without(b, GEOMETRY)
        same["figures"] += without(a, GEOMETRY | TEXT) == without(b, GEOMETRY | TEXT)
    n = len(paths)
    print(f"\n{n} more PDFs ({pages} pages, {fast} read by PDFium): same lines {same['lines']}/{n}, "
          f"same document {same['document']}/{n}, same figures and findings {same['figures']}/{n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--extra", type=Path, metavar="DIR",
                        help="also compare the reports of every PDF in DIR (e.g. the generator's: "
                             "python -m fixtures.generate.accuracy --pdf --keep DIR)")
    args = parser.parse_args()
    document(ROOT / "fixtures" / "sample" / "report.pdf", True)  # imports, jieba, once
    rows, totals = [], {"pages": 0, "fast": 0, "slow": 0.0, "quick": 0.0, "lines": 0, "docs": 0, "figures": 0}
    fixtures = sorted((ROOT / "fixtures").glob("*/report.pdf"))
    for path in fixtures:
        slow = timed(lambda: read_pages(path), args.runs)
        quick = timed(lambda: fastlayer.read_pages(path), args.runs)
        plain, (ours, fast) = read_pages(path), fastlayer.read_pages(path)
        same_lines = [[ln.text for ln in p.lines] for p in plain] == [[ln.text for ln in p.lines] for p in ours]
        a, b = document(path, False), document(path, True)
        same_doc = without(a, GEOMETRY) == without(b, GEOMETRY)
        same_figures = without(a, GEOMETRY | TEXT) == without(b, GEOMETRY | TEXT)
        rows.append((path.parent.name, len(plain), fast, slow, quick, same_lines, same_doc, same_figures))
        for key, value in zip(("pages", "fast", "slow", "quick", "lines", "docs", "figures"),
                              (len(plain), fast, slow, quick, same_lines, same_doc, same_figures)):
            totals[key] += value
    print("| fixture | pages | PDFium pages | pdfplumber | PDFium + pdfplumber | same lines | same document "
          "| same figures and findings |")
    print("|---|---:|---:|---:|---:|:-:|:-:|:-:|")
    for name, pages, fast, slow, quick, lines, doc, figures in rows:
        print(f"| {name} | {pages} | {fast} | {slow * 1000:.0f} ms | {quick * 1000:.0f} ms | "
              f"{'yes' if lines else 'no'} | {'yes' if doc else 'no'} | {'yes' if figures else 'no'} |")
    n = len(fixtures)
    print(f"| **all {n}** | {totals['pages']} | {totals['fast']} | {totals['slow'] * 1000:.0f} ms | "
          f"{totals['quick'] * 1000:.0f} ms ({totals['slow'] / totals['quick']:.1f}x) | {totals['lines']}/{n} | "
          f"{totals['docs']}/{n} | {totals['figures']}/{n} |")

    if args.extra:
        compare_extra(sorted(args.extra.rglob("*.pdf")))
    from reconcile.document import dumps

    def check(path: Path, fast: bool) -> None:
        dumps(document(path, fast))

    sample = ROOT / "fixtures" / "sample" / "report.pdf"
    print("\n| `jixiao check` in-process | pdfplumber | PDFium + pdfplumber | ratio |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        long = long_report(args.pages, Path(tmp))
        for name, path, runs in (("the sample (9 pages)", sample, args.runs), (f"{args.pages} pages", long, 1)):
            slow = timed(lambda: check(path, False), runs)
            quick = timed(lambda: check(path, True), runs)
            pages = 9 if path == sample else args.pages
            print(f"| {name} | {slow * 1000:.0f} ms ({slow / pages * 1000:.1f} ms/page) | {quick * 1000:.0f} ms "
                  f"({quick / pages * 1000:.1f} ms/page) | {slow / quick:.1f}x |")


if __name__ == "__main__":
    main()
