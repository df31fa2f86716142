"""Human case and document numbers: <station code>-<year>-<sequence>, made without a server."""

from __future__ import annotations

import re

CASE_NO_PATTERN = re.compile(
    r"^(?P<station>[A-Z0-9]+(?:-[A-Z0-9]+)*)-(?P<year>\d{4})-(?P<seq>\d{5,})$"
)
STATION_CODE_PATTERN = re.compile(r"[A-Z0-9]{1,8}(?:-[A-Z0-9]{1,8}){0,3}")


def format_case_no(station_code: str, year: int, seq: int) -> str:
    """E.g. RC-MT-2026-00017; the sequence widens past 99999 rather than wrap."""
    return f"{station_code}-{year:04d}-{seq:05d}"


def is_valid_station_code(code: str) -> bool:
    """Upper-case letters and digits in up to four hyphen-separated parts, e.g. RC-MT."""
    return bool(STATION_CODE_PATTERN.fullmatch(code)) and not re.search(r"-\d{4}\Z", code)
