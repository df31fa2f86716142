"""First-run setup writes the station and its administrator; login checks the password."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from station_app.domain import Role, StationLevel
from station_app.store.accounts import authenticate, is_initialised, local_station
from station_app.ui.login_dialog import LoginDialog
from station_app.ui.setup_wizard import SetupWizard


def _fill_wizard(
    qtbot, type_text, wizard: SetupWizard, *, password_again: str = "geheim-123"
) -> None:
    qtbot.keyClicks(wizard.code, "rc-mt")
    type_text(wizard.name, "码头镇消费者投诉站")
    wizard.level.setCurrentIndex(wizard.level.findData(StationLevel.TOWNSHIP))
    qtbot.keyClicks(wizard.parent_code, "rc")
    qtbot.keyClicks(wizard.username, "wangli")
    type_text(wizard.display_name, "王丽")
    qtbot.keyClicks(wizard.password, "geheim-123")
    qtbot.keyClicks(wizard.password_again, password_again)


def test_setup_wizard_creates_station_and_admin(qtbot, type_text, tasks, folder):
    wizard = SetupWizard(tasks)
    qtbot.addWidget(wizard)
    _fill_wizard(qtbot, type_text, wizard)
    assert wizard.code.text() == "RC-MT"  # typed in lower case, kept in upper case

    with qtbot.waitSignal(wizard.accepted, timeout=10_000):
        qtbot.mouseClick(wizard.save_button, Qt.MouseButton.LeftButton)

    assert wizard.station.code == "RC-MT"
    with folder.open_store() as store:
        assert is_initialised(store)
        station = local_station(store)
        assert (station.code, station.name, station.level, station.parent_code) == (
            "RC-MT",
            "码头镇消费者投诉站",
            StationLevel.TOWNSHIP,
            "RC",
        )
        admin = authenticate(store, "wangli", "geheim-123")
        assert admin is not None
        assert admin.role is Role.ADMIN and admin.display_name == "王丽"


def test_setup_wizard_asks_who_acts_with_the_station_mediating_by_default(
    qtbot, type_text, tasks, folder
):
    wizard = SetupWizard(tasks)
    qtbot.addWidget(wizard)
    _fill_wizard(qtbot, type_text, wizard)
    assert wizard.mediator.text() == "码头镇消费者投诉站"  # follows the station's name
    assert wizard.mediator_kind.currentData() == "station"
    type_text(wizard.authority, "局" * 500)
    wizard.submit()
    assert "500" in wizard.slots["authority.name"].problem.text()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    with folder.open_store() as store:
        assert not is_initialised(store)
    wizard.authority.clear()
    type_text(wizard.authority, "瑞昌市市场监督管理局码头市场监督管理所")
    type_text(wizard.authority_prefix, "瑞市监消")
    wizard.grab().save(str(Path(tempfile.gettempdir()) / "station-setup-wizard.png"))
    with qtbot.waitSignal(wizard.accepted, timeout=10_000):
        qtbot.mouseClick(wizard.save_button, Qt.MouseButton.LeftButton)
    with folder.open_store() as store:
        assert store.get_setting("authority.name") == "瑞昌市市场监督管理局码头市场监督管理所"
        assert store.get_setting("authority.prefix") == "瑞市监消"
        assert store.get_setting("mediator.name") == "码头镇消费者投诉站"
        assert store.get_setting("mediator.kind") == "station"


def test_setup_wizard_shows_problems_and_saves_nothing(qtbot, type_text, tasks, folder):
    wizard = SetupWizard(tasks)
    qtbot.addWidget(wizard)
    _fill_wizard(qtbot, type_text, wizard, password_again="something-else")
    wizard.parent_code.clear()

    wizard.submit()

    assert "differ" in wizard.slots["password_again"].problem.text()
    assert "code" in wizard.slots["parent_code"].problem.text()
    assert wizard.slots["name"].problem.isHidden()
    # nothing was sent to the database (a lookup of the city's settings may still run)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    with folder.open_store() as store:
        assert not is_initialised(store)


def test_setup_wizard_city_needs_no_parent(qtbot, tasks):
    wizard = SetupWizard(tasks)
    qtbot.addWidget(wizard)
    wizard.level.setCurrentIndex(wizard.level.findData(StationLevel.CITY))
    assert not wizard.parent_code.isEnabled()
    assert wizard.level.currentText() == "City"  # not "City staff", the role of the same value
    assert "parent_code" not in wizard.problems()


def test_login_rejects_a_wrong_password_then_accepts_the_right_one(
    qtbot, tasks, station_admin, admin_password
):
    station, _admin = station_admin
    dialog = LoginDialog(tasks, station)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: not dialog.problem.isHidden(), timeout=10_000)
    assert "wrong" in dialog.problem.text()
    assert dialog.password.text() == ""
    assert dialog.focusWidget() is dialog.password
    assert dialog.result() != QDialog.DialogCode.Accepted

    qtbot.keyClicks(dialog.password, admin_password)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.user is not None and dialog.user.username == "admin"


def test_setup_wizard_checks_the_password_length_as_it_is_typed(qtbot, tasks):
    wizard = SetupWizard(tasks)
    qtbot.addWidget(wizard)
    slot = wizard.slots["password"]
    qtbot.keyClicks(wizard.password, "abc")
    assert not slot.problem.isHidden()
    assert "at least 6 characters" in slot.problem.text()
    qtbot.keyClicks(wizard.password, "def")
    assert slot.problem.isHidden()
    qtbot.keyClick(wizard.password, Qt.Key.Key_Backspace)
    assert not slot.problem.isHidden()


def test_setup_wizard_takes_who_acts_from_the_city_offices_file(
    qtbot, type_text, tasks, folder, tmp_path
):
    """Before this PC can sync, the city office's settings file (e.g. on a USB stick) fills
    the acting bodies the city set for this station's township; a bad file is named."""
    import json

    wizard = SetupWizard(tasks)
    qtbot.addWidget(wizard)
    bad = tmp_path / "notes.json"
    bad.write_text("这不是设置文件", encoding="utf-8")
    assert not wizard.propose_from_file(bad)  # no station code yet
    _fill_wizard(qtbot, type_text, wizard)
    assert not wizard.propose_from_file(bad)
    assert "notes.json" in wizard.general_problem.text()
    city_file = tmp_path / "authority.json"
    city_file.write_text(
        json.dumps(
            {
                "defaults": {
                    "authority.name": "瑞昌市市场监督管理局",
                    "authority.prefix": "瑞市监消",
                    "mediator.kind": "consumer_association",
                },
                "townships": {
                    "RC-MT": {
                        "values": {"authority.name": "瑞昌市市场监督管理局码头市场监督管理所"}
                    }
                },
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    type_text(wizard.authority_prefix, "码市监")  # typed by the clerk: kept
    assert wizard.propose_from_file(city_file)
    assert wizard.authority.text() == "瑞昌市市场监督管理局码头市场监督管理所"
    assert wizard.authority_prefix.text() == "码市监"
    assert wizard.mediator_kind.currentData() == "consumer_association"
    assert wizard.general_problem.text() == ""
    with qtbot.waitSignal(wizard.accepted, timeout=10_000):
        qtbot.mouseClick(wizard.save_button, Qt.MouseButton.LeftButton)
    with folder.open_store() as store:
        assert store.get_setting("authority.name") == "瑞昌市市场监督管理局码头市场监督管理所"
        assert store.get_setting("mediator.kind") == "consumer_association"
