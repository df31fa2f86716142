"""The limits on what comes from outside, and where unexpected errors go (safe_input and
error_report)."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from datetime import date

import pytest
from openpyxl import Workbook

from station_app.error_report import (
    configure_logging,
    log_unexpected,
    report_unexpected,
    unconfigure_logging,
)
from station_app.safe_input import (
    InputRejected,
    InputTooLarge,
    json_depth,
    parse_day,
    parse_json_text,
    parse_whole_number,
    read_json_file,
    read_limited,
    read_xlsx_rows,
)
from tests.support.cli import ROOT
from tests.support.hostile_files import xlsx_bomb


def test_depth_is_counted_on_the_text_without_brackets_inside_strings():
    assert json_depth('{"a": [1, {"b": []}]}') == 4
    assert json_depth('["[[[[", "\\"]]]", {"k": "{"}]') == 2
    assert json_depth("[" * 100_000, stop_at=32) == 33
    assert json_depth('"an unterminated [[[ string') == 0


def test_json_at_the_depth_limit_is_read_and_one_deeper_is_refused():
    assert parse_json_text("[" * 32 + "]" * 32, "x.json", max_depth=32) is not None
    with pytest.raises(InputRejected, match="more than 32 levels"):
        parse_json_text("[" * 33 + "]" * 33, "x.json", max_depth=32)


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', "[" + "1" * 41 + "]"])
def test_numbers_the_app_never_uses_are_refused(text):
    with pytest.raises(InputRejected, match="not a number the app uses"):
        parse_json_text(text, "x.json")


def test_ordinary_json_is_read_as_before(tmp_path):
    path = tmp_path / "case.json"
    path.write_bytes('\ufeff{"amount": "1299.50", "n": -3, "x": 1.5}'.encode())
    assert read_json_file(path) == {"amount": "1299.50", "n": -3, "x": 1.5}
    assert read_json_file("-", stdin=io.BytesIO(b"[1, 2]")) == [1, 2]


def test_reading_stops_after_the_limit_on_a_stream_without_end():
    with pytest.raises(InputTooLarge, match="larger than 1 KB"):
        read_limited("/dev/zero", 1024)
    with pytest.raises(InputTooLarge):
        read_limited("-", 10, stdin=io.BytesIO(b"x" * 11))
    assert read_limited("-", 10, stdin=io.BytesIO(b"x" * 10)) == b"x" * 10


def test_unreadable_paths_are_explained(tmp_path):
    with pytest.raises(InputRejected, match="is a folder"):
        read_limited(tmp_path, 100)
    with pytest.raises(InputRejected, match="does not exist"):
        read_limited(tmp_path / "gone.json", 100)
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"a": "caf\xe9"}')
    with pytest.raises(InputRejected, match="not UTF-8"):
        read_json_file(bad)


def test_a_highly_packed_part_is_refused_even_under_the_total_limit(tmp_path):
    bomb = xlsx_bomb(tmp_path / "small-bomb.xlsx", unpacked_mb=5)
    with pytest.raises(InputRejected, match="zip bomb"):
        read_xlsx_rows(bomb, max_rows=100)


def test_the_total_unpacked_size_is_limited(tmp_path):
    bomb = xlsx_bomb(tmp_path / "bomb.xlsx", unpacked_mb=3)
    with pytest.raises(InputRejected, match="zip bomb"):
        read_xlsx_rows(bomb, max_rows=100, max_uncompressed=2 * 1024 * 1024, max_ratio=10**6)


def test_a_workbook_is_read_with_its_rows_and_columns_capped(tmp_path):
    workbook = Workbook()
    for n in range(50):
        workbook.active.append([f"r{n}c{c}" for c in range(8)])
    workbook.save(tmp_path / "list.xlsx")
    ((title, rows),) = read_xlsx_rows(tmp_path / "list.xlsx", max_rows=10, max_columns=3)
    assert len(rows) == 10 and rows[0] == ("r0c0", "r0c1", "r0c2")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2026-02-30", "is not a date"),
        ("9999-12-31", "not between the years 1900 and 2199"),
        ("0001-01-01", "not between the years"),
        ("2026-1-5", "is not a date"),
        ("2" * 5001, "is not a date"),
        (20260105, "is not a date"),
    ],
)
def test_dates_are_read_with_bounds(value, problem):
    with pytest.raises(InputRejected, match=problem):
        parse_day(value, "--date")


def test_a_good_date_and_whole_number():
    assert parse_day(" 2026-05-04 ", "--date") == date(2026, 5, 4)
    assert parse_whole_number("50", "--limit", 1, 100) == 50
    for bad in ("0", "101", "9" * 5001, "1.5", True, None):
        with pytest.raises(InputRejected, match="not a whole number from 1 to 100"):
            parse_whole_number(bad, "--limit", 1, 100)


def test_the_log_file_gets_the_traceback_and_the_screen_does_not(tmp_path, capsys):
    path = configure_logging(tmp_path)
    try:
        assert not path.exists()  # nothing logged yet: no folder made
        try:
            raise RuntimeError("a program error")
        except RuntimeError as error:
            message = report_unexpected(error)
            reference = log_unexpected(error)
        logging.getLogger("station_app.store.connection").warning(
            "SQL failed", exc_info=(RuntimeError, RuntimeError("x"), None)
        )
    finally:
        unconfigure_logging()
    shown = capsys.readouterr().err
    assert "Traceback" not in shown and "a program error" not in shown
    assert "WARNING station_app.store.connection: SQL failed" in shown
    assert str(path) in message and "reference" in message
    log = path.read_text(encoding="utf-8")
    assert f"reference {reference}" in log
    assert log.count("Traceback") == 2 and "RuntimeError: a program error" in log


def test_a_full_disk_is_named_as_such(tmp_path):
    error = OSError(28, "No space left on device")
    assert report_unexpected(error).startswith("The disk is full.")


FULL_TMPFS = """
set -e
mount -t tmpfs -o size=512k tmpfs "$MNT"
dd if=/dev/zero of="$MNT/filler" bs=1k count=600 2>/dev/null || true
"$PYTHON" -c "$CODE" "$MNT"
"""

EXPLAIN = """
import sqlite3, sys
from pathlib import Path
from station_app.i18n import set_language
from station_app.store.connection import explain_sqlite_error
set_language("en")
error = sqlite3.OperationalError("disk I/O error")
print(explain_sqlite_error(error, path=Path(sys.argv[1]) / "station.db"))
print(explain_sqlite_error(error, path=Path("/tmp/station.db")))
"""


def test_an_io_error_on_a_full_disk_is_called_a_full_disk(tmp_path):
    """SQLite says "disk I/O error" when its journal cannot grow; on a disk with (almost) no
    space left, the clerk is told the disk is full. A real full tmpfs in a private mount."""
    mount_point = tmp_path / "full"
    mount_point.mkdir()
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_TMPFS],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "MNT": str(mount_point),
            "PYTHON": sys.executable,
            "CODE": EXPLAIN,
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
        },
    )
    full, roomy = done.stdout.splitlines()
    assert full.startswith("The disk is full."), done.stderr
    assert roomy.startswith("The data folder cannot be read or written"), done.stderr
