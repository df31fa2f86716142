"""Sync in the app against a real city server started by the test (tests/server/live.py): the
enrolment dialog enrols, Sync now sends and fetches and the status bar follows, a failing or
revoking server is explained in Chinese, cancel stops a round, the conflict review resolves a
conflict so that it syncs, and the new dialogs fit 1366×728."""

# The live server's fixtures are imported here (the UI tests have no server conftest), so
# the tests' parameters of the same names "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from city_server.stations import add_station, revoke_station
from station_app import i18n
from station_app.domain import Role, Station, StationLevel, User
from station_app.store import sync_state
from station_app.store.accounts import initialise_station
from station_app.store.sync_apply import pending_conflicts
from station_app.sync.engine import sync_status
from station_app.sync.enrolment import enrol
from station_app.sync.secrets import load_sync_token
from tests.core.conftest import save_case
from tests.server.live import Backend, free_port, sqlite_backend  # noqa: F401
from tests.server.sync_support import city_codes, make_replica, memory_keyring  # noqa: F401
from tests.ui.test_window_fit import assert_fits

ADMIN_PASSWORD = "admin-secret-123"
WAIT = 60_000


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return Path(os.environ.get("STATION_SCREENSHOTS") or tmp_path)


@pytest.fixture
def codes(sqlite_backend: Backend) -> dict[str, str]:
    """A city and a township on the server; the PC under test will be village_a."""
    codes = city_codes()
    with sqlite_backend.engine.begin() as conn:
        add_station(conn, codes["city"], "市局", "city", None)
    return codes


@pytest.fixture
def village(folder, codes) -> tuple[Station, User]:
    """This PC: village station codes['village_a'] (not yet on the server) with its admin."""
    station = Station(
        codes["village_a"], "下村投诉站", StationLevel.VILLAGE, parent_code=codes["township"]
    )
    admin = User("admin", "管理员", Role.ADMIN, station.code)
    with folder.open_store() as store:
        initialise_station(store, station, admin, ADMIN_PASSWORD)
    return station, admin


@pytest.fixture
def township(tmp_path, sqlite_backend, codes, memory_keyring):
    replica = make_replica(
        tmp_path, sqlite_backend, "township", codes["township"], "township", codes["city"]
    )
    yield replica
    replica.close()


def village_enrolment_code(backend: Backend, station: Station) -> str:
    with backend.engine.begin() as conn:
        return add_station(conn, station.code, station.name, "village", station.parent_code)


@pytest.fixture
def enrolled(folder, village, township, sqlite_backend, memory_keyring):
    station, admin = village
    code = village_enrolment_code(sqlite_backend, station)
    with folder.open_store() as store:
        enrol(store, sqlite_backend.url, code)
    return station, admin


def open_window(qtbot, folder, user, station):
    from station_app.ui.app import open_main_window

    window = open_main_window(folder, user, station=station)
    qtbot.addWidget(window)
    controller = window.sync_panel.controller
    # The tests start every round themselves.
    controller.timer.stop()
    controller._first.stop()
    qtbot.waitUntil(lambda: controller.status is not None, timeout=WAIT)
    return window


@pytest.fixture
def window(qtbot, folder, enrolled):
    station, admin = enrolled
    window = open_window(qtbot, folder, admin, station)
    yield window
    window.close()
    window.tasks.shutdown()


def wait_round(qtbot, window) -> None:
    controller = window.sync_panel.controller
    qtbot.waitUntil(lambda: not controller.running, timeout=WAIT)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=WAIT)


def read(folder, fn):
    with folder.open_store() as store:
        return fn(store)


