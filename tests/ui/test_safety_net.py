"""Start-up: the database is checked and the day's first backup made off the UI thread;
damage stops the app with the way back; the second backup folder is a station setting."""

from __future__ import annotations

import os

from PySide6.QtCore import QTimer

from station_app.backup import BACKUP_FOLDER, SECOND_FOLDER_SETTING, list_backups
from station_app.store import Store
from station_app.ui.safety_net import SafetyNet
from station_app.ui.station_settings import StationSettingsDialog
from tests.ui.conftest import closing_message_boxes, driving_the_app


def test_the_first_start_of_the_day_checks_and_backs_up(qtbot, main_window, folder, tmp_path):
    usb = tmp_path / "usb"
    with folder.open_store() as store:
        store.set_setting(SECOND_FOLDER_SETTING, str(usb))
    net = SafetyNet(folder)
    net.show_in(main_window)
    net.start()
    qtbot.waitUntil(lambda: net.backup is not None, timeout=30_000)
    assert net.verdict == "ok"
    assert net.backup.path.exists() and net.backup.second_copy.exists()
    assert "Today's backup is made" in main_window.statusBar().currentMessage()
    net.wait()
    # The second start of the day finds today's backup and makes no other.
    again = SafetyNet(folder)
    again.start()
    again.wait()
    qtbot.waitUntil(lambda: again.verdict == "ok", timeout=10_000)
    assert len(list_backups(folder.path / BACKUP_FOLDER)) == 1


def test_a_damaged_database_is_named_with_the_way_back(qtbot, folder, station_admin, sample_cases):
    with folder.open_store() as store:
        store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = store.scalar("PRAGMA page_size")
        root = store.scalar("SELECT rootpage FROM sqlite_master WHERE name = 'parties'")
    with Store(folder.database_path, migrate=False) as store:
        from station_app.backup import back_up

        back_up(store, folder.path)  # yesterday's backup, say
    with folder.database_path.open("r+b") as f:
        f.seek((root - 1) * page_size + 8)
        f.write(os.urandom(page_size - 16))
    net = SafetyNet(folder)
    with qtbot.waitSignal(net.damaged, timeout=30_000) as seen:
        net.start()
    net.wait()
    message = seen.args[0]
    assert "damaged" in message and "station-app restore" in message
    assert str(folder.path / BACKUP_FOLDER) in message
    assert net.backup is None  # a damaged database is never backed up over good copies


def test_the_second_backup_folder_is_saved_and_must_be_a_whole_path(qtbot, tasks, admin, tmp_path):
    dialog = StationSettingsDialog(tasks, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded is not None, timeout=5_000)
    assert dialog.backup_folder.text() == ""
    dialog.backup_folder.setText("backups-on-usb")
    dialog.save_button.click()
    assert dialog.isVisible() and "whole path" in dialog.problems.text()
    dialog.backup_folder.setText(str(tmp_path / "usb"))
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save_button.click()
    with tasks.folder.open_store() as store:
        assert store.get_setting(SECOND_FOLDER_SETTING) == str(tmp_path / "usb")


def test_the_app_refuses_an_empty_database_naming_the_backup(qapp, folder, station_admin):
    from station_app.backup import back_up
    from station_app.data_folder import DataFolder
    from station_app.ui.app import run_gui

    with folder.open_store() as store:
        backup = back_up(store, folder.path).path
    path = folder.path
    folder.close()
    for suffix in ("-wal", "-shm"):
        (path / f"station.db{suffix}").unlink(missing_ok=True)
    (path / "station.db").write_bytes(b"")
    seen: list[str] = []
    with driving_the_app(closing_message_boxes(seen)):
        code = run_gui(path)
    DataFolder(path).close()
    assert code == 1
    assert seen and "empty (0 bytes)" in seen[0] and str(backup) in seen[0]
    assert (path / "station.db").read_bytes() == b""


def test_back_up_now_from_the_settings(qtbot, tasks, admin, tmp_path):
    usb = tmp_path / "usb"
    with tasks.folder.open_store() as store:
        store.set_setting(SECOND_FOLDER_SETTING, str(usb))
    dialog = StationSettingsDialog(tasks, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded is not None, timeout=5_000)
    said: list[str] = []
    timer = QTimer()
    timer.timeout.connect(closing_message_boxes(said))
    timer.start(50)
    dialog.back_up_button.click()
    qtbot.waitUntil(lambda: bool(said), timeout=30_000)
    timer.stop()
    made = dialog.last_backup
    assert made.path.parent == tasks.folder.path / BACKUP_FOLDER and made.path.exists()
    assert (usb / made.path.name).exists()
    assert str(made.path) in said[0] and str(usb) in said[0]
    assert dialog.back_up_button.isEnabled()
