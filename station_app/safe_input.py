"""Reading what comes from outside (files from USB sticks, JSON on standard input, command-line
values) with its limits checked before it is parsed, so that a crafted or wrong file gives a
message the clerk can act on and never a crash, a hang or all the PC's memory.

- JSON: at most `max_bytes` read (from a path, standard input or /dev/zero alike), nesting
  checked on the text before `json.loads` can recurse, numbers of at most MAX_NUMBER_DIGITS
  digits, no NaN or Infinity.
- .xlsx: the zip's declared sizes checked before openpyxl reads it (a zip bomb is refused by its
  total and by the ratio of declared to compressed size; Python's zipfile never inflates a member
  past its declared size), then read-only with a cap on rows and columns.
- Dates and whole numbers with bounds: a year such as 9999 or a 5,000-digit number is refused
  with a message, not an OverflowError.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from station_app.i18n import _

# A case list of a few thousand cases is a few megabytes; nothing the app reads is larger.
MAX_JSON_BYTES = 20 * 1024 * 1024
# An action's details or a document's facts are a few kilobytes.
MAX_DETAILS_BYTES = 1024 * 1024
# The app's JSON is at most four levels deep (a case list, a case, a party, a value).
MAX_JSON_DEPTH = 32
MAX_NUMBER_DIGITS = 40

# A member list of 2,000 rows is well under a megabyte unpacked.
MAX_XLSX_UNCOMPRESSED = 50 * 1024 * 1024
# Real worksheets pack 5 to 30 times; a zip bomb packs thousands of times.
MAX_XLSX_RATIO = 200
# Small parts (styles, an empty sheet) may pack better than that without harm.
_RATIO_FREE_BYTES = 1024 * 1024
MAX_XLSX_COLUMNS = 100

FIRST_YEAR, LAST_YEAR = 1900, 2199
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A string (its brackets do not count; an unterminated one runs to the end) or a bracket.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]')


class InputRejected(ValueError):
    """Input that is refused whole before anything is changed; `problems` are for the clerk."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class InputTooLarge(InputRejected):
    """A file longer than its kind may be."""


def _size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return _("{n} MB").format(n=round(n / 1048576))
    return _("{n} KB").format(n=max(1, round(n / 1024)))


def read_limited(path: str | Path, max_bytes: int, *, stdin: BinaryIO | None = None) -> bytes:
    """The bytes of a file ('-' reads standard input), refused when longer than `max_bytes`.

    Reads at most max_bytes + 1 bytes, so a device or a pipe that never ends (/dev/zero) is
    refused as quickly as a large file."""
    name = str(path)
    too_large = _(
        "{name} is larger than {limit}, far more than a file of this kind holds. Check that you "
        "chose the right file."
    ).format(name=name, limit=_size_text(max_bytes))
    try:
        if name == "-":
            stream = stdin or sys.stdin.buffer
            data = stream.read(max_bytes + 1)
        else:
            with Path(path).open("rb") as f:
                data = f.read(max_bytes + 1)
    except IsADirectoryError:
        raise InputRejected(
            _("{name} is a folder, not a file. Choose the file inside it.").format(name=name)
        ) from None
    except FileNotFoundError:
        raise InputRejected(_("The file {name} does not exist.").format(name=name)) from None
    except OSError as error:
        raise InputRejected(
            _("Cannot read {path}: {reason}").format(path=name, reason=error.strerror or error)
        ) from None
    if len(data) > max_bytes:
        raise InputTooLarge(too_large)
    return data


def json_depth(text: str, stop_at: int | None = None) -> int:
    """How deeply arrays and objects nest in JSON text, counted without parsing it (brackets
    inside strings do not count); stops counting once `stop_at` is passed."""
    deepest = depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_at is not None and deepest > stop_at:
                    return deepest
        elif token in "]}":
            depth -= 1
    return deepest


class _BadNumber(Exception):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _BadNumber(text)
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS + 10:
        raise _BadNumber(text)
    return float(text)


def _no_constant(text: str) -> Any:
    raise _BadNumber(text)


def parse_json_text(
    text: str,
    name: str,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
) -> Any:
    """JSON text parsed with its nesting and numbers bounded; InputRejected otherwise."""
    if json_depth(text, stop_at=max_depth) > max_depth:
        raise InputRejected(
            _(
                "{name} nests lists and objects more than {limit} levels deep; no file of the app "
                "does that. Check that you chose the right file."
            ).format(name=name, limit=max_depth)
        )
    try:
        return json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            parse_constant=_no_constant,
            object_pairs_hook=object_pairs_hook,
        )
    except _BadNumber as bad:
        shown = str(bad)
        raise InputRejected(
            _(
                "{name} holds the number {number}, which is not a number the app uses (too long, "
                "or NaN or Infinity). Check the file."
            ).format(name=name, number=shown if len(shown) <= 20 else shown[:20] + "…")
        ) from None
    except json.JSONDecodeError as error:
        raise InputRejected(
            _("{path} is not valid JSON: {reason}").format(
                path=name,
                reason=_("line {line}, column {column}: {message}").format(
                    line=error.lineno, column=error.colno, message=error.msg
                ),
            )
        ) from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise InputRejected(
            _("{path} is not valid JSON: {reason}").format(path=name, reason="nesting")
        ) from None


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark, as Notepad writes, is allowed); InputRejected if not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputRejected(
            _("{name} is not UTF-8 text. Save it as UTF-8 and try again.").format(name=name)
        ) from None


def read_json_file(
    path: str | Path,
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    stdin: BinaryIO | None = None,
) -> Any:
    """The JSON in a file ('-' reads standard input) with every limit checked first."""
    name = str(path)
    text = decode_text(read_limited(path, max_bytes, stdin=stdin), name)
    return parse_json_text(text, name, max_depth=max_depth)


