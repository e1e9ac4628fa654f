"""The archive run's parent process: its peak resident memory over a first run of N reports.

    python bench/parent_memory.py                  # 1,000 reports, two workers, JSON outputs
    python bench/parent_memory.py --reports 200 --formats json,html,xlsx

The parent holds the plan, every file's record and the summary; each file is checked in a
child of its own, whose memory is not counted here. The parent's VmRSS is read from /proc
every 0.2 s while the real `jixiao archive` command runs in its own process (with its own
temporary Prefect server, which is a process of its own too and not counted either).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_bench import ROOT, build  # noqa: E402  (the same archive as the speed benchmark)


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--formats", default="json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jixiao-memory-") as tmp:
        root, out = Path(tmp) / "archive", Path(tmp) / "out"
        build(root, args.reports)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        env["PREFECT_HOME"] = str(Path(tmp) / "prefect-home")
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out),
                                 "--workers", str(args.workers), "--formats", args.formats, "--quiet"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        samples = []
        while proc.poll() is None:
            value = rss_mib(proc.pid)
            if value is not None:
                samples.append((time.monotonic() - start, value))
            time.sleep(0.2)
        err = proc.stderr.read()
        took = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"the run failed ({proc.returncode}): {err}")
    peak = max(v for _, v in samples)
    quarter = [v for t, v in samples if t >= took / 4]
    print(f"{args.reports} reports, {args.workers} workers, formats {args.formats}: {took:.0f} s; "
          f"parent peak RSS {peak:.0f} MiB (after the first quarter of the run: {min(quarter):.0f}–{max(quarter):.0f} MiB)")


if __name__ == "__main__":
    main()
