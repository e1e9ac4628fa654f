"""jieba's words, with its dictionary read on demand from an SQLite copy: the same words as jieba's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from extract import segment
from tests.conftest import FIXTURES, ROOT


@pytest.fixture(scope="module")
def reference():
    """jieba as it comes: the whole dictionary in memory, the same domain words added."""
    jieba = segment._import_jieba()
    tk = jieba.Tokenizer()
    tk.initialize()
    tk.load_userdict(str(ROOT / "extract" / "data" / "domain_dict.txt"))
    return tk


def texts() -> list[str]:
    found = []
    for path in sorted(FIXTURES.glob("*/source.txt")) + sorted(FIXTURES.glob("real/*/source.txt")):
        found += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return found


def test_the_same_words_as_jieba_on_every_line_of_the_fixtures(reference):
    lines = texts()
    assert len(lines) > 300
    assert isinstance(segment.tokenizer().FREQ, segment.Frequencies)
    for line in lines:
        ours = segment.words(line)
        theirs = [w for w in reference.lcut(line) if w.strip() and any(c.isalnum() for c in w)]
        assert ours == theirs, line


def test_the_same_words_for_the_names_matched(reference):
    from tests.conftest import report_of

    names = {line.name for case in ("sample", "table-list", "mixed") for line in report_of(case).projects}
    assert len(names) > 20
    for name in names:
        assert segment.words(name) == [w for w in reference.lcut(name) if w.strip() and any(c.isalnum() for c in w)]


def _run(code: str, env: dict) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout


def test_a_fresh_cache_builds_the_copy_once_and_a_child_reads_it_after_fork(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    code = ("import os; from extract.segment import tokenizer, words; tokenizer();"
            "pid = os.fork()\n"
            "if pid == 0:\n    print('child', words('科技馆免费开放中央补助资金')); os._exit(0)\n"
            "os.waitpid(pid, 0); print('parent', words('科技馆免费开放中央补助资金'))")
    out = _run(code, env)
    copies = list((tmp_path / "jixiao").glob("jieba-*.sqlite"))
    assert len(copies) == 1 and not list((tmp_path / "jixiao").glob("*.tmp"))
    child, parent = sorted(out.splitlines())
    assert child.split(" ", 1)[1] == parent.split(" ", 1)[1] != "[]"
    mtime = copies[0].stat().st_mtime_ns
    _run("from extract.segment import words; print(words('唐山市科普专项经费'))", env)
    assert copies[0].stat().st_mtime_ns == mtime  # read, not built again


def test_without_a_writable_cache_it_loads_jieba_whole(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    env = {**os.environ, "XDG_CACHE_HOME": str(blocked)}
    out = _run("from extract.segment import tokenizer, words; tk = tokenizer();"
               "print(type(tk.FREQ).__name__, words('科技馆免费开放中央补助资金'))", env)
    assert out.startswith("dict [")


def test_check_loads_jieba_only_when_a_name_must_be_matched(tmp_path):
    """A report with nothing to segment (no listed names, no unknown table headings) is checked
    without importing jieba; the sample, whose totals list projects by name, needs it."""
    code = ("import sys; from flows import cli\n"
            "try: cli.main()\nexcept SystemExit: pass\n"
            "print('jieba' in sys.modules, file=sys.stderr)")
    results = {}
    for case in ("table-borderless", "sample"):
        args = ["check", "--timeout", "0", "--max-memory", "0", str(FIXTURES / case / "report.pdf")]
        run = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True)
        results[case] = run.stderr.strip().splitlines()[-1]
    assert results == {"table-borderless": "False", "sample": "True"}


def test_a_cache_folder_whose_path_looks_like_a_uri_still_works(tmp_path):
    """The copy is opened through an SQLite URI: '#', '?' and spaces in the path are escaped.
    (Before: "file:/…/a #b?c/…?mode=ro" opened another path, or none.)"""
    odd = tmp_path / "a #b?c"
    env = {**os.environ, "XDG_CACHE_HOME": str(odd)}
    out = _run("from extract.segment import tokenizer, words; tk = tokenizer();"
               "print(type(tk.FREQ).__name__, words('科技馆免费开放中央补助资金'))", env)
    assert out.startswith("Frequencies [") and list((odd / "jixiao").glob("jieba-*.sqlite")), out


def test_a_damaged_copy_is_set_aside_and_built_again(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    code = ("from extract.segment import tokenizer, words; tk = tokenizer();"
            "print(type(tk.FREQ).__name__, words('唐山市科普专项经费'))")
    first = _run(code, env)
    copy = next((tmp_path / "jixiao").glob("jieba-*.sqlite"))
    copy.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)  # a copy cut short by a full disk
    damaged = _run(code, env)
    assert damaged.startswith("dict [") and damaged.split(" ", 1)[1] == first.split(" ", 1)[1]
    assert not copy.exists()  # set aside: the next run builds it again
    assert _run(code, env).startswith("Frequencies [") and copy.exists()


def test_a_pickled_dictionary_keeps_the_domain_words():
    """Pickled as its path alone, it came back without the domain dictionary's words."""
    import pickle

    freq = segment.tokenizer().FREQ
    again = pickle.loads(pickle.dumps(freq))
    assert isinstance(again, segment.Frequencies) and again["调整后预算数"] == freq["调整后预算数"] == 50000
    assert "调整后预算数" in again and again.get("科技") == freq.get("科技")
