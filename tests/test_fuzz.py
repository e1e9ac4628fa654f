"""Random and mutated text through the whole pipeline: findings may be anything, exceptions never."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import read_text
from extract.normalize import normalize
from reconcile import reconcile
from reconcile.document import document, dumps
from tests.conftest import FIXTURES

SAMPLE = (FIXTURES / "sample" / "source.txt").read_text(encoding="utf-8").splitlines()
ALPHABET = st.sampled_from(list("0123456789.,%％，。、；：:（）()万元亿项个共计其中涉及等预算数执行率剩余支出进度调整实际年初"
                                "一二三四五六七八九十①②０１２３４５６７８９ \n\f—-+=<>"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(ALPHABET, max_size=300))
def test_random_text_never_raises(text):
    normalize(text)
    report = read_text(text)
    dumps(document(report, reconcile(report)))


@st.composite
def mutated_sample(draw):
    lines = list(SAMPLE)
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        at = draw(st.integers(0, len(line)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate", "split"]))
        if action == "insert":
            lines[i] = line[:at] + draw(st.text(ALPHABET, min_size=1, max_size=5)) + line[at:]
        elif action == "delete":
            lines[i] = line[:at] + line[at + draw(st.integers(1, 6)):]
        elif action == "duplicate":
            lines.insert(i, line)
        else:
            lines[i:i + 1] = [line[:at], line[at:]]
    return "\n".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sample())
def test_mutated_sample_never_raises(text):
    report = read_text(text)
    dumps(document(report, reconcile(report)))