def test_sync_now_sends_the_changes_and_the_status_bar_follows(qtbot, folder, window, township):
    panel = window.sync_panel
    station = window.station
    case = read(folder, lambda store: save_case(store, station.code, facts="村里登记的事实"))
    pending = read(folder, lambda store: sync_status(store).pending)
    assert pending > 0
    panel.controller.refresh_status()  # written outside the app: no "data changed" signal
    qtbot.waitUntil(lambda: f"{pending} to send" in panel.label.text(), timeout=WAIT)
    assert "Not synced yet" in panel.label.text()
    assert panel.sync_action.shortcut().toString() == "Ctrl+Shift+S"
    assert panel.sync_action in window.findChildren(type(panel.sync_action))

    panel.sync_action.trigger()
    assert panel.controller.running and panel.cancel_button.isVisible()
    wait_round(qtbot, window)
    qtbot.waitUntil(lambda: "to send" not in panel.label.text(), timeout=WAIT)
    assert "Last sync: today" in panel.label.text()
    assert not panel.cancel_button.isVisible() and panel.sync_action.isEnabled()
    assert "changes sent" in panel.last_message
    status = read(folder, sync_status)
    assert status.pending == 0 and status.last_success and status.last_error is None

    # The township fetches the case and changes it; the village's next round fetches the
    # change and the main window hears it through its one "data changed" signal.
    township.sync()
    township.edit("cases", case.id, request="乡镇补充的请求")
    township.sync()
    with qtbot.waitSignal(window.tasks.changes.changed, timeout=WAIT):
        assert panel.sync_now()
    wait_round(qtbot, window)
    assert panel.controller.last_report.pulled >= 1
    request = read(
        folder, lambda store: store.scalar("SELECT request FROM cases WHERE id = ?", (case.id,))
    )
    assert request == "乡镇补充的请求"


def test_a_failing_server_is_explained_in_chinese(qtbot, folder, window):
    i18n.set_language("zh_CN")
    panel = window.sync_panel
    read(
        folder,
        lambda store: sync_state.set_state(
            store, **{sync_state.SERVER_URL: f"http://127.0.0.1:{free_port()}"}
        ),
    )
    assert panel.sync_now()
    wait_round(qtbot, window)
    box = panel.message_box
    assert box is not None and box.isVisible()
    assert "请检查网络，或用U盘同步" in box.text()
    assert "Traceback" not in box.text()
    assert "连不上网" in panel.label.text() and "U盘" in panel.label.text()
    box.close()
    status = read(folder, sync_status)
    assert status.last_error  # kept for the next start


def test_a_revoked_station_is_told_to_contact_the_city_office(
    qtbot,
    folder,
    window,
    sqlite_backend,
):
    i18n.set_language("zh_CN")
    panel = window.sync_panel
    with sqlite_backend.engine.begin() as conn:
        revoke_station(conn, window.station.code)
    assert panel.sync_now()
    wait_round(qtbot, window)
    assert "请联系市局" in panel.message_box.text()
    assert "请联系市局" in panel.label.text()


def test_a_background_round_fails_quietly_in_the_status_bar(qtbot, folder, window):
    panel = window.sync_panel
    read(
        folder,
        lambda store: sync_state.set_state(
            store, **{sync_state.SERVER_URL: f"http://127.0.0.1:{free_port()}"}
        ),
    )
    assert panel.controller.sync_in_background()
    wait_round(qtbot, window)
    assert panel.message_box is None
    assert "no connection" in panel.label.text()
    assert "check the network" in panel.label.toolTip()


def _set_server(folder, url: str) -> None:
    read(folder, lambda store: sync_state.set_state(store, **{sync_state.SERVER_URL: url}))


def test_background_rounds_back_off_while_the_server_does_not_answer(qtbot, folder, window):
    panel = window.sync_panel
    controller = panel.controller
    live = read(folder, lambda store: sync_state.get_state(store, sync_state.SERVER_URL))
    _set_server(folder, f"http://127.0.0.1:{free_port()}")
    waits = []
    for _round in range(6):
        assert controller.sync_in_background()
        wait_round(qtbot, window)
        assert controller.timer.isActive()
        waits.append(round(controller.timer.remainingTime() / 60_000))
    assert waits == [5, 10, 20, 40, 60, 60]
    qtbot.waitUntil(lambda: "next sync" in panel.label.text(), timeout=WAIT)
    assert f"next sync {controller.next_sync_at:%H:%M}" in panel.label.text()
    # A round that succeeds (here 同步) brings the five minutes back.
    _set_server(folder, live)
    assert panel.sync_now()
    wait_round(qtbot, window)
    assert controller.last_failure is None and controller.failures == 0
    assert round(controller.timer.remainingTime() / 60_000) == 5
    qtbot.waitUntil(lambda: "next sync" not in panel.label.text(), timeout=WAIT)


