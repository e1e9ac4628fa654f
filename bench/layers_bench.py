"""The two text layers side by side: pdfplumber for every page against PDFium where it suffices.

    python bench/layers_bench.py [--runs 3] [--pages 200] [--extra DIR]

For every fixture report and real report: the time to read its pages with pdfplumber alone
and with jixiao's reading (extract/pdf.py: PDFium where it can say as much, pdfplumber
elsewhere), each the median of --runs runs, the pages PDFium read, and whether the two give
the same lines and the same JSON document but for geometry. Then `jixiao check` in-process
(read, reconcile, JSON) of the sample and of a --pages-page report both ways.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import long_report, timed  # noqa: E402

from extract import reader  # noqa: E402
from extract.pdf import AUTO, PDFPLUMBER, read_pages  # noqa: E402

GEOMETRY = {"bbox", "boxes", "x0", "x1", "top", "bottom"}


def document(path: Path, layer: str) -> dict:
    from reconcile import reconcile
    from reconcile.document import document as build

    try:
        report = reader.read_pdf(path, layer=layer)
        return build(report, reconcile(report))
    except Exception as exc:  # a notice without figures is refused both ways, say
        return {"error": type(exc).__name__, "message": str(exc)}


def without(value, keys: set):
    if isinstance(value, dict):
        return {k: without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without(v, keys) for v in value]
    return value


def lines(pages) -> list[str]:
    return [ln.text for p in pages for ln in p.lines] + [c.text for p in pages for t in p.tables
                                                        for row in t.rows for c in row]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--extra", type=Path, metavar="DIR",
                        help="also compare every PDF in DIR (e.g. the generator's: "
                             "python -m fixtures.generate.accuracy --pdf --keep DIR)")
    args = parser.parse_args()
    sample = ROOT / "fixtures" / "sample" / "report.pdf"
    document(sample, AUTO)  # imports and jieba, once, outside the timings
    paths = sorted((ROOT / "fixtures").glob("*/report.pdf")) + sorted((ROOT / "fixtures" / "real").glob("*/report.pdf"))
    totals = {"pages": 0, "pdfium": 0, "slow": 0.0, "quick": 0.0, "lines": 0, "docs": 0}
    for path in paths:
        slow = timed(lambda: read_pages(path, layer=PDFPLUMBER), args.runs)
        quick = timed(lambda: read_pages(path), args.runs)
        plain, ours = read_pages(path, layer=PDFPLUMBER), read_pages(path)
        for key, value in (("pages", len(plain)), ("pdfium", sum(p.read_by == "pdfium" for p in ours)),
                           ("slow", slow), ("quick", quick), ("lines", lines(plain) == lines(ours)),
                           ("docs", without(document(path, PDFPLUMBER), GEOMETRY) == without(document(path, AUTO),
                                                                                               GEOMETRY))):
            totals[key] += value
    n = len(paths)
    print("| reports | pages | read by PDFium | pdfplumber alone | jixiao's reading | same lines | "
          "same document but geometry |")
    print("|---:|---:|---:|---:|---:|:-:|:-:|")
    print(f"| {n} fixtures and real reports | {totals['pages']} | {totals['pdfium']} | {totals['slow'] * 1000:.0f} ms "
          f"| {totals['quick'] * 1000:.0f} ms ({totals['slow'] / totals['quick']:.1f}x) | {totals['lines']}/{n} | "
          f"{totals['docs']}/{n} |")
    if args.extra:
        extra = sorted(args.extra.rglob("*.pdf"))
        same = sum(without(document(p, PDFPLUMBER), GEOMETRY) == without(document(p, AUTO), GEOMETRY) for p in extra)
        print(f"\n{len(extra)} more PDFs: the same document but geometry {same}/{len(extra)}")

    from reconcile.document import dumps

    print("\n| `jixiao check` in-process | pdfplumber alone | jixiao's reading | ratio |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        long = long_report(args.pages, Path(tmp))
        for name, path, runs, pages in (("the sample (9 pages)", sample, args.runs, 9),
                                        (f"{args.pages} pages", long, 1, args.pages)):
            slow = timed(lambda: dumps(document(path, PDFPLUMBER)), runs)
            quick = timed(lambda: dumps(document(path, AUTO)), runs)
            print(f"| {name} | {slow * 1000:.0f} ms ({slow / pages * 1000:.1f} ms/page) | {quick * 1000:.0f} ms "
                  f"({quick / pages * 1000:.1f} ms/page) | {slow / quick:.1f}x |")


if __name__ == "__main__":
    main()
