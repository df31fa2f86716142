"""The amounts every money-reading path must treat alike: (what is typed, yuan or error code)."""

from __future__ import annotations

from decimal import Decimal

from station_app.money import INVALID, PRECISION, RANGE

# Text a clerk types, or a cell or JSON value; the expected yuan as text, or the error code.
TYPED: list[tuple[object, str]] = [
    ("1299", "1299.00"),
    ("1299.5", "1299.50"),
    ("1299.50", "1299.50"),
    ("1,299.50", "1299.50"),
    ("12,345,678.90", "12345678.90"),
    ("1299元", "1299.00"),
    ("1,299.50 元", "1299.50"),
    ("¥1299", "1299.00"),
    ("￥1,299.50", "1299.50"),
    ("１２９９．５０", "1299.50"),  # full-width, as a Chinese input method types it
    ("１，２９９", "1299.00"),
    ("  1299.50  ", "1299.50"),
    ("0", "0.00"),
    ("0.05", "0.05"),
    ("1.500", "1.50"),  # exact to the fen
    ("100000000", "100000000.00"),
    ("1.005", PRECISION),
    ("12.345", PRECISION),
    ("-5", RANGE),
    ("－5", RANGE),
    ("100000000.01", RANGE),
    ("9" * 5001, RANGE),
    ("1,2,99", INVALID),
    ("12,34", INVALID),
    ("1e3", INVALID),
    ("1_000", INVALID),
    ("NaN", INVALID),
    ("Infinity", INVALID),
    ("abc", INVALID),
    ("十元", INVALID),
    (".5", INVALID),
    ("1.", INVALID),
    ("0x10", INVALID),
    ("1299 50", INVALID),
    ("1299元元", INVALID),
    ("1" * 60 + "x", INVALID),
]

# Values only JSON, a spreadsheet or code can hold.
VALUES: list[tuple[object, str]] = [
    (1299, "1299.00"),
    (1299.5, "1299.50"),
    (0.1 + 0.2, "0.30"),  # Excel's 0.30000000000000004 is the 0.30 it shows
    (Decimal("1299.50"), "1299.50"),
    (1.234, PRECISION),
    (1e-7, PRECISION),
    (-5, RANGE),
    (1e12, RANGE),
    (10**5000, RANGE),
    (float("nan"), INVALID),
    (float("inf"), INVALID),
    (True, INVALID),
    ([1], INVALID),
    ({"yuan": 1}, INVALID),
]

ALL = TYPED + VALUES