def test_closing_the_app_mid_request_does_not_wait_for_the_server(qtbot, folder, window):
    import socket
    import time

    # A server that takes the connection and never answers (the request would wait 60 s).
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    silent.settimeout(WAIT / 1000)
    connection = None
    try:
        _set_server(folder, f"http://127.0.0.1:{silent.getsockname()[1]}")
        assert window.sync_panel.sync_now()
        connection, _address = silent.accept()  # the request is in flight
        started = time.monotonic()
        window.close()
        took = time.monotonic() - started
        network = window.sync_panel.controller._network
        assert network is not None and network._worker.isFinished()
        assert took < 5, took
    finally:
        if connection is not None:
            connection.close()
        silent.close()


def test_cancel_stops_the_round_and_the_next_goes_on(qtbot, folder, window):
    panel = window.sync_panel
    station = window.station
    read(
        folder,
        lambda store: [save_case(store, station.code, facts=f"事实{n}") for n in range(20)],
    )
    pending = read(folder, lambda store: sync_status(store).pending)
    # Cancel as soon as the round starts: it stops at its first safe point.
    panel.controller.started.connect(lambda _background: panel.cancel())
    assert panel.sync_now()
    wait_round(qtbot, window)
    report = panel.controller.last_report
    assert report.cancelled and report.pushed == 0
    assert read(folder, lambda store: sync_status(store).pending) == pending
    assert "stopped" in panel.last_message
    panel.controller.started.disconnect()
    assert panel.sync_now()
    wait_round(qtbot, window)
    assert not panel.controller.last_report.cancelled
    assert read(folder, lambda store: sync_status(store).pending) == 0


def make_conflict(folder, station, township) -> str:
    """The village (this PC, the owner) and the township change the same field offline; the
    township syncs first. Returns the case id."""
    from station_app.store import Store

    case = read(folder, lambda store: save_case(store, station.code, facts="原事实"))
    with Store(folder.database_path) as store:
        from station_app.sync.engine import connect

        engine = connect(store, folder.path)
        engine.run_once()
        township.sync()
        township.edit("cases", case.id, facts="乡镇的版本")
        with store.transaction("admin"):
            store.execute("UPDATE cases SET facts = ? WHERE id = ?", ("村的版本", case.id))
        township.sync()
        assert engine.run_once().conflicts == 1
        engine.close()
    return case.id


def test_the_conflict_review_resolves_a_conflict_and_it_syncs(
    qtbot, folder, window, township, screenshots
):
    case_id = make_conflict(folder, window.station, township)
    panel = window.sync_panel
    panel.controller.refresh_status()
    qtbot.waitUntil(lambda: "1 conflicts to review" in panel.label.text(), timeout=WAIT)
    dialog = panel.show_conflicts()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT)
    assert dialog.table.item(0, 3).text() == "村的版本"
    assert dialog.table.item(0, 4).text() == "乡镇的版本"
    assert dialog.table.item(0, 2).text() == "Facts and reasons"
    assert dialog.table.item(0, 5).text() == township.code
    assert dialog.ours.toPlainText() == "村的版本"
    assert dialog.theirs.toPlainText() == "乡镇的版本"
    assert dialog.keep_theirs.isEnabled()
    assert_fits(qtbot, dialog, screenshots)
    # Keyboard: the list has the focus; Alt+U chooses the other station's value.
    assert "&U" in dialog.keep_theirs.text() and "&K" in dialog.keep_ours.text()
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    assert dialog.current() is not None
    qtbot.mouseClick(dialog.keep_theirs, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=WAIT)
    assert dialog.empty.isVisible()

    def facts(store):
        return store.scalar("SELECT facts FROM cases WHERE id = ?", (case_id,))

    assert read(folder, facts) == "乡镇的版本"
    assert read(folder, pending_conflicts) == []
    qtbot.waitUntil(lambda: "conflicts" not in panel.label.text(), timeout=WAIT)
    # The choice goes through the store: it is sent and reaches the township.
    assert read(folder, lambda store: sync_status(store).pending) > 0
    dialog.reject()
    assert panel.sync_now()
    wait_round(qtbot, window)
    township.sync()
    assert facts(township.store) == "乡镇的版本"


