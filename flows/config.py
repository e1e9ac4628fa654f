"""Defaults for the command line from a config file: --config, ./jixiao.toml, or the user's config folder."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from extract.errors import UsageError

# Keys a config file may set, and the command-line option each stands for.
KEYS = {"patterns": "patterns", "max_pages": "max_pages", "max_size": "max_size", "timeout": "timeout",
        "max_memory": "max_memory", "workers": "workers", "reviews": "reviews", "formats": "formats",
        "fail_on": "fail_on"}


def config_path(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    local = Path("jixiao.toml")
    if local.is_file():
        return local
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    user = base / "jixiao" / "config.toml"
    return user if user.is_file() else None


def load_config(explicit: str | None) -> dict:
    """The settings of the config file in force, with `patterns` made relative to that file."""
    path = config_path(explicit)
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"配置文件 {path} 无法读取（{exc}）", "请检查其 TOML 格式") from exc
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise UsageError(f"配置文件 {path} 有不认识的设置：{'、'.join(unknown)}",
                         f"可用的设置：{'、'.join(KEYS)}")
    for key in ("patterns", "reviews"):  # files named in a config file are relative to it
        if key in data:
            data[key] = str((path.parent / data[key]).resolve())
    return data
