"""Fixtures for the UI tests: offscreen Qt, a data folder, a station with its admin, a few cases."""

from __future__ import annotations

import os

# Before anything imports Qt: offscreen, on the screen a 1366×768 laptop leaves above the
# Windows taskbar (every window must fit it).
SCREEN_CONFIG = os.path.join(os.path.dirname(__file__), "screen_1366x728.json")
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREEN_CONFIG}"

from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from station_app import i18n  # noqa: E402
from station_app.data_folder import DataFolder  # noqa: E402
from station_app.demo import DEMO_ACTING  # noqa: E402
from station_app.domain import Case, Role, Station, StationLevel, User  # noqa: E402
from station_app.intake import register_cases  # noqa: E402
from station_app.store.accounts import initialise_station  # noqa: E402
from station_app.store.station_settings import save_acting_settings  # noqa: E402

STATION_CODE = "RC-MT"
ADMIN = "admin"
ADMIN_PASSWORD = "admin-secret-123"
TODAY = date(2026, 3, 2)
VALID_USCC = "91520382709601191M"
BAD_CHECKSUM_USCC = "915203827096011910"


def complaint_data(name: str, phone: str, **changes) -> dict:
    """A complete, valid complaint in the intake JSON shape."""
    data = {
        "kind": "complaint",
        "channel": "phone",
        "received_at": "2026-03-01 09:30",
        "complainants": [{"name": name, "gender": "male", "phone": phone}],
        "merchant": {"name": "瑞昌市好又多超市", "uscc": VALID_USCC, "address": "瑞昌市湓城街道"},
        "goods_or_service": "goods",
        "category": "家用电子电器类",
        "problem_nature": "质量",
        "amount": "1299.50",
        "request": "退货退款",
        "facts": "购买的电饭煲使用三天后无法加热",
    }
    data.update(changes)
    return data


SAMPLE_CASES = [
    complaint_data(
        "张三",
        "13812346721",
        complainants=[
            {
                "name": "张三",
                "gender": "male",
                "phone": "13812346721",
                "id_type": "resident_id",
                "id_number": "11010519491231002X",
            }
        ],
    ),
    complaint_data("李四", "13998765432", kind="report", channel="walk_in"),
    complaint_data("王小明", "13700001111", kind="consultation", channel="letter"),
    complaint_data(
        "赵六",
        "13600002222",
        complainants=[
            {"name": "赵六", "phone": "13600002222"},
            {"name": "钱七", "phone": "13600003333"},
        ],
    ),
]


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Messages in the source language, so assertions do not depend on the catalogue."""
    before = i18n.current_language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


@pytest.fixture(autouse=True)
def window_sizes(tmp_path_factory) -> Path:
    """Remembered window sizes in a folder of this test's own, never the user's profile."""
    from PySide6.QtCore import QSettings

    path = tmp_path_factory.mktemp("window-sizes")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(path))
    return path


@pytest.fixture(autouse=True)
def no_quit_left_behind(qapp) -> Iterator[None]:
    """Fail the test after which the app is left quitting.

    QApplication.exit() called while app.exec() is not running (a "give up" timer of a test
    that outlived it, say) sets the UI thread's quit flag, and only app.exec() clears it: from
    then on every QEventLoop.exec() returns at once, so qtbot.wait, waitUntil and waitSignal
    process no events and every later test stalls waiting for a result that is queued but
    never delivered."""
    from PySide6.QtCore import QEventLoop, QTimer

    yield
    loop = QEventLoop()
    QTimer.singleShot(0, loop, loop.quit)
    if loop.exec() == -1:
        pytest.fail(
            "QApplication.exit() was called while app.exec() was not running; every later "
            "event loop would return at once (stop 'give up' timers once run_gui returns)"
        )


@contextmanager
def driving_the_app(steps: Callable[[], None], give_up_after_ms: int = 30_000) -> Iterator[None]:
    """While the body runs the app (run_gui): call `steps` every 50 ms, and end the app with
    99 if it takes too long. Both timers stop when the body ends, so the "give up" never
    fires into a later test (QApplication.exit outside app.exec stalls every later wait)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    stepper = QTimer()
    stepper.timeout.connect(steps)
    give_up = QTimer()
    give_up.setSingleShot(True)
    give_up.timeout.connect(lambda: QApplication.instance().exit(99))
    quit_on_close = QApplication.instance().quitOnLastWindowClosed()
    stepper.start(50)
    give_up.start(give_up_after_ms)
    try:
        yield
    finally:
        stepper.stop()
        give_up.stop()
        QApplication.instance().setQuitOnLastWindowClosed(quit_on_close)


