"""Starting the app: a folder already in use or a newer database stops it with a clear message;
a fresh folder goes through setup and login to the main window."""

from __future__ import annotations

import json
from datetime import datetime

import keyring
from PySide6.QtWidgets import QApplication

from station_app.data_folder import DataFolder
from station_app.data_key import KEY_FILE, create_folder_key, key_from_recovery, load_folder_key
from station_app.domain import Role, Station, StationLevel, User
from station_app.store import driver
from station_app.store.accounts import initialise_station, local_station
from station_app.ui.app import run_gui
from station_app.ui.login_dialog import LoginDialog
from station_app.ui.main_window import MainWindow
from station_app.ui.recovery_key_dialog import RecoveryKeyNotice, RecoveryKeyPrompt
from station_app.ui.setup_wizard import SetupWizard
from tests.ui.conftest import closing_message_boxes, driving_the_app


def visible(kind: type):
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None
    )


def test_a_folder_in_use_stops_the_start_with_its_message(qapp, data_dir):
    seen: list[str] = []
    with DataFolder(data_dir), driving_the_app(closing_message_boxes(seen)):
        code = run_gui(data_dir)
    assert code == 1
    assert seen and "already running" in seen[0]


def test_a_database_from_a_newer_version_is_refused(qapp, folder, station_admin):
    with folder.open_store() as store:
        store.execute(
            "INSERT INTO schema_version VALUES (99, 'from the future', ?)",
            (datetime.now().isoformat(),),
        )
    path = folder.path
    folder.close()
    seen: list[str] = []
    with driving_the_app(closing_message_boxes(seen)):
        code = run_gui(path)
    DataFolder(path).close()  # the lock was released
    assert code == 1
    assert seen and "newer version" in seen[0]


def test_first_start_runs_setup_then_login_then_the_main_window(qapp, qtbot, data_dir):
    done: dict[str, object] = {}

    def step() -> None:
        wizard = visible(SetupWizard)
        if wizard is not None and "wizard" not in done:
            done["wizard"] = True
            wizard.code.setText("RC-MT")
            wizard.name.setText("码头镇消费者投诉站")
            wizard.parent_code.setText("RC")
            wizard.username.setText("wangli")
            wizard.display_name.setText("王丽")
            wizard.password.setText("geheim-123")
            wizard.password_again.setText("geheim-123")
            wizard.submit()
        notice = visible(RecoveryKeyNotice)
        if notice is not None and "recovery" not in done:
            done["recovery"] = notice.key_label.text()
            done["continue_at_first"] = notice.continue_button.isEnabled()
            notice.reject()  # Esc does not skip the step
            notice.written_down.setChecked(True)
            notice.continue_button.click()
        login = visible(LoginDialog)
        if login is not None and "login" not in done:
            done["login"] = login.username.text()
            done["notice_before_login"] = "recovery" in done
            login.password.setText("geheim-123")
            login.submit()
        window = visible(MainWindow)
        if window is not None and "window" not in done and window.model.loaded:
            done["window"] = window.windowTitle()
            done["todays_work"] = window.todays_work is not None and window.todays_work.isVisible()
            window.close()

    with driving_the_app(step):
        code = run_gui(data_dir)
    assert code == 0
    assert done["login"] == "wangli"  # the new administrator's name is filled in
    assert "码头镇消费者投诉站" in done["window"]
    assert done["todays_work"]  # 今日待办 opens on start-up
    # The new station's database is encrypted from the start; its recovery key was shown
    # once, before the login, and Continue waited for "written down".
    assert done["notice_before_login"] and done["continue_at_first"] is False
    assert key_from_recovery(done["recovery"]) == load_folder_key(data_dir)
    assert not (data_dir / "station.db").read_bytes().startswith(driver.SQLITE_HEADER)
    with DataFolder(data_dir) as folder, folder.open_store() as store:
        assert local_station(store).code == "RC-MT"
        assert store.key == load_folder_key(data_dir)


def test_a_missing_key_is_asked_for_before_the_login(qapp, data_dir):
    data_dir.mkdir()
    recovery = create_folder_key(data_dir)
    with DataFolder(data_dir) as folder, folder.open_store() as store:
        initialise_station(
            store,
            Station(code="RC-MT", name="码头镇消费者投诉站", level=StationLevel.TOWNSHIP),
            User(username="wangli", display_name="王丽", role=Role.ADMIN, station_code="RC-MT"),
            "geheim-123",
        )
    folder_id = json.loads((data_dir / KEY_FILE).read_text())["folder_id"]
    keyring.delete_password("station-app", f"data-key#{folder_id}")  # another PC
    done: dict[str, object] = {}

    def step() -> None:
        prompt = visible(RecoveryKeyPrompt)
        if prompt is not None and "typo" not in done:
            done["typo"] = True
            prompt.key_edit.setText(recovery[:-2] + "QQ")
            prompt.open_button.click()
            done["told"] = prompt.problem.text()
            done["stored_after_typo"] = keyring.get_password("station-app", f"data-key#{folder_id}")
            prompt.key_edit.setText(recovery.lower())
            prompt.open_button.click()
        login = visible(LoginDialog)
        if login is not None and "login" not in done:
            done["login"] = login.username.text() or "shown"
            login.reject()

    with driving_the_app(step):
        code = run_gui(data_dir)
    assert code == 0
    assert "not right" in done["told"] and done["stored_after_typo"] is None
    assert done["login"]  # the login came after the key was entered
    assert load_folder_key(data_dir) == key_from_recovery(recovery)


def test_demo_start_makes_sample_cases(qapp, data_dir):
    done: dict[str, object] = {}

    def step() -> None:
        login = visible(LoginDialog)
        if login is not None and "login" not in done:
            done["login"] = login.username.text()
            login.password.setText("demo1234")
            login.submit()
        window = visible(MainWindow)
        if window is not None and window.model.loaded and "rows" not in done:
            done["rows"] = window.model.rowCount()
            window.close()

    with driving_the_app(step):
        code = run_gui(data_dir, demo_cases=50)
    assert code == 0
    assert done == {"login": "admin", "rows": 50}


def test_first_start_without_a_secure_keyring_warns_and_sets_up_unencrypted(qapp, data_dir):
    from keyring.backends import fail

    done: dict[str, object] = {}

    def step() -> None:
        wizard = visible(SetupWizard)
        if wizard is not None and "wizard" not in done:
            done["wizard"] = wizard.not_encrypted.isVisible() and wizard.not_encrypted.text()
            wizard.grab().save(str(data_dir.parent / "wizard-not-encrypted.png"))
            wizard.code.setText("RC-MT")
            wizard.name.setText("码头镇消费者投诉站")
            wizard.parent_code.setText("RC")
            wizard.username.setText("wangli")
            wizard.display_name.setText("王丽")
            wizard.password.setText("geheim-123")
            wizard.password_again.setText("geheim-123")
            wizard.submit()
        done["notice"] = done.get("notice") or visible(RecoveryKeyNotice) is not None
        login = visible(LoginDialog)
        if login is not None and "login" not in done:
            done["login"] = True
            login.reject()

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with driving_the_app(step):
            code = run_gui(data_dir)
    finally:
        keyring.set_keyring(before)
    assert code == 0 and done["login"] and not done["notice"]
    assert "will not be encrypted" in done["wizard"]
    assert not (data_dir / KEY_FILE).exists()
    assert (data_dir / "station.db").read_bytes().startswith(driver.SQLITE_HEADER)
