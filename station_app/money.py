"""Money as exact decimals: yuan in the domain, integer fen in the database."""

from __future__ import annotations

from decimal import Decimal


def to_fen(amount: Decimal | None) -> int | None:
    if amount is None:
        return None
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount {amount} has more than two decimals")
    return int(fen)


def from_fen(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_yuan(amount: Decimal | None) -> str:
    """1234.5 -> '1,234.50'; None -> ''."""
    return "" if amount is None else f"{amount:,.2f}"
