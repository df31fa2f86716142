"""Every window and dialog fits a 1366×768 laptop above the Windows taskbar (1366×728, the
screen the UI tests run on) with the buttons of its bottom row on screen without scrolling,
and remembers the size the clerk gives it."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QAbstractButton, QDialogButtonBox, QScrollArea, QWidget

from station_app.case_actions import act
from station_app.document_issuing import issue_document
from station_app.domain import Role, User
from station_app.intake import register_cases
from station_app.joint_members import members_of
from station_app.store.accounts import add_user
from station_app.store.holidays import load_calendar
from station_app.ui.action_dialog import ActionDialog, CompensationDialog, initial_values
from station_app.ui.audit_view import AuditDialog
from station_app.ui.case_detail import CaseDetailDialog
from station_app.ui.document_details import DocumentDetailsDialog
from station_app.ui.document_preview import DocumentPreview
from station_app.ui.documents_dialog import DocumentsDialog
from station_app.ui.intake_dialog import IntakeDialog
from station_app.ui.joint_members_box import ElectDialog, ProblemsDialog
from station_app.ui.login_dialog import LoginDialog
from station_app.ui.setup_wizard import SetupWizard
from station_app.ui.station_settings import StationSettingsDialog
from station_app.ui.todays_work import TodaysWorkDialog
from station_app.ui.window_fit import SIZE_KEY, available_geometry, window_settings
from station_app.workflow import Action
from tests.ui.conftest import STATION_CODE, complaint_data

COMPLAINANTS = 30
TERMS = 14
SCREEN = QSize(1366, 728)


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where to save screenshots to look at: $STATION_SCREENSHOTS, else the test's folder."""
    return Path(os.environ.get("STATION_SCREENSHOTS") or tmp_path)


@pytest.fixture
def officer(folder, admin) -> User:
    user = User("officer", "王调解员", Role.OFFICER, STATION_CODE)
    with folder.open_store() as store:
        add_user(store, user, "a-good-password-1")
    return user


def _act(store, user, case_no, action, payload=None):
    return act(
        store,
        case_no,
        action,
        payload or {},
        user=user,
        station_code=STATION_CODE,
        calendar=load_calendar(store),
        now=datetime.now(),
    )


def _joint_complaint(store, admin) -> str:
    people = [
        {"name": f"投诉人{n:02d}", "phone": f"138{n:08d}", "address": f"瑞昌市码头镇东风村{n}组"}
        for n in range(1, COMPLAINANTS + 1)
    ]
    data = complaint_data("投诉人01", "13800000001", complainants=people)
    [saved] = register_cases(
        store, [data], user=admin, station_code=STATION_CODE, today=date.today()
    )
    return saved.case_no


@pytest.fixture
def cases(folder, admin, officer) -> dict[str, str]:
    """A joint complaint of 30 complainants in mediation, and one agreed with a long
    agreement (14 terms, a long dispute), issued."""
    with folder.open_store() as store:
        mediating = _joint_complaint(store, admin)
        agreed = _joint_complaint(store, admin)
        for number in (mediating, agreed):
            _act(store, officer, number, Action.ACCEPT)
            _act(
                store,
                officer,
                number,
                Action.START_MEDIATION,
                {"complainant_consents": True, "merchant_consents": True, "mode": "on_site"},
            )
        terms = [
            {"type": "compensation", "amount": "100", "description": f"赔偿第{n}批次商品损失" * 3}
            for n in range(1, TERMS + 1)
        ]
        _act(
            store,
            officer,
            agreed,
            Action.AGREE,
            {
                "terms": terms,
                "amount_recovered": f"{100 * TERMS}",
                "dispute": "被投诉人销售的商品存在质量问题，应承担退货、退款及赔偿责任。" * 8,
                "mediators": ["李文华", "赵明"],
                "performance": "银行转账",
                "performance_due": datetime.now().date().isoformat(),
            },
        )
    return {"mediating": mediating, "agreed": agreed}


def bottom_buttons(window: QWidget) -> list[QAbstractButton]:
    """The buttons of the window's own button boxes (those not inside a scrolled area)."""
    buttons = []
    for box in window.findChildren(QDialogButtonBox):
        if not _scrolled(box):
            buttons += [b for b in box.buttons() if not b.isHidden()]
    return buttons


