"""Prefect's background services failing at the end of a run (its events worker, on a loaded
machine) printed ten lines after the run's one line (seen once in the full suite); the
filters drop exactly those, and nothing of other code."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SERVICE = """
import asyncio

async def _run():  # as prefect._internal.concurrency.services' _QueueServiceBase._run ends
    try:
        await asyncio.sleep(3600)
    finally:
        assert False
"""

DRIVER = """
import asyncio, gc, importlib.util, logging, sys
from flows.archive_cli import _no_service_noise

logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
spec = importlib.util.spec_from_file_location("service", sys.argv[1])
service = importlib.util.module_from_spec(spec)
spec.loader.exec_module(service)
with _no_service_noise(debug=sys.argv[2] == "debug"):
    loop = asyncio.new_event_loop()  # a task left pending, its loop gone: what a stopped loop thread leaves
    task = loop.create_task(service._run())
    loop.call_soon(loop.stop)
    loop.run_forever()
    loop.close()
    del task
    gc.collect()
print("jixiao: the run's own line", file=sys.stderr)
"""


@pytest.mark.parametrize(("where", "debug", "quiet"), [("prefect/_internal/concurrency", "", True),
                                                        ("elsewhere", "", False),
                                                        ("prefect/_internal/concurrency", "debug", False)])
def test_only_prefects_service_tasks_are_kept_quiet_and_not_with_debug(tmp_path, where, debug, quiet):
    folder = tmp_path / where
    folder.mkdir(parents=True)
    (folder / "services.py").write_text(SERVICE, encoding="utf-8")
    (tmp_path / "driver.py").write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    err = subprocess.run([sys.executable, str(tmp_path / "driver.py"), str(folder / "services.py"), debug],
                         env=env, capture_output=True, text=True, timeout=120).stderr
    if quiet:
        assert err == "jixiao: the run's own line\n"
    else:
        assert "Task was destroyed but it is pending" in err and "AssertionError" in err
