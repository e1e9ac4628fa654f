"""Printed numbers, Chinese numerals in counts, and exact unit conversion to 万元."""

from decimal import Decimal

import pytest

from extract.numbers import NUMBER_RE, parse_chinese_numeral, parse_count, parse_number
from extract.units import quantum_in_wan, to_wan

# (printed, value, decimals as written)
PRINTED = [
    ("1,234.56", "1234.56", 2),
    ("0.60", "0.60", 2),
    ("8,025,100", "8025100", 0),
    ("832.52", "832.52", 2),
    ("96.3", "96.3", 1),
    ("100", "100", 0),
    ("0", "0", 0),
    ("1081.95", "1081.95", 2),
    ("12,345,678.9", "12345678.9", 1),
    ("3.1400", "3.1400", 4),
]


@pytest.mark.parametrize(("printed", "value", "decimals"), PRINTED)
def test_parse_number_keeps_value_and_written_decimals(printed, value, decimals):
    got_value, got_decimals = parse_number(printed)
    assert got_value == Decimal(value)
    assert got_decimals == decimals
    # The Decimal is built from the string: its exponent is the written one, so
    # "0.60" stays 0.60 (not 0.6) and the last written place is recoverable.
    assert got_value.as_tuple().exponent == -decimals
    assert isinstance(got_value, Decimal)


def test_trailing_zero_is_not_lost():
    value, decimals = parse_number("0.60")
    assert str(value) == "0.60"
    assert decimals == 2


# (text, what NUMBER finds in it)
FOUND = [
    ("调整预算数832.52万元", ["832.52"]),
    ("共计8,025,100元", ["8,025,100"]),
    ("预算数10万元，实际支出5万元", ["10", "5"]),  # the Chinese comma separates clauses
    ("1,234,567.5", ["1,234,567.5"]),
    ("99.99%", ["99.99"]),
]


@pytest.mark.parametrize(("text", "numbers"), FOUND)
def test_number_regex_reads_whole_printed_numbers(text, numbers):
    assert [m.group(0) for m in NUMBER_RE.finditer(text)] == numbers


# (numeral, value)
CHINESE = [
    ("十一", 11),
    ("二十", 20),
    ("十", 10),
    ("一百零五", 105),
    ("两", 2),
    ("八", 8),
    ("九", 9),
    ("零", 0),
    ("二十七", 27),
    ("三百", 300),
    ("两百", 200),
    ("一千零一", 1001),
    ("一千二百三十四", 1234),
]


@pytest.mark.parametrize(("numeral", "value"), CHINESE)
def test_chinese_numeral(numeral, value):
    assert parse_chinese_numeral(numeral) == value


@pytest.mark.parametrize("text", ["", "十一项", "abc", "11", "万", "十万", "第三"])
def test_chinese_numeral_rejects_other_text(text):
    with pytest.raises(ValueError):
        parse_chinese_numeral(text)


@pytest.mark.parametrize(("text", "value"), [("11", 11), ("4", 4), ("十一", 11), ("八", 8), ("027", 27)])
def test_parse_count_reads_arabic_or_chinese(text, value):
    assert parse_count(text) == value


# (value, unit, value in 万元) — all exact, as strings
TO_WAN = [
    ("8325200", "元", "832.52"),
    ("8025100", "元", "802.51"),
    ("1", "元", "0.0001"),
    ("0.5", "元", "0.00005"),
    ("832.52", "万元", "832.52"),
    ("1", "亿元", "10000"),
    ("1.5", "亿元", "15000"),
    ("0.0001", "亿元", "1"),
    ("96.3", "%", "96.3"),  # not money: passes through
    ("11", "项", "11"),
]


@pytest.mark.parametrize(("value", "unit", "wan"), TO_WAN)
def test_to_wan_is_exact(value, unit, wan):
    got = to_wan(Decimal(value), unit)
    assert isinstance(got, Decimal)
    assert got == Decimal(wan)


def test_to_wan_of_yuan_does_not_round():
    # 1 元 steps must survive: 8325201 元 is not 832.52 万元.
    assert to_wan(Decimal("8325201"), "元") == Decimal("832.5201")
    assert to_wan(Decimal("8325201"), "元") != Decimal("832.52")


# (decimals, unit, quantum in 万元)
QUANTUM = [
    (2, "万元", "0.01"),
    (0, "万元", "1"),
    (1, "万元", "0.1"),
    (0, "元", "0.0001"),
    (2, "元", "0.000001"),
    (0, "亿元", "10000"),
    (2, "亿元", "100"),
    (1, "%", "0.1"),
]


@pytest.mark.parametrize(("decimals", "unit", "quantum"), QUANTUM)
def test_quantum_in_wan(decimals, unit, quantum):
    assert quantum_in_wan(decimals, unit) == Decimal(quantum)
