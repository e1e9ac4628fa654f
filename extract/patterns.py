"""The phrasing data (field words, markers, list shapes) loaded and compiled once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from extract.numbers import CHINESE_NUMERAL, NUMBER

COUNT = rf"\d+|{CHINESE_NUMERAL}"


@dataclass(frozen=True)
class Patterns:
    """Compiled phrasings. `field_of` maps each field word to its field name."""

    data: dict
    field_of: dict[str, str]
    fact: re.Pattern
    marker: re.Pattern
    groups: tuple[re.Pattern, ...]
    enumerations: tuple[re.Pattern, ...]
    department_subjects: tuple[str, ...]
    department_label: str
    title_words: tuple[str, ...]
    organization_end: tuple[str, ...]
    organization_start: tuple[str, ...]
    percent_fields: frozenset[str]
    table_words: dict[str, str]  # column heading word → field
    table_keywords: dict[str, str]  # jieba word → field, when no heading word is found
    total_words: tuple[str, ...]
    subtotal_words: tuple[str, ...]
    funding_total: tuple[str, ...]
    grade_words: tuple[str, ...]

    @cached_property
    def prose(self):
        """The general reading's lexicon (role words, cues, units), compiled once."""
        from extract.prose import Lexicon

        return Lexicon.of(self.data)

    def heading(self, text: str) -> tuple[int | None, int]:
        """The list level of a paragraph (0 outermost) and where its marker ends."""
        match = self.marker.match(text)
        if not match:
            return None, 0
        level = next(i for i, g in enumerate(match.groups()) if g is not None)
        return level, match.end()


def merge(base: dict, extra: dict) -> dict:
    """Overlay a user's patterns on the shipped ones: tables merge, lists of words extend,
    lists of entries ([[groups]]) are prepended so that a user's entry is tried first."""
    merged = dict(base)
    for key, value in extra.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[key] = merge(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            if value and isinstance(value[0], dict):
                merged[key] = value + old
            else:
                merged[key] = list(dict.fromkeys(value + old))
        else:
            merged[key] = value
    return merged


def shipped_data() -> dict:
    text = resources.files("extract").joinpath("data/patterns.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=8)
def load(user_file: str | None = None) -> Patterns:
    """The shipped patterns, overlaid with a user's TOML file when one is given.

    A user's file that cannot be read, is not TOML, or holds a phrasing that does not compile
    (or is not shaped as the shipped ones) is a usage error (exit 2) that names the file and
    what is wrong — said before any report is read, not as an internal error per report.
    """
    data = shipped_data()
    if not user_file:
        return compile_patterns(data)
    from extract.errors import UsageError

    try:
        data = merge(data, tomllib.loads(Path(user_file).read_text(encoding="utf-8")))
    except OSError as exc:
        raise UsageError(f"无法读取写法文件 {user_file}（{exc.strerror or exc}）", "请检查 --patterns 给出的路径") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"写法文件 {user_file} 不是有效的 UTF-8 TOML（{exc}）", "请检查其格式") from None
    try:
        return compile_patterns(data)
    except re.error as exc:
        culprit = _culprit(data) or (exc.pattern if isinstance(exc.pattern, str) else "")
        raise UsageError(f"写法文件 {user_file} 中的正则表达式“{culprit}”无法编译（{exc}）",
                         "请修正该写法（可用 jixiao patterns --patterns 文件 逐条检查）") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"写法文件 {user_file} 的结构与内置写法不符（{type(exc).__name__}: {exc}）",
                         "请对照 extract/data/patterns.toml 修改") from None


def _culprit(data: dict) -> str | None:
    """The first heading marker or entry pattern that does not compile on its own."""
    pieces = list(data.get("headings", {}).get("markers", []))
    pieces += [e.get("pattern", "") for key, value in data.items() if isinstance(value, list)
               for e in value if isinstance(e, dict)]
    for piece in pieces:
        try:
            re.compile(piece.replace("{count}", COUNT).replace("{fields}", "x"))
        except (re.error, AttributeError):
            return str(piece)
    return None


def compile_patterns(data: dict) -> Patterns:
    field_of: dict[str, str] = {}
    for name, spec in data["fields"].items():
        for word in spec["words"]:
            field_of.setdefault(word, name)
    words = sorted(field_of, key=len, reverse=True)
    fields_alt = "|".join(map(re.escape, words))
    figures = data["figures"]
    joiners = "|".join(map(re.escape, sorted(figures["joiners"], key=len, reverse=True)))
    units = figures["money_units"] + figures["percent_units"] + figures["count_units"]
    units_alt = "|".join(map(re.escape, sorted(units, key=len, reverse=True)))
    fact = re.compile(
        rf"(?P<field>{fields_alt})(?:{joiners})?(?P<number>{NUMBER})(?P<unit>{units_alt})"
    )
    marker = re.compile("^(?:" + "|".join(f"({m})" for m in data["headings"]["markers"]) + ")")

    def entries(key: str) -> tuple[re.Pattern, ...]:
        return tuple(
            re.compile(e["pattern"].replace("{count}", COUNT).replace("{fields}", fields_alt))
            for e in data.get(key, [])
        )

    return Patterns(
        data=data,
        field_of=field_of,
        fact=fact,
        marker=marker,
        groups=entries("groups"),
        enumerations=entries("enumerations"),
        department_subjects=tuple(data["department"]["subjects"]),
        department_label=data["department"]["label"],
        title_words=tuple(data["document"]["title_words"]),
        organization_end=tuple(data["document"]["organization_end"]),
        organization_start=tuple(data["document"].get("organization_start", [])),
        percent_fields=frozenset(k for k, v in data["fields"].items() if v.get("unit") == "%"),
        table_words=_table_words(data, field_of),
        table_keywords=dict(data["table"]["keywords"]),
        total_words=tuple(data["table"]["total_words"]),
        subtotal_words=tuple(data["table"]["subtotal_words"]),
        funding_total=tuple(data["table"]["funding_total"]),
        grade_words=tuple(data["table"]["grade_words"]),
    )


def _table_words(data: dict, field_of: dict[str, str]) -> dict[str, str]:
    words = dict(field_of)
    for name, listed in data["table"]["columns"].items():
        for word in listed:
            words.setdefault(word, name)
    return words
