"""Starting the app: a folder already in use or a newer database stops it with a clear message;
a fresh folder goes through setup and login to the main window."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QApplication

from station_app.data_folder import DataFolder
from station_app.store.accounts import local_station
from station_app.ui.app import run_gui
from station_app.ui.login_dialog import LoginDialog
from station_app.ui.main_window import MainWindow
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
        login = visible(LoginDialog)
        if login is not None and "login" not in done:
            done["login"] = login.username.text()
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
    with DataFolder(data_dir) as folder, folder.open_store() as store:
        assert local_station(store).code == "RC-MT"


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
