"""Units of money, rates and counts, with exact conversion to 万元."""

from decimal import Decimal

# How many 万元 one unit is worth; exact powers of ten, so conversion never rounds.
WAN_PER_UNIT: dict[str, Decimal] = {
    "元": Decimal("0.0001"),
    "万元": Decimal(1),
    "亿元": Decimal(10000),
}
MONEY_UNITS = tuple(WAN_PER_UNIT)
PERCENT = "%"
COUNT_UNITS = ("项", "个")


def to_wan(value: Decimal, unit: str) -> Decimal:
    """`value` in `unit` expressed in 万元, exactly; non-money units pass through."""
    factor = WAN_PER_UNIT.get(unit)
    return value if factor is None else value * factor


def quantum_in_wan(decimals: int, unit: str) -> Decimal:
    """The size of one step in the last written decimal place, in 万元."""
    return to_wan(Decimal(1).scaleb(-decimals), unit)
