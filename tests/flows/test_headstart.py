"""The head start: files checked while the temporary Prefect server boots count as checked by the
run, are stored as the flow stores them, and leave nothing for the flow to check twice."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flows import store
from flows.archive_cli import triaged
from flows.headstart import HeadStart
from tests.conftest import FIXTURES, ROOT
from tests.flows.test_operator import _archive, _env, _records

pytestmark = pytest.mark.flows

# `jixiao archive` in a process, with HeadStart.finish counting what it claims from the head start.
RUN = """
import sys
from flows import headstart, cli
finish = headstart.HeadStart.finish
def counted(self):
    done = finish(self)
    print("HEAD", len(done), file=sys.stderr)
    return done
headstart.HeadStart.finish = counted
sys.exit(cli.main(sys.argv[1:]))
"""


def test_a_first_run_checks_files_while_its_server_boots_and_counts_them_as_checked(tmp_path):
    root, out = _archive(tmp_path / "archive", 24), tmp_path / "out"
    run = subprocess.run([sys.executable, "-c", RUN, "archive", str(root), "--out", str(out), "--formats", "json",
                          "--workers", "2"], cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr  # the sample's findings
    head = [int(line.split()[1]) for line in run.stderr.splitlines() if line.startswith("HEAD ")]
    assert len(head) == 1 and 1 <= head[0] <= 24, run.stderr  # some files were checked before the flow began
    totals = json.loads((out / "summary.json").read_text(encoding="utf-8"))["totals"]
    assert (totals["files"], totals["checked"], totals["cached"], totals["failed"]) == (24, 24, 0, 0)
    assert len(_records(out)) == 24  # each stored once
    files = json.loads((out / "summary.json").read_text(encoding="utf-8"))["files"]
    assert all(f["status"] == "checked" and not f["cached"] for f in files)

    again = subprocess.run([sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out),
                            "--formats", "json"], cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True,
                           timeout=300)
    totals = json.loads((out / "summary.json").read_text(encoding="utf-8"))["totals"]
    assert again.returncode == 1 and (totals["checked"], totals["cached"]) == (0, 24), again.stderr


def _head(root, out, workers: int) -> HeadStart:
    """A head start over what the command line's triage finds to check."""
    the_plan, kept = triaged(str(root), str(out), formats=["json"])
    return HeadStart(the_plan.to_check, kept, workers, formats=["json"])


def test_finish_stops_after_the_files_in_flight_and_stores_what_is_done(tmp_path):
    """In the process itself: two workers, stopped at once; what they finished is stored and
    returned, what they did not start is left to the flow."""
    root, out = _archive(tmp_path / "archive", 12), tmp_path / "out"
    head = _head(root, out, 2).start()
    done = head.finish()
    assert len(done) <= 12
    kept = store.Store(out, store.versions(None, ("json",)))
    assert all(kept.get(sha) is not None for sha in done)
    assert all(record["status"] == "checked" for record in done.values())
    head = _head(root, out, 2)
    assert len(head.pending) == 12 - len(done)  # a new head start's plan: the stored ones are cached


def test_a_file_that_fails_in_the_head_start_is_stored_as_failed(tmp_path):
    root = tmp_path / "archive"
    root.mkdir()
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"garbage" * 100)
    (root / "good.pdf").write_bytes((FIXTURES / "sample" / "report.pdf").read_bytes())
    head = _head(root, tmp_path / "out", 1).start()
    for thread in head.threads:
        thread.join(timeout=60)
    done = head.finish()
    assert sorted(record["status"] for record in done.values()) == ["checked", "failed"]
