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

    Only identical names (after folding) are merged: a loose match is a question for
    the reviewer, not a merge. A line with a group joins the earlier line of its name
    and group (or the only one of its name without a group); a line without a group
    joins the only earlier line of its name. Lines of one source never merge (three
    rows called 其他交通费 are three projects), and neither does an ambiguous name.
    """
    kept: list[ProjectLine] = []
    named: dict[str, list[ProjectLine]] = {}  # the kept lines of each folded name, in order
    for line in lines:
        name = same_name(line.name)
        same = named.get(name, [])
        if line.group:
            candidates = [p for p in same if p.group == line.group] or [p for p in same if not p.group]
        else:
            candidates = same
        target = candidates[0] if len(candidates) == 1 else None
        if target is None or line.source in {target.source, *(r.source for r in target.readings)}:
            kept.append(line)
            named.setdefault(name, []).append(line)
            continue
        target.readings.append(line)
        if not target.group:
            target.group = line.group
    return kept
