"""The log file in the data folder rotates (2 MB, 3 old files kept), and a rotation that
cannot rename the file (Windows, when another process has it open) loses no record."""

from __future__ import annotations

import logging

from station_app import error_report
from station_app.error_report import configure_logging, unconfigure_logging


def _handler() -> logging.handlers.RotatingFileHandler:
    return error_report._state["handler"]


def test_the_log_rotates_and_keeps_three_old_files(tmp_path):
    path = configure_logging(tmp_path, console=False)
    try:
        handler = _handler()
        assert (handler.maxBytes, handler.backupCount) == (2_000_000, 3)
        handler.maxBytes = 2_000  # as if 2 MB were written, a thousand times faster
        log = logging.getLogger("station_app.test")
        for number in range(200):
            log.info("record %04d %s", number, "x" * 80)
        logs = sorted(p.name for p in path.parent.iterdir())
        assert logs == [
            "station-app.log",
            "station-app.log.1",
            "station-app.log.2",
            "station-app.log.3",
        ]
        for file in path.parent.iterdir():
            assert file.stat().st_size <= 2_000 + 200
        assert "record 0199" in path.read_text(encoding="utf-8")
        assert "record 0000" not in "".join(
            f.read_text(encoding="utf-8") for f in path.parent.iterdir()
        )  # the oldest went with the fourth old file
    finally:
        unconfigure_logging()


def test_a_rotation_that_cannot_rename_loses_no_record(tmp_path, monkeypatch):
    path = configure_logging(tmp_path, console=False)
    try:
        handler = _handler()
        handler.maxBytes = 2_000
        calls = []

        def locked(source: str, dest: str) -> None:
            calls.append(source)
            raise PermissionError(13, "The process cannot access the file")

        monkeypatch.setattr(handler, "rotate", locked)
        log = logging.getLogger("station_app.test")
        for number in range(300):
            log.info("record %04d %s", number, "x" * 80)
        text = path.read_text(encoding="utf-8")
        assert all(f"record {n:04d}" in text for n in range(300))
        # Tried again after a while, not at every record.
        assert 1 < len(calls) < 10
        assert sorted(p.name for p in path.parent.iterdir()) == ["station-app.log"]

        monkeypatch.undo()  # the other process let go of the file: rotation resumes
        for number in range(300, 700):
            log.info("record %04d %s", number, "x" * 80)
        assert (path.parent / "station-app.log.1").exists()
        assert "record 0699" in path.read_text(encoding="utf-8")
    finally:
        unconfigure_logging()
