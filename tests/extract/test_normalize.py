"""Width folding, space dropping, and the map from normalised text back to the print."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from extract.normalize import fold, normalize

# (raw, normalised)
CASES = [
    # full-width digits, point, percent, parentheses, colon fold to ASCII
    ("８３２．５２", "832.52"),
    ("６４．７％", "64.7%"),
    ("（1）", "(1)"),
    ("（１）", "(1)"),
    ("预算数：10万元", "预算数:10万元"),
    ("９６．３﹪", "96.3%"),
    # the Chinese comma and semicolon stay: they separate clauses, not thousands
    ("10万元，实际支出", "10万元，实际支出"),
    ("完成；其中", "完成；其中"),
    ("1，234", "1，234"),
    # spaces that PDF extraction puts between Chinese and digits go
    ("4795.32 万元", "4795.32万元"),
    ("2023 年度", "2023年度"),
    ("调整预算数 60 万元", "调整预算数60万元"),
    ("支出进度 99.9%", "支出进度99.9%"),
    ("唐山市科学技术协会 整体绩效", "唐山市科学技术协会整体绩效"),
    ("(8) 唐山", "(8)唐山"),
    # a space between two ASCII words or numbers stays (one, however many were printed)
    ("Word 2016", "Word 2016"),
    ("Word   2016", "Word 2016"),
    ("1 234", "1 234"),
    ("ａ ｂ", "a b"),
    # the ideographic space and no-break space are spaces
    ("2023\u3000年度", "2023年度"),
    ("预算数\u300010万元", "预算数10万元"),
    ("Word\u30002016", "Word 2016"),
    ("Word\u00a02016", "Word 2016"),
    # zero-width characters and soft hyphens vanish, even inside a number
    ("832\u200b.52", "832.52"),
    ("\ufeff预算数", "预算数"),
    ("执行\u200d率", "执行率"),
    ("Wo\u00adrd", "Word"),
    # leading and trailing spaces go
    ("  预算数 ", "预算数"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "text"), CASES)
def test_normalize(raw, text):
    assert normalize(raw)[0] == text


def test_source_map_points_at_the_printed_characters():
    raw = "调整预算数 ８３２．５２ 万元"
    text, src = normalize(raw)
    assert text == "调整预算数832.52万元"
    # by hand: 调整预算数 at 0-4, the space at 5 dropped, digits at 6-11, space 12, 万元 13-14
    assert src == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 13, 14]


def test_kept_space_maps_to_the_first_printed_space():
    text, src = normalize("Word \u3000 2016")
    assert text == "Word 2016"
    assert src[4] == 4


@pytest.mark.parametrize(("ch", "folded"), [("８", "8"), ("％", "%"), ("（", "("), ("）", ")"),
                                             ("：", ":"), ("Ａ", "A"), ("，", "，"), ("；", "；"),
                                             ("\u3000", " "), ("。", "。"), ("万", "万")])
def test_fold(ch, folded):
    assert fold(ch) == folded


_ALPHABET = st.sampled_from(
    list("预算数万元执行率支出进度项目共计")
    + list("0123456789.,%()")
    + list("０１２３４５６７８９．，％（）：；")
    + list("abcXYZａｂ")
    + [" ", "  ", "\u3000", "\u00a0", "\t", "\u200b", "\ufeff", "\u00ad"]
)
_RAW = st.lists(_ALPHABET, max_size=40).map("".join)
_DROPPED = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"}


@settings(max_examples=300, deadline=None)
@given(_RAW)
@example("８３２．５２ 万元")
@example("a\tb")
@example("Word \u3000 2016")
def test_every_output_character_comes_from_its_source(raw):
    text, src = normalize(raw)
    assert len(src) == len(text)
    assert src == sorted(set(src)), "the map is strictly increasing"
    for i, ch in enumerate(text):
        source = fold(raw[src[i]])
        if ch == " ":
            # a kept space stands for a run of printed spaces (tab, U+3000 …); it maps to the first
            assert source.isspace()
            assert text[i - 1].isascii() and text[i - 1].isalnum()
            assert text[i + 1].isascii() and text[i + 1].isalnum()
        else:
            assert source == ch


@settings(max_examples=300, deadline=None)
@given(_RAW)
def test_only_spaces_and_invisible_characters_are_dropped(raw):
    text, _ = normalize(raw)
    visible = "".join(
        fold(c) for c in raw if c not in _DROPPED and not fold(c).isspace()
    )
    assert text.replace(" ", "") == visible


@settings(max_examples=300, deadline=None)
@given(_RAW)
def test_normalize_is_idempotent(raw):
    text, _ = normalize(raw)
    again, src = normalize(text)
    assert again == text
    assert src == list(range(len(text)))