def _scrolled(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def assert_fits(
    qtbot, window: QWidget, screenshots: Path, buttons: list[QAbstractButton] | None = None
):
    """The window with its frame lies on the available screen, and each button of its bottom
    row is shown, wholly on screen and not inside a scroll area."""
    window.show()
    qtbot.waitExposed(window)
    name = type(window).__name__
    area = available_geometry(window)
    assert area.size() == SCREEN
    frame = window.frameGeometry()
    assert area.contains(frame), (name, frame, area)
    buttons = bottom_buttons(window) if buttons is None else buttons
    assert buttons, name
    for button in buttons:
        where = QRect(button.mapToGlobal(QPoint(0, 0)), button.size())
        assert button.isVisible(), (name, button.text())
        assert area.contains(where), (name, button.text(), where, area)
        assert window.geometry().contains(where), (name, button.text(), where)
        assert button.visibleRegion().boundingRect().size() == button.size(), (name, button.text())
        assert not _scrolled(button), (name, button.text())
    window.grab().save(str(screenshots / f"fit-{name}-{window.objectName() or 'window'}.png"))


def test_the_case_detail_of_a_joint_complaint_fits(qtbot, tasks, officer, cases, screenshots):
    dialog = CaseDetailDialog(tasks, None, officer)
    qtbot.addWidget(dialog)
    dialog.view.show_case(cases["agreed"])
    qtbot.waitUntil(lambda: dialog.view.view is not None, timeout=10_000)
    assert_fits(qtbot, dialog, screenshots)


def test_the_intake_dialog_with_many_complainants_fits(qtbot, tasks, admin, screenshots):
    dialog = IntakeDialog(tasks, admin)
    qtbot.addWidget(dialog)
    for _n in range(12):
        dialog.form.add_complainant(focus=False)
    close = next(b for b in dialog.form_page.findChildren(QAbstractButton) if b.text() == "Close")
    assert_fits(qtbot, dialog, screenshots, [dialog.save_button, close])


@pytest.mark.parametrize(
    ("action", "which"),
    [
        (Action.AGREE, "mediating"),
        (Action.AMEND_AGREEMENT, "agreed"),
        (Action.TERMINATE, "mediating"),
        (Action.RECORD_SESSION, "mediating"),
    ],
)
def test_each_action_dialog_fits(qtbot, tasks, officer, cases, screenshots, action, which):
    case_no = cases[which]
    with tasks.folder.open_store() as store:
        from station_app.case_actions import case_record

        record = case_record(store, case_no)
    dialog = ActionDialog(
        tasks,
        user=officer,
        station_code=STATION_CODE,
        case_key=case_no,
        action=action,
        complainants=[f"投诉人{n:02d}" for n in range(1, COMPLAINANTS + 1)],
        initial=initial_values(action, record),
    )
    qtbot.addWidget(dialog)
    dialog.setObjectName(action.value)
    if action is Action.AGREE:
        for n in range(TERMS):
            dialog.fields["terms"].add_term(description=f"第{n + 1}项")
    assert_fits(qtbot, dialog, screenshots)


def test_the_documents_and_a_long_agreement_preview_fit(
    qtbot, tasks, folder, officer, cases, screenshots
):
    dialog = DocumentsDialog(
        tasks, user=officer, station_code=STATION_CODE, case_key=cases["agreed"]
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    assert_fits(qtbot, dialog, screenshots)
    with folder.open_store() as store:
        issued = issue_document(
            store,
            folder,
            cases["agreed"],
            "mediation_agreement",
            user=officer,
            station_code=STATION_CODE,
            now=datetime.now(),
        )
    preview = DocumentPreview(issued.pdf, "调解协议书")
    qtbot.addWidget(preview)
    assert preview.page_count() > 2  # the parties annex of 30 complainants
    assert_fits(qtbot, preview, screenshots)


def test_the_small_dialogs_fit(qtbot, tasks, folder, admin, officer, cases, screenshots):
    with folder.open_store() as store:
        members = members_of(store, cases["mediating"])
        from station_app.store.cases import get_case

        case_id = get_case(store, cases["agreed"]).id
    dialogs: list[QWidget] = [
        DocumentDetailsDialog("mediation_notice", "调解通知书"),
        CompensationDialog(),
        ProblemsDialog("Problem", "Please correct:", [f"第{n}行：电话号码有误" for n in range(90)]),
        ElectDialog(members),
        AuditDialog(tasks, case_id, cases["agreed"]),
        TodaysWorkDialog(tasks),
        StationSettingsDialog(tasks, admin),
        LoginDialog(tasks),
        SetupWizard(tasks),
    ]
    assert len(members) == COMPLAINANTS
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        assert_fits(qtbot, dialog, screenshots)
        dialog.hide()


def test_the_main_window_fits(qtbot, main_window, screenshots):
    area = available_geometry(main_window)
    assert area.contains(main_window.frameGeometry())
    main_window.grab().save(str(screenshots / "fit-MainWindow.png"))


def test_a_dialog_remembers_its_size_within_the_screen(qtbot, tasks, officer, cases):
    def open_dialog() -> ActionDialog:
        dialog = ActionDialog(
            tasks,
            user=officer,
            station_code=STATION_CODE,
            case_key=cases["mediating"],
            action=Action.TERMINATE,
        )
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    first = open_dialog()
    first.resize(900, 500)
    first.reject()
    assert open_dialog().size() == QSize(900, 500)
    # A size remembered on a bigger screen is made to fit this one.
    window_settings().setValue(SIZE_KEY.format(name="ActionDialog.terminate"), QSize(3000, 2000))
    big = open_dialog()
    assert big.frameGeometry().height() <= SCREEN.height()
    assert big.frameGeometry().width() <= SCREEN.width()
    assert available_geometry(big).contains(big.frameGeometry())
