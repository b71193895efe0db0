"""Money words and exact arithmetic shared by the rule functions: rates become basis points so
that every amount is integer arithmetic on fen, floored (never more than the rate gives)."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """12345 → '123.45', 200000 → '2000'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}" if cents == 0 else f"{sign}{whole}.{cents:02d}".rstrip("0")


def money(fen: int) -> str:
    """An amount as the calls write it: 2000000000 → '2000万元', 123456 → '1234.56元'."""
    if fen and fen % 1_000_000 == 0:
        return f"{fen // 1_000_000}万元"
    return f"{yuan(fen)}元"


def percent(rate: float) -> str:
    return f"{round(rate * 100, 4):g}%"


def rate_bp(rate: float) -> int:
    """A rate in basis points, so that amounts are exact integer arithmetic (and equal in NumPy)."""
    return round(rate * 10000)


def rate_amount(price_fen: int, rate: float) -> int:
    """The amount at a rate, floored to the fen: never more than the rate gives."""
    return price_fen * rate_bp(rate) // 10000
