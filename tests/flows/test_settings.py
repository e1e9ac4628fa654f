"""flows.settings: Prefect's settings are filled in before it is imported, and a user's own win."""

from pathlib import Path

from flows.settings import DEFAULTS, configure


def test_defaults_fill_only_what_is_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    env = {"PREFECT_LOGGING_LEVEL": "DEBUG", "XDG_DATA_HOME": str(tmp_path / "data")}
    chosen = configure(env)
    assert env["PREFECT_LOGGING_LEVEL"] == "DEBUG" and "PREFECT_LOGGING_LEVEL" not in chosen
    assert env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "120"
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["PREFECT_HOME"] == str(tmp_path / "data" / "jixiao" / "prefect")
    assert (tmp_path / "data" / "jixiao" / "prefect").is_dir()  # Prefect would not create the parents
    assert set(DEFAULTS) - {"PREFECT_LOGGING_LEVEL"} <= set(chosen)


def test_an_existing_prefect_home_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (Path(tmp_path) / ".prefect").mkdir()
    env: dict[str, str] = {}
    configure(env)
    assert "PREFECT_HOME" not in env  # the user's ~/.prefect profile stays in force
    env = {"PREFECT_HOME": "/somewhere"}
    configure(env)
    assert env["PREFECT_HOME"] == "/somewhere"
