"""更正 in the case detail: the intake form filled with the case, saved as a correction, with the
issued documents that need a corrected version shown before saving."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit

from station_app.case_actions import act
from station_app.document_issuing import issue_document
from station_app.domain import Role, User
from station_app.store.accounts import add_user
from station_app.store.case_events import list_events
from station_app.store.cases import get_case
from station_app.store.holidays import load_calendar
from station_app.ui.case_detail import CaseDetailDialog
from station_app.workflow import CORRECTION_EVENT, Action

STATION = "RC-MT"


def open_detail(qtbot, tasks, user, case_no: str) -> CaseDetailDialog:
    dialog = CaseDetailDialog(tasks, None, user)
    qtbot.addWidget(dialog)
    dialog.view.show_case(case_no)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view.view is not None, timeout=5_000)
    return dialog


def open_correction(qtbot, detail):
    assert detail.view.correct_button.isEnabled()
    qtbot.mouseClick(detail.view.correct_button, Qt.MouseButton.LeftButton)
    dialog = detail.view.edit_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
    return dialog


def test_the_form_opens_filled_and_saves_a_corrected_name(
    qtbot, tasks, folder, admin, sample_cases, type_text
):
    case_no = sample_cases[0].case_no
    detail = open_detail(qtbot, tasks, admin, case_no)
    dialog = open_correction(qtbot, detail)
    form = dialog.form
    person = form.complainants[0]
    assert person.name.text() == "张三"
    assert person.id_number.text() == "11010519491231002X"
    assert form.merchant.name.text() == "瑞昌市好又多超市"
    assert not form.kind.isEnabled()
    assert not form.is_dirty()

    person.name.clear()
    type_text(person.name, "张叁")
    with qtbot.waitSignal(dialog.corrected, timeout=10_000) as saved:
        qtbot.keyClick(person.name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [c.path for c in saved.args[0].changes] == ["complainants[0].name"]
    with folder.open_store() as store:
        case = get_case(store, case_no)
        assert case.complainants[0].name == "张叁"
        assert case.complainants[0].id == sample_cases[0].complainants[0].id
        events = [e for e in list_events(store, case.id) if e.action == CORRECTION_EVENT]
    assert len(events) == 1
    qtbot.waitUntil(lambda: detail.view.case.complainants[0].name == "张叁", timeout=5_000)
    shown = "\n".join(label.text() for label in detail.findChildren(QLabel))
    assert "Registration corrected" in shown
    assert "Complainant 1 – name: 张三 → 张叁" in shown


def test_an_invalid_correction_shows_the_problem_and_saves_nothing(
    qtbot, tasks, folder, admin, sample_cases, type_text
):
    case_no = sample_cases[0].case_no
    detail = open_detail(qtbot, tasks, admin, case_no)
    dialog = open_correction(qtbot, detail)
    phone = dialog.form.complainants[0].phone
    phone.clear()
    type_text(phone, "138123")
    dialog.save()
    assert dialog.isVisible()
    assert "11 digits" in dialog.form.problem_shown("complainants[0].phone")
    assert "not saved" in dialog.status.text()
    with folder.open_store() as store:
        assert get_case(store, case_no).complainants[0].phone == "13812346721"
    dialog.done(0)


def test_issued_documents_that_print_a_changed_field_are_shown_before_saving(
    qtbot, tasks, folder, admin, sample_cases, type_text, monkeypatch
):
    case_no = sample_cases[0].case_no
    with folder.open_store() as store:
        act(
            store, case_no, Action.ACCEPT, {}, user=admin, station_code=STATION,
            calendar=load_calendar(store), now=datetime.now(),
        )  # fmt: skip
        issue_document(
            store, folder.path, case_no, "acceptance_decision", user=admin,
            station_code=STATION, now=datetime.now(),
        )  # fmt: skip
    detail = open_detail(qtbot, tasks, admin, case_no)
    dialog = open_correction(qtbot, detail)
    facts = dialog.form.facts
    facts.setFocus()
    facts.moveCursor(facts.textCursor().MoveOperation.End)
    type_text(facts, "（补充）")
    qtbot.wait(600)
    assert dialog.documents_note.isHidden()  # the decision does not print the facts

    name = dialog.form.complainants[0].name
    name.clear()
    type_text(name, "张叁")
    qtbot.waitUntil(lambda: not dialog.documents_note.isHidden(), timeout=5_000)
    assert "投诉受理决定书" in dialog.documents_note.text()

    monkeypatch.setattr(dialog, "_submit", lambda edits: setattr(dialog, "submitted", edits))
    dialog.save()
    qtbot.waitUntil(lambda: dialog.confirm_box is not None, timeout=5_000)
    assert "投诉受理决定书" in dialog.confirm_box.text()
    (save,) = [b for b in dialog.confirm_box.buttons() if b.text() == "Save the correction"]
    save.click()
    qtbot.waitUntil(lambda: hasattr(dialog, "submitted"), timeout=5_000)
    assert dialog.submitted["complainants"][0]["name"] == "张叁"
    dialog.saving = False
    dialog.done(0)


def test_a_case_of_another_station_cannot_be_corrected(qtbot, tasks, folder, admin, sample_cases):
    clerk = User("clerk", "Clerk", Role.CLERK, STATION)
    with folder.open_store() as store:
        add_user(store, clerk, "a-good-password-1")
        act(
            store, sample_cases[0].case_no, Action.ESCALATE, {"to_station": "RC", "reason": "重大"},
            user=clerk, station_code=STATION, calendar=load_calendar(store), now=datetime.now(),
        )  # fmt: skip
    detail = open_detail(qtbot, tasks, clerk, sample_cases[0].case_no)
    assert not detail.view.correct_button.isEnabled()
    assert detail.view.open_correction() is None


def test_enter_walks_the_correction_form_to_save_without_pressing_other_buttons(
    qtbot, tasks, folder, admin, sample_cases
):
    detail = open_detail(qtbot, tasks, admin, sample_cases[3].case_no)  # two complainants
    dialog = open_correction(qtbot, detail)
    form = dialog.form
    form.channel.setFocus()
    for _step in range(90):
        widget = QApplication.focusWidget()
        if widget is dialog.save_button:
            break
        key = Qt.Key.Key_Tab if isinstance(widget, QPlainTextEdit) else Qt.Key.Key_Return
        qtbot.keyClick(widget, key)
    assert QApplication.focusWidget() is dialog.save_button
    assert len(form.complainants) == 2
    dialog.done(0)
