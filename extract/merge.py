"""One project told several times — prose, a table row, a 自评表 — becomes one line with its readings."""

from __future__ import annotations

import re

from extract.model import ProjectLine
from extract.normalize import normalize

_DECORATION = re.compile(r"[\s《》〈〉“”\"'‘’「」『』()（）【】\[\]]")


def same_name(name: str) -> str:
    """A name with widths folded and quotes, brackets and spaces taken out."""
    return _DECORATION.sub("", normalize(name)[0])


def merge_readings(lines: list[ProjectLine]) -> list[ProjectLine]:
    """Fold lines that name the same project into the first one, as its readings.

    Only identical names (after folding) in compatible groups (equal, or one of them
    without a group) are merged: a loose match is a question for the reviewer, not a
    merge. Two lines of the same source are never merged (three 其他交通费 rows are
    three projects), nor are lines of a name that one source lists twice.
    """
    by_name: dict[str, list[ProjectLine]] = {}
    for line in lines:
        by_name.setdefault(same_name(line.name), []).append(line)
    kept: list[ProjectLine] = []
    for line in lines:
        group = by_name[same_name(line.name)]
        sources = [g.source for g in group]
        if len(group) == 1 or len(sources) != len(set(sources)):
            kept.append(line)
            continue
        first = group[0]
        if line is first:
            kept.append(line)
        elif first.group == line.group or not first.group or not line.group:
            first.readings.append(line)
            if not first.group:
                first.group = line.group
        else:
            kept.append(line)
    return kept
