"""商家: find, edit and merge merchants in the registry window; the intake form's warning
about a merchant on the abnormal list or with many open complaints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

from station_app import merchant_registry as reg
from station_app.store.audit import audit_entries  # noqa: F401 - the audit module exists
from station_app.ui.intake_dialog import IntakeDialog
from station_app.ui.merchants_dialog import MerchantsDialog
from tests.ui.conftest import STATION_CODE
from tests.ui.test_window_fit import assert_fits

BAD_CODE = "12345"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return Path(os.environ.get("STATION_SCREENSHOTS") or tmp_path)


@pytest.fixture
def duplicate(folder, admin, sample_cases) -> str:
    """A second entry for 好又多 (spaces and brackets differ) with one case of its own."""
    from station_app.intake import register_cases
    from tests.ui.conftest import TODAY, complaint_data

    data = complaint_data("周九", "13812346799")
    data["merchant"] = {"name": "瑞昌市 好又多超市", "address": "湓城街道"}
    with folder.open_store() as store:
        (case,) = register_cases(store, [data], user=admin, station_code=STATION_CODE, today=TODAY)
        return case.merchant.id


@pytest.fixture
def dialog(qtbot, tasks, admin, sample_cases, duplicate):
    dialog = MerchantsDialog(tasks, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.list.rowCount() >= 2, timeout=10_000)
    return dialog


def _select(qtbot, dialog, text):
    names = [dialog.list.item(r, 0).text() for r in range(dialog.list.rowCount())]
    row = next(i for i, n in enumerate(names) if n.startswith(text))
    dialog.list.selectRow(row)
    qtbot.waitUntil(
        lambda: dialog.current is not None and dialog.current.merchant.name.startswith(text),
        timeout=10_000,
    )


def test_the_merchants_window_edits_and_merges(qtbot, dialog, folder, type_text, duplicate,
                                                screenshots):  # fmt: skip
    assert_fits(qtbot, dialog, screenshots, buttons=[dialog.close_button])
    type_text(dialog.search, "好又多")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.list.rowCount() == 2, timeout=10_000)
    _select(qtbot, dialog, "瑞昌市好又多超市")
    kept_id = dialog.current.merchant.id
    kept_cases = dialog.current.cases
    qtbot.waitUntil(lambda: dialog.duplicate_list.rowCount() == 1, timeout=10_000)

    # a bad credit code: a clear message, nothing written
    dialog.edits["uscc"].setText(BAD_CODE)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "18 characters" in dialog.message.text(), timeout=10_000)
    with folder.open_store() as store:
        assert reg.get_entry(store, kept_id).merchant.uscc != BAD_CODE

    # an edit is saved, audited and found by the search
    dialog.load(kept_id)
    qtbot.waitUntil(lambda: dialog.edits["uscc"].text() != BAD_CODE, timeout=10_000)
    dialog.edits["phone"].setText("0792-4221234")
    dialog.edits["address"].setText("瑞昌市湓城街道88号")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.text() == "Saved.", timeout=10_000)
    with folder.open_store() as store:
        assert reg.get_entry(store, kept_id).merchant.phone == "0792-4221234"
        assert {r["field"] for r in reg.audit_trail(store, kept_id)} >= {"address", "phone"}
        assert [e.merchant.id for e in reg.search(store, "街道88号")] == [kept_id]
    qtbot.waitUntil(lambda: dialog.changes.rowCount() >= 2, timeout=10_000)
    fields = {dialog.changes.item(r, 2).text() for r in range(dialog.changes.rowCount())}
    assert {"Address", "Phone"} <= fields

    # merge: the confirmation names the cases that move
    qtbot.waitUntil(lambda: dialog.duplicate_list.rowCount() == 1, timeout=10_000)
    dialog.tabs.setCurrentIndex(3)
    dialog.duplicate_list.selectRow(0)
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    box = dialog.confirm_box
    assert box is not None and "Its 1 cases" in box.text()
    dialog.grab().save(str(screenshots / "merchants-merge.png"))
    merge = next(b for b in box.buttons() if "Merge" in b.text())
    merge.click()
    qtbot.waitUntil(lambda: "1 cases moved" in dialog.message.text(), timeout=10_000)
    with folder.open_store() as store:
        assert reg.get_entry(store, duplicate).deleted
        assert reg.get_entry(store, kept_id).cases == kept_cases + 1
    qtbot.waitUntil(lambda: dialog.duplicate_list.rowCount() == 0, timeout=10_000)
    dialog.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: dialog.cases.rowCount() == kept_cases + 1, timeout=10_000)
    dialog.grab().save(str(screenshots / "merchants-cases.png"))


def test_the_merchants_window_refuses_an_empty_name_and_adds_a_designation(qtbot, dialog, folder):
    _select(qtbot, dialog, "瑞昌市好又多超市")
    kept_id = dialog.current.merchant.id
    dialog.edits["name"].setText("  ")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "name is empty" in dialog.message.text(), timeout=10_000)
    dialog.load(kept_id)
    qtbot.waitUntil(lambda: dialog.edits["name"].text().strip() != "", timeout=10_000)
    dialog.tabs.setCurrentIndex(1)
    dialog.granted.setText("2025-05-01")
    dialog.add_designation_button.click()
    qtbot.waitUntil(lambda: dialog.designations.rowCount() == 1, timeout=10_000)
    assert dialog.designations.item(0, 1).text() == "2025-05-01"


def test_the_main_window_opens_the_merchants_window(qtbot, main_window):
    dialog = main_window.show_merchants()
    qtbot.waitUntil(lambda: dialog.list.rowCount() >= 1, timeout=10_000)
    assert main_window.merchants_action.text()
    dialog.close()


def test_intake_warns_next_to_the_merchant_fields(qtbot, tasks, admin, folder, sample_cases,
                                                   type_text):  # fmt: skip
    merchant_id = sample_cases[0].merchant.id
    with folder.open_store() as store:
        reg.set_abnormal(store, merchant_id, True, since="2026-01-05", note="失联",
                         actor="admin", station_code=STATION_CODE)  # fmt: skip
    intake = IntakeDialog(tasks, admin)
    intake.show()
    qtbot.waitExposed(intake)
    try:
        fields = intake.form.merchant
        type_text(fields.name, "好又多")
        qtbot.waitUntil(lambda: fields.suggestions.rowCount() == 1, timeout=5_000)
        completions = fields.completer.completionModel()
        fields.completer.activated[QModelIndex].emit(completions.index(0, 0))
        qtbot.waitUntil(lambda: fields.warning_note.isVisible(), timeout=5_000)
        assert "abnormal operations list" in fields.warning_note.text()
        type_text(fields.name, "另一家")
        assert not fields.warning_note.isVisible()
    finally:
        intake.done(0)
        intake.deleteLater()


def test_a_new_merchant_is_registered_from_the_window(qtbot, dialog, folder):
    dialog.new_button.click()
    assert dialog.heading.text() == "New merchant" and not dialog.cases.isEnabled()
    dialog.edits["name"].setText("码头镇新开电器行")
    dialog.edits["uscc"].setText("91520382709601191M")
    dialog.cluster.setChecked(True)
    dialog.edits["platform"].setText("拼多多")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.message.text() == "Saved.", timeout=10_000)
    with folder.open_store() as store:
        (entry,) = [e for e in reg.search(store, "新开电器行")]
        assert entry.merchant.cluster_registered and entry.merchant.platform == "拼多多"
