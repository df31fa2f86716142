"""A clerk never sees a full ID number or phone: not in the case, its correction form, its
audit log or its documents; an officer may, and every reveal is logged."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTextEdit,
)

from station_app.domain import Role, User
from station_app.store.accounts import add_user
from station_app.ui.app import open_main_window

FULL_ID = "11010519491231002X"
FULL_PHONE = "13812346721"
CLERK_PASSWORD = "clerk-secret-123"


def shown_texts(window) -> str:
    """Every text a person could read in `window`: labels, fields, tables and lists."""
    parts = [window.windowTitle()]
    parts += [w.text() for w in window.findChildren(QLabel)]
    parts += [w.text() for w in window.findChildren(QLineEdit)]
    parts += [w.toPlainText() for w in window.findChildren(QPlainTextEdit)]
    parts += [w.toPlainText() for w in window.findChildren(QTextEdit)]
    for table in window.findChildren(QTableWidget):
        for row in range(table.rowCount()):
            for column in range(table.columnCount()):
                item = table.item(row, column)
                parts.append(item.text() if item else "")
    for view in window.findChildren(QAbstractItemView):
        model = view.model()
        if model is None or isinstance(view, QTableWidget):
            continue
        for row in range(min(model.rowCount(), 200)):
            for column in range(model.columnCount()):
                parts.append(str(model.index(row, column).data() or ""))
    return "\n".join(parts)


def _user_window(qtbot, folder, station_admin, role: Role, name: str):
    station, _admin = station_admin
    user = User(name, "柳文书", role, station.code)
    with folder.open_store() as store:
        add_user(store, user, CLERK_PASSWORD)
    window = open_main_window(folder, user, station=station)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=30000)
    return window


def test_a_clerk_cannot_see_a_full_id_number_anywhere(qtbot, folder, station_admin, sample_cases):
    window = _user_window(qtbot, folder, station_admin, Role.CLERK, "liu.clerk")
    try:
        case = sample_cases[0]  # 张三, ID 11010519491231002X, phone 13812346721
        window.filter_bar.search.setText(FULL_PHONE)  # a search by the full phone finds it
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10000)
        qtbot.waitUntil(lambda: window.model.is_row_cached(0), timeout=10000)
        listed = "\n".join(str(v) for v in window.model.row_values(0))
        assert "138****6721" in listed and FULL_PHONE not in listed and FULL_ID not in listed
        window.filter_bar.search.clear()  # (the search box holds what the clerk typed)
        qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=10000)

        dialog = window.open_case_number(case.case_no)
        detail = dialog.view
        qtbot.waitUntil(lambda: detail.view is not None, timeout=10000)
        assert not detail.reveal_button.isEnabled()
        assert "officer or an administrator" in detail.reveal_button.toolTip()
        detail.reveal()  # even called directly: nothing shown
        qtbot.wait(300)
        assert not detail.revealed

        correction = detail.open_correction()
        party = correction.form.complainants[0]
        assert party.id_number.text() == "110105********002X"
        assert party.phone.text() == "138****6721"
        # The masked numbers left as they are are no problem for saving.
        assert not [p for p in correction.form.check() if p.field.startswith("complainants[0]")]

        audit = detail.open_audit()
        qtbot.waitUntil(lambda: audit.entries is not None, timeout=10000)

        documents = detail.open_documents()
        qtbot.waitUntil(lambda: bool(documents.rows), timeout=30000)
        registration = documents.row_of("complaint_registration")
        assert any("officer or an administrator" in m for m in registration.missing)

        for shown in (window, dialog, correction, audit, documents):
            text = shown_texts(shown)
            assert FULL_ID not in text and FULL_PHONE not in text, type(shown).__name__
        assert "138****6721" in shown_texts(detail)
        for top in QApplication.topLevelWidgets():
            if top.isVisible():
                assert FULL_ID not in shown_texts(top), type(top).__name__
        correction.reject()
    finally:
        window.close()
        window.tasks.shutdown()

    with folder.open_store() as store:
        assert store.scalar("SELECT count(*) FROM audit_log WHERE kind = 'reveal'") == 0


def test_an_officer_sees_full_numbers_after_the_logged_reveal(
    qtbot, folder, station_admin, sample_cases
):
    window = _user_window(qtbot, folder, station_admin, Role.OFFICER, "zhou.officer")
    try:
        case = sample_cases[0]
        detail = window.open_case_number(case.case_no).view
        qtbot.waitUntil(lambda: detail.view is not None, timeout=10000)
        assert FULL_ID not in shown_texts(detail)
        assert detail.reveal_button.isEnabled()
        detail.reveal()
        qtbot.waitUntil(lambda: detail.revealed, timeout=10000)
        qtbot.waitUntil(lambda: FULL_ID in shown_texts(detail), timeout=10000)
        correction = detail.open_correction()
        assert correction.form.complainants[0].id_number.text() == FULL_ID
        qtbot.wait(300)
        correction.reject()
    finally:
        window.close()
        window.tasks.shutdown()
    with folder.open_store() as store:
        actors = [
            row["actor"] for row in store.query("SELECT actor FROM audit_log WHERE kind = 'reveal'")
        ]
    # Two reveals (the case view, then the correction form), each a row per field.
    assert set(actors) == {"zhou.officer"} and len(actors) == 4
