"""Match project names listed in a sentence to project lines: by words and characters, never by position."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from difflib import SequenceMatcher

from extract.merge import same_name as canonical
from extract.segment import words

THRESHOLD = 0.6  # below this a name is not the same project
AMBIGUITY_MARGIN = 0.03  # two candidates closer than this cannot be told apart

@lru_cache(maxsize=4096)
def _prepared(name: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """A name's canonical form, its characters and its jieba words, computed once per name."""
    text = canonical(name)
    return text, frozenset(text), frozenset(words(text)) if text else frozenset()


def similarity(a: str, b: str) -> float:
    """1.0 for the same name; otherwise the mean of character and word (jieba) overlap."""
    (a, ca, wa), (b, cb, wb) = _prepared(a), _prepared(b)
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    # Names sharing under a third of their characters cannot reach THRESHOLD: skip the
    # sequence alignment (the cost of matching a long report's lists against all its lines).
    if 2 * len(ca & cb) / (len(ca) + len(cb)) < 0.3:
        return 0.0
    chars = SequenceMatcher(None, a, b, autojunk=False).ratio()
    dice = 2 * len(wa & wb) / (len(wa) + len(wb)) if wa and wb else 0.0
    return round((chars + dice) / 2, 2)


@dataclass(frozen=True, slots=True)
class Match:
    """What one listed name matched: a candidate index and score, or why not."""

    listed: int
    candidate: int | None
    score: float
    status: str  # "exact", "loose", "missing" or "ambiguous"
    rivals: tuple[int, ...] = ()  # candidates it could not be told apart from


def assign(listed: list[str], candidates: list[str]) -> list[Match]:
    """One-to-one matching, best pairs first.

    A listed name whose best free candidate scores within AMBIGUITY_MARGIN of another
    free candidate is "ambiguous" and matched to nothing; one with no candidate at or
    above THRESHOLD is "missing".
    """
    scores = [[similarity(name, cand) for cand in candidates] for name in listed]
    pairs = sorted(
        ((s, i, j) for i, row in enumerate(scores) for j, s in enumerate(row) if s >= THRESHOLD),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    taken: set[int] = set()
    result: dict[int, Match] = {}
    for score, i, j in pairs:
        if i in result or j in taken:
            continue
        rivals = tuple(
            k for k, s in enumerate(scores[i])
            if k != j and k not in taken and s >= THRESHOLD and score - s < AMBIGUITY_MARGIN
        )
        if rivals:
            result[i] = Match(i, None, score, "ambiguous", (j, *rivals))
            continue
        taken.add(j)
        result[i] = Match(i, j, score, "exact" if score == 1.0 else "loose")
    return [result.get(i, Match(i, None, max(scores[i], default=0.0), "missing")) for i in range(len(listed))]
