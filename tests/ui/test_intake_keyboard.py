"""Keyboard intake without traps: Enter through every field to a saved case, an empty extra
complainant ignored, required fields starred."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit

from station_app.store.cases import get_case
from station_app.ui.intake_dialog import IntakeDialog


@pytest.fixture
def dialog(qtbot, tasks, admin):
    dialog = IntakeDialog(tasks, admin)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    yield dialog
    dialog.done(0)
    dialog.deleteLater()


def test_enter_through_every_field_reaches_save_and_saves(qtbot, dialog, folder, type_text):
    form = dialog.form
    person = form.complainants[0]
    typed = {
        person.name: "孙八",
        person.phone: "13812345678",
        form.merchant.name: "瑞昌市新开电器行",
        form.amount: "268",
        form.request: "退货退款",
        form.facts: "购买的电饭煲使用三天后无法加热",
    }
    visited = []
    form.kind.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.kind)
    for _step in range(80):
        widget = QApplication.focusWidget()
        if widget is dialog.save_button:
            break
        visited.append(widget)
        if widget in typed:
            type_text(widget, typed.pop(widget))
        if isinstance(widget, QPlainTextEdit):
            qtbot.keyClick(widget, Qt.Key.Key_Tab)  # Enter starts a new line in the facts
        else:
            qtbot.keyClick(widget, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is dialog.save_button
    assert not typed, "every field to fill was reached"
    # Enter passed these buttons without pressing them.
    assert form.add_complainant_button in visited
    assert form.evidence.add_button in visited
    assert len(form.complainants) == 1
    assert not form.has_agent.isChecked()

    with qtbot.waitSignal(dialog.case_saved, timeout=10_000):
        qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)
    number = dialog.saved_page.number.text()
    with folder.open_store() as store:
        case = get_case(store, number)
    assert [p.name for p in case.complainants] == ["孙八"]
    assert case.merchant.name == "瑞昌市新开电器行"
    assert str(case.amount) == "268.00"


def test_an_untouched_empty_extra_complainant_is_ignored(qtbot, dialog, folder, type_text):
    form = dialog.form
    qtbot.mouseClick(form.add_complainant_button, Qt.MouseButton.LeftButton)
    assert len(form.complainants) == 2
    type_text(form.complainants[0].name, "孙八")
    type_text(form.complainants[0].phone, "13812345678")
    type_text(form.merchant.name, "瑞昌市新开电器行")
    type_text(form.request, "退货退款")
    type_text(form.facts, "购买的电饭煲使用三天后无法加热")
    assert [p["name"] for p in form.case_data()["complainants"]] == ["孙八"]
    with qtbot.waitSignal(dialog.case_saved, timeout=10_000):
        dialog.save()
    with folder.open_store() as store:
        case = get_case(store, dialog.saved_page.number.text())
    assert [p.name for p in case.complainants] == ["孙八"]


def test_an_empty_complainant_between_others_is_dropped_and_problems_name_the_right_one(
    qtbot, dialog, type_text
):
    form = dialog.form
    qtbot.mouseClick(form.add_complainant_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(form.add_complainant_button, Qt.MouseButton.LeftButton)
    third = form.complainants[2]
    type_text(third.name, "周九")
    type_text(third.phone, "138123")
    dialog.save()
    assert len(form.complainants) == 2
    assert form.complainants[1] is third
    assert third.title() == "Complainant 2"
    problem = third.slots["phone"].problem
    assert not problem.isHidden()
    assert problem.text().startswith("Complainant 2 – phone number")


def test_required_fields_are_starred_by_kind(dialog):
    form = dialog.form
    person = form.complainants[0]
    assert dialog.hint.text().count("*") == 1
    assert person.captions["name"].text() == "Name *"
    assert person.captions["phone"].text() == "Phone *"
    assert person.captions["address"].text() == "Address"
    assert form.merchant.captions["name"].text() == "Name *"
    assert form.captions["request"].text() == "Request *"
    assert form.captions["facts"].text() == "Facts and reasons *"
    assert form.captions["amount"].text() == "Amount (yuan)"

    form.kind.set_value("consultation")
    assert form.captions["request"].text() == "Request"
    assert form.merchant.captions["name"].text() == "Name"
    assert form.captions["facts"].text() == "Facts and reasons *"

    form.kind.set_value("report")
    assert person.captions["phone"].text() == "Phone *"
    form.anonymous.setChecked(True)
    assert person.captions["phone"].text() == "Phone"

    form.channel.set_value("transfer_12345")
    assert form.captions["work_order_no"].text() == "12345 work order number *"


def test_the_action_dialog_explains_the_star_only_when_a_field_has_one(qtbot, tasks, admin):
    from station_app.ui.action_dialog import ActionDialog
    from station_app.workflow import Action

    def dialog_for(action):
        dialog = ActionDialog(
            tasks, user=admin, station_code="RC-MT", case_key="RC-MT-2026-00001", action=action
        )
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    refuse = dialog_for(Action.REFUSE)
    assert not refuse.required_hint.isHidden()
    assert any(label.text().endswith(" *") for label in refuse.findChildren(QLabel))
    accept = dialog_for(Action.ACCEPT)  # nothing required: no hint about stars
    assert not [label for label in accept.findChildren(QLabel) if label.text().endswith(" *")]
    assert accept.required_hint.isHidden()
