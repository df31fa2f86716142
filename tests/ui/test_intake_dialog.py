"""The intake form: inline problems, nothing saved while invalid, the new number after saving."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from station_app.evidence_files import MAX_EVIDENCE_BYTES, evidence_path
from station_app.store.cases import get_case
from station_app.ui.intake_dialog import IntakeDialog
from station_app.validation import Severity
from tests.support.hostile_files import EXE_BYTES, JPEG_BYTES, RLO

VALID_USCC = "91520382709601191M"
BAD_CHECKSUM_USCC = "915203827096011910"  # right form, wrong check character: a warning


@pytest.fixture
def dialog(qtbot, tasks, admin):
    dialog = IntakeDialog(tasks, admin)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    yield dialog
    # Not handed to qtbot.addWidget: its close() would ask "discard what you typed?" and wait.
    dialog.done(0)
    dialog.deleteLater()


def fill_valid_complaint(type_text, dialog: IntakeDialog, *, uscc: str = "") -> None:
    form = dialog.form
    person = form.complainants[0]
    type_text(person.name, "孙八")
    type_text(person.phone, "13812345678")
    type_text(form.merchant.name, "瑞昌市新开电器行")
    if uscc:
        type_text(form.merchant.uscc, uscc)
    type_text(form.request, "退货退款")
    type_text(form.facts, "购买的电饭煲使用三天后无法加热")


def press_save(qtbot, dialog: IntakeDialog) -> None:
    """Ctrl+Enter, from whatever field has the cursor."""
    qtbot.keyClick(
        dialog.focusWidget() or dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )


def click_message_box_button(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    button.click()


def test_problem_appears_when_the_field_is_left_and_enter_moves_on(qtbot, dialog, type_text):
    person = dialog.form.complainants[0]
    person.phone.setFocus()
    qtbot.keyClicks(person.phone, "138123456")
    qtbot.keyClick(person.phone, Qt.Key.Key_Return)

    assert "11 digits" in dialog.form.problem_shown("complainants[0].phone")
    assert dialog.focusWidget() is person.address  # Enter went on to the next field
    # Fields the clerk has not reached yet stay quiet.
    assert dialog.form.problem_shown("merchant.name") == ""
    assert dialog.form.problem_shown("facts") == ""


def test_invalid_intake_shows_the_problems_and_saves_nothing(
    qtbot, dialog, tasks, type_text, stored_case_count
):
    person = dialog.form.complainants[0]
    type_text(person.name, "孙八")
    type_text(person.phone, "138123456")
    type_text(dialog.form.amount, "12.345")

    press_save(qtbot, dialog)

    form = dialog.form
    assert "11 digits" in form.problem_shown("complainants[0].phone")
    assert "required" in form.problem_shown("merchant.name")
    assert "required" in form.problem_shown("request")
    assert "required" in form.problem_shown("facts")
    assert "two decimals" in form.problem_shown("amount")
    assert "not saved" in dialog.status.text()
    assert dialog.stack.currentWidget() is dialog.form_page
    # Lookups the form itself started (known names, the city's categories) may still run: once
    # the worker is idle, no case was written (a save queued by mistake would have run).
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    assert stored_case_count() == 0
    # Nothing typed is lost.
    assert (person.name.text(), person.phone.text(), form.amount.text()) == (
        "孙八",
        "138123456",
        "12.345",
    )
    assert dialog.focusWidget() is person.phone  # the first field with a problem


def test_valid_intake_saves_and_shows_the_new_number(
    qtbot, dialog, folder, type_text, stored_case_count
):
    fill_valid_complaint(type_text, dialog)
    with qtbot.waitSignal(dialog.case_saved, timeout=10_000):
        press_save(qtbot, dialog)

    number = dialog.saved_page.number.text()
    assert re.fullmatch(r"RC-MT-\d{4}-\d{5}", number)
    assert dialog.stack.currentWidget() is dialog.saved_page
    assert number in dialog.windowTitle()
    assert stored_case_count() == 1
    with folder.open_store() as store:
        case = get_case(store, number)
    assert case.complainants[0].name == "孙八"
    assert case.complainants[0].phone == "13812345678"
    assert case.merchant.name == "瑞昌市新开电器行"
    assert case.created_by == "admin"

    # "Enter another case" gives a clean form.
    qtbot.mouseClick(dialog.saved_page.new_case_button, Qt.MouseButton.LeftButton)
    assert dialog.stack.currentWidget() is dialog.form_page
    assert dialog.form.complainants[0].name.text() == ""
    assert not dialog.form.is_dirty()


def test_credit_code_checksum_warning_needs_confirmation(
    qtbot, dialog, folder, type_text, stored_case_count
):
    fill_valid_complaint(type_text, dialog, uscc=BAD_CHECKSUM_USCC)

    press_save(qtbot, dialog)
    box = dialog.confirm_box
    assert box is not None and "credit code" in box.text()
    assert stored_case_count() == 0
    # The warning is shown in orange under the field, not as an error.
    assert "does not match" in dialog.form.problem_shown("merchant.uscc")
    assert dialog.form.field_slots()["merchant.uscc"].problem.severity is Severity.WARNING

    click_message_box_button(box, "Check the code again")
    qtbot.waitUntil(lambda: dialog.confirm_box is None)
    assert stored_case_count() == 0
    assert dialog.stack.currentWidget() is dialog.form_page

    press_save(qtbot, dialog)
    assert dialog.confirm_box is not None
    with qtbot.waitSignal(dialog.case_saved, timeout=10_000):
        click_message_box_button(dialog.confirm_box, "Save anyway")
    assert stored_case_count() == 1
    with folder.open_store() as store:
        case = get_case(store, dialog.saved_page.number.text())
    assert case.merchant.uscc == BAD_CHECKSUM_USCC


def test_evidence_files_are_stored_after_the_case(qtbot, dialog, folder, type_text, tmp_path):
    receipt = tmp_path / "收据.jpg"
    receipt.write_bytes(b"\xff\xd8\xff\xe0 a receipt")
    too_big = tmp_path / "scan.pdf"
    with too_big.open("wb") as f:
        f.truncate(MAX_EVIDENCE_BYTES + 1)
    dialog.form.evidence.add_paths([receipt, too_big])
    assert dialog.form.evidence.paths() == [receipt]
    assert "scan.pdf" in dialog.form.evidence.problem.text()

    fill_valid_complaint(type_text, dialog)
    with qtbot.waitSignal(dialog.case_saved, timeout=10_000) as saved:
        press_save(qtbot, dialog)

    (stored,) = saved.args[0].attached
    assert stored.filename == "收据.jpg"
    assert evidence_path(folder.evidence_dir, stored.sha256).read_bytes() == receipt.read_bytes()
    with folder.open_store() as store:
        case = get_case(store, dialog.saved_page.number.text())
    assert [e.filename for e in case.evidence] == ["收据.jpg"]


def test_a_program_is_refused_as_evidence_and_names_are_shown_plain(dialog, tmp_path):
    program = tmp_path / f"photo{RLO}gpj.exe"  # shown by a careless list as "photoexe.jpg"
    program.write_bytes(EXE_BYTES)
    disguised = tmp_path / "收据.jpg"
    disguised.write_bytes(EXE_BYTES)
    photo = tmp_path / f"发票{RLO}gpj.jpg"
    photo.write_bytes(JPEG_BYTES)
    dialog.form.evidence.add_paths([program, disguised, photo])
    assert dialog.form.evidence.paths() == [photo]
    assert dialog.form.evidence.files.item(0).text() == "发票gpj.jpg"
    problem = dialog.form.evidence.problem.text()
    assert "photogpj.exe is not a picture, a PDF or an office document" in problem
    assert "收据.jpg is not a picture" in problem
    assert RLO not in problem


def test_transfer_fields_only_for_12345_transfers(dialog):
    form = dialog.form
    assert not form.slots["work_order_no"].isVisible()
    assert "work_order_no" not in form.case_data()
    form.channel.set_value("transfer_12345")
    assert form.slots["work_order_no"].isVisible()
    assert any(p.field == "work_order_no" and p.severity is Severity.ERROR for p in form.check())


def test_choosing_a_known_merchant_fills_its_fields(qtbot, dialog, type_text, sample_cases):
    merchant = dialog.form.merchant
    type_text(merchant.name, "好又多")
    qtbot.waitUntil(lambda: merchant.suggestions.rowCount() == 1, timeout=5_000)

    completions = merchant.completer.completionModel()
    merchant.completer.activated[QModelIndex].emit(completions.index(0, 0))

    assert merchant.name.text() == "瑞昌市好又多超市"
    assert merchant.uscc.text() == VALID_USCC
    assert merchant.address.text() == "瑞昌市湓城街道"
    assert merchant.data()["id"] == sample_cases[0].merchant.id
    assert merchant.uscc.isReadOnly()  # the registry entry is used as registered

    type_text(merchant.name, "另一家")  # a different name unlinks the registry entry
    assert "id" not in merchant.data()
    assert not merchant.uscc.isReadOnly()


def test_closing_a_dirty_form_asks_first(qtbot, dialog, type_text):
    type_text(dialog.form.complainants[0].name, "孙八")
    assert dialog.form.is_dirty()

    QTimer.singleShot(0, lambda: click_message_box_button(dialog.confirm_box, "Keep editing"))
    dialog.reject()
    assert dialog.isVisible()
    assert dialog.form.complainants[0].name.text() == "孙八"

    QTimer.singleShot(
        0, lambda: click_message_box_button(dialog.confirm_box, "Close without saving")
    )
    dialog.reject()
    assert not dialog.isVisible()


def test_a_second_complainant_can_be_added_and_removed(qtbot, dialog, type_text):
    form = dialog.form
    qtbot.mouseClick(form.add_complainant_button, Qt.MouseButton.LeftButton)
    assert len(form.complainants) == 2
    second = form.complainants[1]
    assert second.title() == "Complainant 2"
    type_text(second.name, "周九")
    assert [p["name"] for p in form.case_data()["complainants"]] == ["", "周九"]

    form.kind.set_value("report")
    assert second.title() == "Reporter 2"
    form.remove_complainant(form.complainants[0])
    assert [p.title() for p in form.complainants] == ["Reporter 1"]
    assert form.case_data()["complainants"][0]["name"] == "周九"
