"""flows.server: the temporary Prefect server started early, found on another port when its own
is taken, and stopped unused when a server is configured after all."""

import json
import socket
import time

import pytest

from flows import server as server_module
from flows.server import TemporaryServer


@pytest.fixture
def own_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


def test_a_taken_port_is_given_up_for_another_and_the_server_answers(own_home, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # a proxy that answers nothing: not used
    monkeypatch.setenv("no_proxy", "")
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = iter([taken.getsockname()[1]])
    free = server_module._free_port
    monkeypatch.setattr(server_module, "_free_port", lambda: next(ports, None) or free())
    server = TemporaryServer().start()
    try:
        url = server.wait(timeout=120)
        assert server.port != taken.getsockname()[1]
        with server_module._DIRECT.open(f"{url}/health", timeout=5) as response:
            assert json.loads(response.read()) is True
        process = server.process
    finally:
        server.stop()
        taken.close()
    assert server.process is None and process.returncode is not None  # stopped, and stop() again is harmless
    server.stop()


def test_an_early_server_is_stopped_unused_when_a_server_is_configured(own_home):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.settings import api

    server = TemporaryServer().start()
    process = server.process
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        with api(server=server) as url:
            assert url == "http://127.0.0.1:4200/api"
            assert process.poll() is not None and server.process is None


def test_a_server_that_cannot_start_is_one_clear_error_not_a_wait(monkeypatch, tmp_path):
    from extract.errors import ExitCode, UsageError

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "file" / "prefect-home"))  # below a file: no database
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server = TemporaryServer()
    with pytest.raises(UsageError, match="临时服务器启动失败") as raised:
        server.wait(timeout=120)
    assert raised.value.exit_code == ExitCode.usage and "PREFECT_HOME" in raised.value.remedy
    assert server.process is None


def test_the_server_leads_its_own_process_group_and_watches_its_parent(own_home):
    import os

    server = TemporaryServer().start()
    process = server.process
    try:
        assert os.getpgid(process.pid) == process.pid != os.getpgid(0)  # Ctrl-C goes to the parent alone
        for _ in range(200):  # once it has exec'd
            with open(f"/proc/{process.pid}/cmdline", "rb") as handle:
                command = handle.read().split(b"\0")
            if len(command) > 4:
                break
            time.sleep(0.01)
        assert command[1:5] == [b"-c", server_module.GUARD.encode(), str(os.getpid()).encode(), b"1"]
    finally:
        server.stop()
    assert process.returncode is not None
