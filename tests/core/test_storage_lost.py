"""The disk of the data folder is not there: a USB stick not plugged in at start, or pulled out
while the program runs. A clear message, nothing created beside the real station, nothing lost."""

from __future__ import annotations

import errno
import sqlite3

import pytest

from station_app import i18n
from station_app.data_folder import DataFolder, FolderUnreachable
from station_app.error_report import (
    is_storage_lost,
    os_error_reason,
    report_unexpected,
    storage_lost_message,
)
from station_app.store import Store, StoreError
from station_app.store.connection import explain_sqlite_error
from tests.support.cli import init_station, run


class _WindowsError(OSError):
    """An OSError as Windows raises it for a device that is gone (winerror set)."""

    def __init__(self, winerror: int, text: str):
        super().__init__(errno.EINVAL, text)
        self.winerror = winerror


def test_a_station_on_a_usb_stick_that_is_not_plugged_in_is_not_set_up_anew(tmp_path):
    usb = tmp_path / "usb-stick"  # the stick's mount point: not there
    done = run(usb / "station-data", "due", "--json")
    assert done.returncode != 0
    assert "USB stick" in done.stderr and str(usb) in done.stderr
    assert "Traceback" not in done.stderr
    assert not usb.exists()  # no empty station made where the stick should be


def test_the_message_is_in_chinese_for_the_clerk(tmp_path):
    i18n.set_language("zh_CN")
    try:
        with pytest.raises(FolderUnreachable) as caught:
            DataFolder(tmp_path / "E盘" / "投诉站数据")
        assert "U盘" in str(caught.value)
    finally:
        i18n.set_language("en")


def test_a_folder_whose_parent_exists_is_made_for_a_new_station(tmp_path):
    with DataFolder(tmp_path / "new-station") as folder:
        assert folder.path.is_dir()


def test_the_station_is_found_again_once_the_stick_is_back(tmp_path):
    usb = tmp_path / "usb-stick"
    init_station(tmp_path / "elsewhere")  # a set-up station, then "moved" onto the stick
    usb.mkdir()
    (tmp_path / "elsewhere").rename(usb / "station-data")
    done = run(usb / "station-data", "due", "--json")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.EIO, "Input/output error"),
        OSError(errno.ENODEV, "No such device"),
        _WindowsError(1167, "The device is not connected"),
        _WindowsError(21, "The device is not ready"),
    ],
)
def test_a_disk_that_went_away_is_named_as_such(error):
    assert is_storage_lost(error)
    assert report_unexpected(error) == storage_lost_message()
    assert "USB stick" in os_error_reason(error)


def test_other_file_errors_are_not_taken_for_a_lost_disk():
    assert not is_storage_lost(OSError(errno.ENOENT, "No such file or directory"))
    assert not is_storage_lost(OSError(errno.ENOSPC, "No space left on device"))
    assert not is_storage_lost(ValueError("x"))


@pytest.mark.parametrize("text", ["disk I/O error", "unable to open database file"])
def test_sqlite_losing_its_file_says_to_plug_the_disk_back_in(text):
    message = explain_sqlite_error(sqlite3.OperationalError(text))
    assert message == storage_lost_message()
    assert "Cases saved before are not affected" in message


def test_a_database_whose_folder_is_gone_gives_the_message_and_no_traceback(tmp_path):
    with pytest.raises(StoreError) as caught:
        Store(tmp_path / "gone" / "station.db")
    assert "USB stick" in str(caught.value)
