"""The log file in the data folder rotates (2 MB, 3 old files kept), and a rotation that
cannot rename the file (Windows, when another process has it open) loses no record."""

from __future__ import annotations

import logging
import re

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


def test_the_log_file_holds_no_whole_id_number_or_phone(tmp_path, capsys):
    """An error's message may quote what was typed; the log file (and the console line) keep
    only the masked numbers, as the lists show them."""
    from station_app.error_report import log_unexpected

    path = configure_logging(tmp_path)
    try:
        try:
            try:
                int("11010519491231002X")
            except ValueError as error:
                raise KeyError("phone 138-1234-6721, landline 0791-88886666") from error
        except KeyError as error:
            log_unexpected(error, doing="saving 张三 13955551234")
        logging.getLogger("station_app.test").warning("party 13812346721 not found")
        text = path.read_text(encoding="utf-8")
        console = capsys.readouterr().err
    finally:
        unconfigure_logging()
    for whole in ("11010519491231002X", "1234-6721", "88886666", "13955551234", "13812346721"):
        assert whole not in text and whole not in console
    assert "110105********002X" in text and "Traceback" in text
    assert "138****6721" in text and "0791-****6666" in text and "139****1234" in text
    assert "138****6721 not found" in console
    # The time of each line stays readable.
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text)