def test_a_conflict_of_another_stations_record_is_shown_but_not_resolved_here(
    qtbot, folder, window, screenshots
):
    import json

    def foreign_conflict(store) -> str:
        case = save_case(store, window.station.code, facts="本站的值")
        with store.transaction("admin"):
            store.execute("UPDATE cases SET owner_station = 'RC-XX' WHERE id = ?", (case.id,))
            store.execute(
                "INSERT INTO sync_conflicts(table_name, row_id, field, local_value,"
                " remote_value, remote_station, received_at) VALUES ('cases', ?, 'facts', ?, ?,"
                " 'RC-XX', '2026-03-02T06:05:00Z')",
                (case.id, json.dumps("本站的值"), json.dumps("所属站的值")),
            )
        return case.id

    case_id = read(folder, foreign_conflict)
    panel = window.sync_panel
    panel.controller.refresh_status()
    qtbot.waitUntil(lambda: panel.controller.status.pending > 0, timeout=WAIT)
    # Not this station's to review: not counted in the status bar.
    assert panel.controller.status.conflicts == 0 and "conflicts" not in panel.label.text()
    dialog = panel.show_conflicts()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT)
    assert dialog.table.item(0, 8).text() == "station RC-XX"
    assert dialog.not_ours.isVisible() and "RC-XX owns this record" in dialog.not_ours.text()
    assert not dialog.keep_ours.isEnabled() and not dialog.keep_theirs.isEnabled()
    assert_fits(qtbot, dialog, screenshots)
    dialog.resolve("remote")  # refused before anything is written
    assert read(folder, lambda s: s.scalar("SELECT facts FROM cases WHERE id = ?", (case_id,))) == (
        "本站的值"
    )
    dialog.reject()


def test_the_set_aside_records_are_listed_with_what_to_do_in_chinese(
    qtbot, folder, window, screenshots
):
    import json

    i18n.set_language("zh_CN")

    def set_aside(store) -> str:
        case = save_case(store, window.station.code, facts="事实")
        rows = [
            ("push", "cases", case.id, "update", {"fields": {"status": "closed"}},
             f"cases row {case.id} belongs to station RC-XX"),
            ("push", "parties", "p-1", "insert", {"case_id": case.id, "fields": {"name": "甲"}},
             "hash chain broken: the entry before is missing"),
            ("pull", "parties", "p-2", "delete", {"case_id": case.id, "name": "乙"},
             "removed by the repair"),
            ("pull", "cases", "c-9", "update", {"values": {"facts": "x"}, "station": "RC-XX"},
             "an update of a row this station does not have"),
        ]  # fmt: skip
        with store.transaction():
            for direction, table, row_id, op, change, reason in rows:
                store.execute(
                    "INSERT INTO sync_rejected(direction, table_name, row_id, op, change,"
                    " reason, at) VALUES (?, ?, ?, ?, ?, ?, '2026-03-02T06:05:00Z')",
                    (direction, table, row_id, op, json.dumps(change), reason),
                )
        return case.case_no

    case_no = read(folder, set_aside)
    panel = window.sync_panel
    assert panel.set_aside_action in panel.menu.actions()
    dialog = panel.show_set_aside()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 4, timeout=WAIT)
    rows = [[dialog.table.item(row, column).text() for column in range(6)] for row in range(4)]
    # Newest first: the pull refusal, the repair copy, the chain, the other station's case.
    assert [r[3] for r in rows] == [
        "收到，未接收",
        "修复时删除",
        "已上传，被拒收",
        "已上传，被拒收",
    ]
    assert rows[3][1] == case_no and rows[2][1] == case_no and rows[1][1] == case_no
    assert rows[3][4] == "此记录属于其他站，本站无权修改" and "移交给本站" in rows[3][5]
    assert "防篡改" in rows[2][4] and "市局技术人员" in rows[2][5]
    assert "保留一份副本" in rows[1][4]
    assert "本站的数据未受影响" in rows[0][5]
    assert "an update of a row" in dialog.details.toPlainText()
    qtbot.keyClick(dialog.table, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: "RC-XX" in dialog.details.toPlainText(), timeout=WAIT)
    assert_fits(qtbot, dialog, screenshots)
    dialog.reject()