def closing_message_boxes(seen: list[str]) -> Callable[[], None]:
    """A step that accepts the message box in front, noting its text in `seen`."""

    def step() -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.accept()

    return step


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def folder(data_dir: Path) -> Iterator[DataFolder]:
    folder = DataFolder(data_dir)
    yield folder
    folder.close()


@pytest.fixture
def station_admin(folder: DataFolder) -> tuple[Station, User]:
    """An initialised township station RC-MT with the administrator admin / admin-secret-123."""
    station = Station(STATION_CODE, "码头镇消费者投诉站", StationLevel.TOWNSHIP, parent_code="RC")
    admin = User(ADMIN, "管理员", Role.ADMIN, STATION_CODE)
    with folder.open_store() as store:
        initialise_station(store, station, admin, ADMIN_PASSWORD)
        save_acting_settings(store, DEMO_ACTING, actor=ADMIN)
    return station, admin


@pytest.fixture
def admin(station_admin: tuple[Station, User]) -> User:
    return station_admin[1]


@pytest.fixture
def sample_cases(folder: DataFolder, admin: User) -> list[Case]:
    """Four cases: 张三 (complaint, 13812346721, ID 11010519491231002X), 李四 (report),
    王小明 (consultation),
    赵六 and 钱七 (one complaint with two complainants)."""
    with folder.open_store() as store:
        return register_cases(
            store, SAMPLE_CASES, user=admin, station_code=STATION_CODE, today=TODAY
        )


@pytest.fixture
def tasks(qtbot, folder: DataFolder):
    from station_app.ui.tasks import TaskRunner

    runner = TaskRunner(folder)
    # Let the worker open (and on a fresh folder, create) the database before a test opens it
    # too: two connections migrating a new database at once collide in the core's migration.
    opened = []
    runner.submit(lambda store: None, success=opened.append)
    try:
        qtbot.waitUntil(lambda: len(opened) == 1, timeout=30000)
        yield runner
    finally:
        # Also when the set-up fails: a worker thread left running aborts the interpreter.
        runner.shutdown()


@pytest.fixture
def main_window(qtbot, folder: DataFolder, station_admin, sample_cases):
    """The main window over the sample cases, once its first rows are painted."""
    from station_app.ui.app import open_main_window

    station, admin = station_admin
    window = open_main_window(folder, admin, station=station)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.model.rowCount() == len(sample_cases), timeout=30000)
    qtbot.waitUntil(lambda: window.model.is_row_cached(0), timeout=30000)
    yield window
    window.tasks.shutdown()


def type_into(qtbot, widget, text: str) -> None:
    """Type like a clerk: keys for ASCII, an input-method commit (as from a Chinese IME) otherwise."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def type_text(qtbot):
    """type_text(widget, text): type into a line edit or text box, Chinese included."""
    return lambda widget, text: type_into(qtbot, widget, text)


@pytest.fixture
def admin_password() -> str:
    return ADMIN_PASSWORD


@pytest.fixture
def make_complaint():
    """complaint_data(name, phone, **changes): a valid complaint as intake JSON."""
    return complaint_data


@pytest.fixture
def stored_case_count(folder: DataFolder):
    """A function giving the number of live cases in the database (read in the test thread)."""

    def count() -> int:
        from station_app.store.case_list import count_cases

        with folder.open_store() as store:
            return count_cases(store)

    return count