def check_xlsx_archive(path: Path, *, max_uncompressed: int, max_ratio: int) -> None:
    """Refuse a workbook whose parts would unpack to more than `max_uncompressed` bytes in all,
    or any large part packed more than `max_ratio` times (a zip bomb), before reading it."""
    refused = _(
        "{name} unpacks to far more data than a list of members holds (it may be a “zip bomb” "
        "made to exhaust the PC's memory). It was not opened. Ask for the list again, saved "
        "from Excel or WPS."
    ).format(name=path.name)
    with zipfile.ZipFile(path) as archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            if total > max_uncompressed:
                raise InputRejected(refused)
            if info.file_size > _RATIO_FREE_BYTES and (
                info.compress_size == 0 or info.file_size / info.compress_size > max_ratio
            ):
                raise InputRejected(refused)


def read_xlsx_rows(
    path: Path,
    *,
    max_rows: int,
    max_uncompressed: int = MAX_XLSX_UNCOMPRESSED,
    max_ratio: int = MAX_XLSX_RATIO,
    max_columns: int = MAX_XLSX_COLUMNS,
) -> list[tuple[str, list[tuple]]]:
    """Every worksheet's title and rows (cell values, at most `max_rows` rows of at most
    `max_columns` cells each), read from a checked archive in openpyxl's read-only mode.

    Raises InputRejected for a zip bomb; zipfile.BadZipFile and openpyxl's errors pass through
    for the caller to explain as a damaged file."""
    from openpyxl import load_workbook

    check_xlsx_archive(path, max_uncompressed=max_uncompressed, max_ratio=max_ratio)
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = []
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # some programs write a wrong size; read what is there
            rows: list[tuple] = []
            # Bounded here, not after: a cell in column XFD or a row numbered 1,048,576 would
            # otherwise make openpyxl fill 16,384 columns or a million rows with blanks.
            for values in sheet.iter_rows(max_row=max_rows, max_col=max_columns, values_only=True):
                if len(rows) >= max_rows:
                    break
                row = list(values)
                while row and row[-1] is None:
                    row.pop()
                rows.append(tuple(row))
            sheets.append((sheet.title, rows))
        return sheets
    finally:
        workbook.close()


def parse_day(value: object, what: str) -> date:
    """A date written YYYY-MM-DD between FIRST_YEAR and LAST_YEAR; InputRejected otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    match = _DATE_RE.fullmatch(text)
    day = None
    if match:
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            day = None
    if day is None:
        shown = str(value) if len(str(value)) <= 20 else str(value)[:20] + "…"
        raise InputRejected(
            _(
                "{what}: “{value}” is not a date. Write it as YYYY-MM-DD, for example 2026-05-04."
            ).format(what=what, value=shown)
        )
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputRejected(
            _("{what}: {value} is not between the years {first} and {last}.").format(
                what=what, value=day.isoformat(), first=FIRST_YEAR, last=LAST_YEAR
            )
        )
    return day


# Dates as stations type them in their ledgers: 2021-03-05, 2021-3-5, 2021/3/5, 2021.3.5,
# 2021年3月5日 (号 for 日), 20210305, each with an optional time "14:30" (or 14时30分).
_WRITTEN_DAY_RE = re.compile(
    r"(?P<y>\d{4})\s*(?:[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})"
    r"|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]?"
    r"|(?P<m3>\d{2})(?P<d3>\d{2}))"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})\s*分?(?:\s*[:：]\s*\d{1,2})?)?"
)
# Excel keeps a date as a day count from 1899-12-30 (its 1900 leap-year bug included); a
# count outside these days (1990 to 2099) is not a date of a ledger but a number.
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL_FIRST, _SERIAL_LAST = 32874, 73415


def parse_written_moment(value: object) -> datetime | None:
    """A date (and maybe a time) as written in a spreadsheet: a date or datetime cell, an
    Excel day number, or text in the forms of _WRITTEN_DAY_RE; None when it is none of them.
    A date with no time has the time 00:00. Years outside FIRST_YEAR..LAST_YEAR are None."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None, microsecond=0)
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not _SERIAL_FIRST <= value <= _SERIAL_LAST:
            return None
        moment = _EXCEL_EPOCH + timedelta(days=float(value))
        moment = moment.replace(second=0, microsecond=0)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        match = _WRITTEN_DAY_RE.fullmatch(text)
        if match is None:
            return None
        month = match["m"] or match["m2"] or match["m3"]
        day = match["d"] or match["d2"] or match["d3"]
        try:
            moment = datetime(int(match["y"]), int(month), int(day))
            if match["H"] is not None:
                moment = moment.replace(hour=int(match["H"]), minute=int(match["M"]))
        except ValueError:
            return None
    else:
        return None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return None
    return moment


def parse_whole_number(value: object, what: str, low: int, high: int) -> int:
    """A whole number from low to high, from text or a JSON number; InputRejected otherwise."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        number = int(value)
    if number is None or not low <= number <= high:
        text = value if isinstance(value, str) else type(value).__name__
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**18:
            text = str(value)
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise InputRejected(
            _("{what}: “{value}” is not a whole number from {low} to {high}.").format(
                what=what, value=shown, low=f"{low:,}", high=f"{high:,}"
            )
        )
    return number


def bounded_int_argument(low: int, high: int) -> Callable[[str], int]:
    """An argparse `type` for a whole number from low to high, refused with a clear message."""
    import argparse

    def parse(text: str) -> int:
        try:
            return parse_whole_number(text, _("the value"), low, high)
        except InputRejected as rejected:
            raise argparse.ArgumentTypeError(str(rejected)) from None

    return parse