def test_the_enrolment_dialog_enrols_the_station(
    qtbot,
    folder,
    village,
    township,
    sqlite_backend,
    memory_keyring,
    screenshots,
):
    station, admin = village
    window = open_window(qtbot, folder, admin, station)
    try:
        panel = window.sync_panel
        assert "Not connected" in panel.label.text()
        assert panel.enrol_action is not None
        # Sync now on a station not enrolled yet: the administrator is asked to enrol.
        assert not panel.sync_now()
        dialog = panel.enrol_dialog
        assert dialog is not None and dialog.isVisible()
        assert panel.show_enrol() is dialog
        assert_fits(qtbot, dialog, screenshots)
        # A wrong code: the dialog says so and stays open.
        dialog.url.setText(sqlite_backend.url)
        dialog.code.setText("WRONG-CODE-1234")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=WAIT)
        assert dialog.isVisible() and dialog.problem.isVisible()
        assert dialog.problem.text() and "Traceback" not in dialog.problem.text()
        assert load_sync_token(station.code) is None

        dialog.code.setText(village_enrolment_code(sqlite_backend, station))
        with qtbot.waitSignal(dialog.enrolled, timeout=WAIT):
            qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
        assert not dialog.isVisible()
        assert load_sync_token(station.code)
        # The first sync starts at once.
        wait_round(qtbot, window)
        qtbot.waitUntil(lambda: "Last sync: today" in panel.label.text(), timeout=WAIT)
        assert read(folder, sync_status).enrolled
    finally:
        window.close()
        window.tasks.shutdown()


def test_a_clerk_sees_neither_enrolment_nor_conflict_review(qtbot, folder, enrolled):
    from station_app.store.accounts import add_user

    station, _admin = enrolled
    clerk = User("clerk1", "登记员", Role.CLERK, station.code)
    read(folder, lambda store: add_user(store, clerk, "a-good-password-1"))
    window = open_window(qtbot, folder, clerk, station)
    try:
        panel = window.sync_panel
        assert panel.enrol_action is None and panel.conflicts_action is None
        assert panel.show_enrol() is None and panel.show_conflicts() is None
        assert panel.sync_action.isEnabled()
    finally:
        window.close()
        window.tasks.shutdown()


def test_usb_bundle_export_writes_the_changes(qtbot, folder, window, tmp_path):
    panel = window.sync_panel
    station = window.station
    read(folder, lambda store: save_case(store, station.code, facts="U盘带走的案件"))
    target = tmp_path / "out.ssb"
    results = []
    panel.export_bundle_to(target, done=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT)
    assert results[0].changes > 0 and target.stat().st_size > 0
    assert "USB bundle" in panel.last_message or "changes" in panel.last_message
    panel.message_box.close()
    # A damaged bundle from the "city office" is refused with a message, nothing imported.
    bad = tmp_path / "bad.ssb"
    bad.write_bytes(b"not a bundle")
    results.clear()
    panel.import_bundle_from(bad, done=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT)
    assert isinstance(results[0], Exception)
    assert "refused" in panel.message_box.text() and "Traceback" not in panel.message_box.text()
    assert isinstance(panel.message_box, QMessageBox)


def _bundle_exports(folder) -> list[tuple[str, str]]:
    return read(
        folder,
        lambda store: [
            (row["actor"], row["new_value"])
            for row in store.query(
                "SELECT actor, new_value FROM audit_log WHERE kind = 'reveal'"
                " AND case_id IS NULL AND new_value LIKE 'USB bundle%'"
            )
        ],
    )


