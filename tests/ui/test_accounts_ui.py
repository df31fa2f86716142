"""Account management (admins), changing one's own password, and the login remembering the
last user name and telling a locked-out user when to try again."""

from __future__ import annotations

from PySide6.QtCore import Qt

from station_app.data_folder import DataFolder
from station_app.domain import Role, User
from station_app.store.accounts import LoginOutcome, add_user, find_user, log_in
from station_app.ui.accounts_dialog import NewUserDialog, ResetPasswordDialog
from station_app.ui.login_dialog import LoginDialog


def _log_in(qtbot, dialog: LoginDialog, password: str) -> None:
    dialog.password.setText(password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.login_button.isEnabled(), timeout=10_000)


def _add_clerk(folder: DataFolder) -> None:
    with folder.open_store() as store:
        add_user(store, User("li", "李文书", Role.CLERK, "RC-MT"), "li-pass-1")


def _state(folder: DataFolder, username: str, password: str) -> LoginOutcome:
    with folder.open_store() as store:
        return log_in(store, username, password).outcome


def test_the_login_offers_the_last_user_name(qtbot, tasks, folder, station_admin):
    station, _admin = station_admin
    _add_clerk(folder)
    first = LoginDialog(tasks, station)
    qtbot.addWidget(first)
    first.show()
    first.username.setText("li")
    with qtbot.waitSignal(first.accepted, timeout=10_000):
        _log_in(qtbot, first, "li-pass-1")

    second = LoginDialog(tasks, station)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitUntil(lambda: second.username.text() == "li", timeout=10_000)
    assert second.focusWidget() is second.password


def test_a_locked_out_user_is_told_when_to_try_again(qtbot, tasks, folder, station_admin):
    station, _admin = station_admin
    _add_clerk(folder)
    dialog = LoginDialog(tasks, station, "li")
    qtbot.addWidget(dialog)
    dialog.show()
    for attempt in range(4):
        _log_in(qtbot, dialog, f"wrong-{attempt}")
    assert "1 more wrong" in dialog.problem.text()
    _log_in(qtbot, dialog, "wrong-5")
    assert "locked" in dialog.problem.text() and "Try again" in dialog.problem.text()
    _log_in(qtbot, dialog, "li-pass-1")  # the right password, too late
    assert dialog.user is None
    assert "locked on this computer until" in dialog.problem.text()


def test_an_administrator_adds_a_user_gives_a_role_disables_and_resets(
    qtbot, type_text, main_window, folder
):
    assert main_window.accounts_action is not None
    main_window.accounts_action.trigger()
    dialog = main_window.accounts_dialog
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10_000)
    assert dialog.table.item(0, 0).text() == "admin"

    form = dialog.add_user()
    assert isinstance(form, NewUserDialog)
    type_text(form.username, "wang.fang")
    type_text(form.display_name, "王芳")
    form.role.setCurrentIndex(form.role.findData(Role.OFFICER))
    type_text(form.password, "fang-pass-1")
    type_text(form.repeated, "fang-pass-2")
    form.submit()
    assert "differ" in form.problem.text()
    form.repeated.setText("fang-pass-1")
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        form.submit()
    names = [dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())]
    assert names == ["admin", "wang.fang"]
    assert dialog.table.item(1, 1).text() == "王芳"
    assert dialog.table.item(1, 2).text() == "Officer"
    assert _state(folder, "wang.fang", "fang-pass-1") is LoginOutcome.OK

    dialog.select("wang.fang")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.CLERK))
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.role_button.click()
    with folder.open_store() as store:
        assert find_user(store, "wang.fang").role is Role.CLERK

    assert dialog.active_button.text() == "Disable"
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.active_button.click()
    assert dialog.table.item(1, 3).text() == "Disabled"
    assert dialog.active_button.text() == "Enable"
    assert _state(folder, "wang.fang", "fang-pass-1") is LoginOutcome.DISABLED

    form = dialog.reset_password()
    assert isinstance(form, ResetPasswordDialog) and form.target == "wang.fang"
    form.password.setText("fang-pass-9")
    form.repeated.setText("fang-pass-9")
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        form.submit()
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.active_button.click()  # enable again
    assert _state(folder, "wang.fang", "fang-pass-9") is LoginOutcome.OK


def test_the_last_administrator_cannot_be_disabled_in_the_app(qtbot, main_window):
    dialog = main_window.show_accounts()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10_000)
    dialog.select("admin")
    dialog.active_button.click()
    qtbot.waitUntil(lambda: not dialog.problem.isHidden(), timeout=10_000)
    assert "last active administrator" in dialog.problem.text()
    assert dialog.table.item(0, 3).text() == "Active"


def test_a_clerk_changes_their_password_and_sees_no_account_management(
    qtbot, folder, station_admin, sample_cases
):
    from station_app.ui.app import open_main_window

    station, _admin = station_admin
    _add_clerk(folder)
    with folder.open_store() as store:
        clerk = find_user(store, "li")
    window = open_main_window(folder, clerk, station=station)
    qtbot.addWidget(window)
    try:
        assert window.accounts_action is None and window.show_accounts() is None
        window.change_password_action.trigger()
        dialog = window.password_dialog
        dialog.current.setText("li-pass-1")
        dialog.new.setText("li-pass-2")
        dialog.repeated.setText("li-pass-3")
        dialog.submit()
        assert "differ" in dialog.problem.text()
        dialog.current.setText("not-mine")
        dialog.repeated.setText("li-pass-2")
        dialog.submit()
        qtbot.waitUntil(
            lambda: "current password is wrong" in dialog.problem.text(), timeout=10_000
        )
        dialog.current.setText("li-pass-1")
        with qtbot.waitSignal(dialog.accepted, timeout=10_000):
            dialog.submit()
        assert _state(folder, "li", "li-pass-2") is LoginOutcome.OK
        assert _state(folder, "li", "li-pass-1") is LoginOutcome.WRONG
    finally:
        window.tasks.shutdown()
