"""Prefect's temporary API server for one archive run, started before Prefect is imported.

    server = TemporaryServer().start()      # returns at once: uvicorn boots in its own process
    ...                                     # meanwhile: import Prefect, warm up, triage
    url = server.wait()                     # ready: http://127.0.0.1:PORT/api
    server.stop()

Prefect's own `SubprocessASGIServer` does the same but only from a parent that has imported
`prefect.server.api.server` (2.6 s here, all of it spent again in the server process) and
blocks until the server answers. Started this way the 3–4 s the server takes to boot
overlap with the parent's own start-up, which is most of an archive run's fixed cost on two
cores. The command and environment are Prefect's (uvicorn on 127.0.0.1, UI off, ephemeral):
the server reads the same settings, profile and PREFECT_HOME as the parent.

The server does not outlive the run, even one killed with SIGKILL: it runs in its own
process group (a terminal's Ctrl-C goes to the parent, which stops it), and a small guard
(`GUARD`, run before uvicorn in the server's process) kills that group when the parent
dies: PR_SET_PDEATHSIG when the parent's main thread started it (the signal follows the
thread that forked, and the main thread lives as long as the process), and in any case a
thread that looks at the parent every GUARD_POLL seconds.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from extract.errors import UsageError

# uvicorn's exit status when the port is taken (another process got it first): try another.
PORT_IN_USE = 3
REMEDY = ("请检查 PREFECT_HOME 是否可写，或加大 PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS；"
          "也可先运行 `prefect server start` 并设置 PREFECT_API_URL=http://127.0.0.1:4200/api")
# The health check goes straight to 127.0.0.1, never through an HTTP proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
GUARD_POLL = 0.25  # seconds between the guard's looks at the parent
# `python -c GUARD PARENT_PID PDEATHSIG uvicorn-arguments…`: uvicorn, in a process that dies with its parent.
GUARD = f"""
import os, signal, sys, threading, time
parent, pdeathsig = int(sys.argv[1]), sys.argv[2] == "1"
if pdeathsig:
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
def end():
    try:
        os.killpg(os.getpid(), signal.SIGKILL)  # its group, when it leads one
    except OSError:
        os.kill(os.getpid(), signal.SIGKILL)
def watch():
    while os.getppid() == parent:
        time.sleep({GUARD_POLL})
    end()
if os.getppid() != parent:
    end()
threading.Thread(target=watch, name="parent-watch", daemon=True).start()
import uvicorn
uvicorn.main(sys.argv[3:], prog_name="uvicorn")
"""


def _taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryServer:
    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> TemporaryServer:
        """Launch the server and return without waiting for it."""
        if self.process is None:
            self.port = _free_port()
            # Prefect's own --app-dir: the folder it is installed in, found without importing it
            spec = importlib.util.find_spec("prefect")
            app_dir = os.path.dirname(next(iter(spec.submodule_search_locations)))
            main_thread = threading.current_thread() is threading.main_thread()
            self.process = subprocess.Popen(
                [sys.executable, "-c", GUARD, str(os.getpid()), "1" if main_thread else "0",
                 "--app-dir", app_dir, "--factory", "prefect.server.api.server:create_app",
                 "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
                env={**os.environ, **SERVER_ENV}, stdin=subprocess.DEVNULL, process_group=0)
        return self

    def wait(self, timeout: float | None = None) -> str:
        """Block until the server answers its health check; its API URL. Raises UsageError
        (exit status 2, a setup problem) when it exits or does not answer in `timeout` seconds."""
        self.start()
        if timeout is None:
            timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.process.poll()
            if status == PORT_IN_USE and _taken(self.port):  # another process got the port first
                self.process = None
                self.start()
                continue
            if status is not None:  # uvicorn exits 3 too when the app fails to start
                self.process = None
                raise UsageError(f"Prefect 临时服务器启动失败（退出码 {status}）", REMEDY)
            try:
                with _DIRECT.open(f"{self.api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        return self.api_url
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise UsageError(f"Prefect 临时服务器在 {timeout:g} 秒内未就绪", REMEDY)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL to its process group after 5 s); safe to call
        more than once."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                process.kill()
            process.wait()