def test_only_an_administrator_exports_a_usb_bundle_and_it_is_audited(
    qtbot, folder, enrolled, tmp_path, screenshots
):
    """The bundle holds names, phones and ID numbers in full: a clerk's menu entry is disabled
    and says why (and the panel refuses if called anyway); an administrator's export writes
    the file and one audit row. Import stays open to everyone."""
    from station_app.store.accounts import add_user

    station, admin = enrolled
    clerk = User("clerk1", "登记员", Role.CLERK, station.code)
    read(folder, lambda store: add_user(store, clerk, "a-good-password-1"))
    read(folder, lambda store: save_case(store, station.code, facts="U盘带走的案件"))
    target = tmp_path / "clerk.ssb"
    window = open_window(qtbot, folder, clerk, station)
    try:
        panel = window.sync_panel
        assert not panel.export_action.isEnabled()
        assert "Only an administrator" in panel.export_action.toolTip()
        assert panel.import_action.isEnabled()
        assert panel.menu.toolTipsVisible()
        window.grab().save(str(screenshots / "sync-menu-clerk.png"))
        panel.choose_export_file()  # a shortcut or a stray call: nothing, no file dialog
        results = []
        panel.export_bundle_to(target, done=results.append)
        qtbot.waitUntil(lambda: bool(results), timeout=WAIT)
        assert isinstance(results[0], Exception)
        assert "Only an administrator" in panel.message_box.text()
        assert not target.exists() and _bundle_exports(folder) == []
        panel.message_box.close()
    finally:
        window.close()
        window.tasks.shutdown()

    window = open_window(qtbot, folder, admin, station)
    try:
        panel = window.sync_panel
        assert panel.export_action.isEnabled()
        assert "Only an administrator" not in panel.export_action.toolTip()
        target = tmp_path / "admin.ssb"
        results = []
        panel.export_bundle_to(target, done=results.append)
        qtbot.waitUntil(lambda: bool(results), timeout=WAIT)
        report = results[0]
        assert report.changes > 0 and report.cases == 1 and target.stat().st_size > 0
        assert _bundle_exports(folder) == [
            ("admin", f"USB bundle of {report.changes} changes of 1 cases to {target}")
        ]
        assert "audit log" in panel.message_box.text()
        panel.message_box.close()
    finally:
        window.close()
        window.tasks.shutdown()


def test_the_status_line_in_a_clerks_words():
    from datetime import UTC, datetime

    from station_app.sync.engine import SyncStatus
    from station_app.ui.sync_words import status_line

    i18n.set_language("zh_CN")
    synced = datetime(2026, 3, 2, 6, 5, tzinfo=UTC)
    local = synced.astimezone()
    status = SyncStatus(
        enrolled=True,
        station="RC-MT-XC",
        server_url="https://12315.city.gov.cn",
        last_success="2026-03-02T06:05:00Z",
        last_attempt="2026-03-02T06:05:00Z",
        last_error=None,
        pending=12,
        in_flight=0,
        conflicts=1,
        rejected=0,
        clock_offset_seconds=None,
        clock_warning=None,
        cursor=7,
    )
    text, tip = status_line(status, now=local)
    assert text == f"上次同步：今天 {local:%H:%M} · 待上传 12 条 · 冲突 1 条"
    assert "https://12315.city.gov.cn" in tip
    yesterday = local.replace(day=local.day + 1)
    assert status_line(status, now=yesterday)[0].startswith(f"上次同步：昨天 {local:%H:%M}")
    behind = status.__class__(
        **{
            **status.to_json(),
            "pending": 0,
            "conflicts": 0,
            "rejected": 3,
            "clock_offset_seconds": -400 * 86400.0,
            "clock_warning": "This PC's clock is 576000 minutes behind",
        }
    )
    text, tip = status_line(behind, now=local)
    assert "待上传" not in text and "被退回 3 条" in text and "请校正电脑时间" in text
    assert "576000 minutes behind" in tip
    never = status.__class__(**{**status.to_json(), "enrolled": False, "last_success": None})
    assert status_line(never, now=local)[0].startswith("未接入市局服务器")
