"""The case detail's workflow: allowed-action buttons by role, the action dialog, the timeline,
the read-only view of an escalated case, today's work, the audit log and the logged reveal."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel

from station_app.case_actions import act
from station_app.domain import Role, User
from station_app.store.accounts import add_user
from station_app.store.audit import audit_entries
from station_app.store.cases import get_case
from station_app.store.holidays import load_calendar
from station_app.ui.case_detail import CaseDetailDialog
from station_app.workflow import Action

STATION = "RC-MT"


def make_user(folder, username: str, role: Role) -> User:
    user = User(username, username.title(), role, STATION)
    with folder.open_store() as store:
        add_user(store, user, "a-good-password-1")
    return user


@pytest.fixture
def clerk(folder, admin) -> User:
    return make_user(folder, "clerk", Role.CLERK)


@pytest.fixture
def officer(folder, admin) -> User:
    return make_user(folder, "officer", Role.OFFICER)


def open_detail(qtbot, tasks, user: User, case_no: str) -> CaseDetailDialog:
    dialog = CaseDetailDialog(tasks, None, user)
    qtbot.addWidget(dialog)
    dialog.view.show_case(case_no)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view.view is not None, timeout=5_000)
    return dialog


def texts(widget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


def stored(folder, case_no: str):
    with folder.open_store() as store:
        case = get_case(store, case_no)
        from station_app.case_actions import case_record

        return case, case_record(store, case_no)


def take(folder, user: User, case_no: str, action: Action, payload=None):
    with folder.open_store() as store:
        return act(
            store,
            case_no,
            action,
            payload or {},
            user=user,
            station_code=STATION,
            calendar=load_calendar(store),
            now=datetime.now(),
        )


def fill_agreement_wording(dialog) -> None:
    """What the printed agreement says besides its terms, performed on the spot."""
    dialog.fields["dispute"].setPlainText("商品存在质量问题，被投诉人承担退货退款责任。")
    dialog.fields["mediators"].setText("王调解员、李文华")
    dialog.fields["performed_on_spot"].setChecked(True)


def test_buttons_offer_only_what_the_role_may_do(qtbot, tasks, sample_cases, clerk, officer):
    complaint = sample_cases[0].case_no
    take(tasks.folder, officer, complaint, Action.ACCEPT)
    as_clerk = open_detail(qtbot, tasks, clerk, complaint)
    as_officer = open_detail(qtbot, tasks, officer, complaint)
    clerk_actions = set(as_clerk.view.action_buttons)
    officer_actions = set(as_officer.view.action_buttons)
    # An accepted complaint: only an officer may start mediation or terminate it.
    assert Action.START_MEDIATION in officer_actions and Action.TERMINATE in officer_actions
    assert Action.START_MEDIATION not in clerk_actions and Action.TERMINATE not in clerk_actions
    assert {Action.WITHDRAW, Action.NOTE} <= clerk_actions
    assert Action.ACCEPT not in clerk_actions | officer_actions  # already accepted


def test_accepting_through_the_dialog_changes_status_and_adds_to_the_timeline(
    qtbot, tasks, sample_cases, clerk
):
    complaint = sample_cases[0].case_no
    detail = open_detail(qtbot, tasks, clerk, complaint)
    assert "Accept the complaint" in [b.text() for b in detail.view.action_buttons.values()]
    detail.view.action_buttons[Action.ACCEPT].click()
    dialog = detail.view.action_dialog
    assert dialog is not None
    note = dialog.fields["note"]
    note.setPlainText("材料齐全")
    qtbot.keyClick(note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter

    qtbot.waitUntil(lambda: dialog.result is not None, timeout=5_000)
    case, record = stored(tasks.folder, complaint)
    assert record.workflow["status"] == "accepted"
    assert [e.action for e in record.events] == ["accept"]
    qtbot.waitUntil(
        lambda: detail.view.view is not None and len(detail.view.view.record.events) == 1,
        timeout=5_000,
    )
    timeline = texts(detail.view)
    assert "Accept the complaint" in timeline and "材料齐全" in timeline
    assert "Registered → Accepted" in timeline
    assert Action.ACCEPT not in detail.view.action_buttons


def test_a_refusal_without_a_ground_shows_the_problem_and_writes_nothing(
    qtbot, tasks, sample_cases, clerk
):
    complaint = sample_cases[0].case_no
    detail = open_detail(qtbot, tasks, clerk, complaint)
    dialog = detail.view.open_action(Action.REFUSE)
    dialog.fields["note"].setPlainText("keep this text")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.problems.isVisible() and not dialog.busy, timeout=5_000)
    assert "Ground (ground) is required" in dialog.problems.text()
    assert dialog.slots["ground"].problem.isVisible()
    assert dialog.isVisible() and dialog.fields["note"].toPlainText() == "keep this text"
    _case, record = stored(tasks.folder, complaint)
    assert record.events == [] and record.workflow["status"] == "registered"

    # The grounds are offered as "item number + text"; choosing one lets it through.
    combo: QComboBox = dialog.fields["ground"]
    assert combo.itemText(3).startswith("Item 3: ")
    combo.setCurrentIndex(3)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=5_000)
    _case, record = stored(tasks.folder, complaint)
    assert record.workflow["status"] == "not_accepted"
    assert record.events[0].details["ground"] == 3
    qtbot.waitUntil(lambda: "Ground: item 3" in texts(detail.view), timeout=5_000)


def test_agreement_dialog_takes_terms_and_the_amount_recovered(qtbot, tasks, sample_cases, officer):
    complaint = sample_cases[0].case_no
    take(tasks.folder, officer, complaint, Action.ACCEPT)
    take(
        tasks.folder,
        officer,
        complaint,
        Action.START_MEDIATION,
        {"complainant_consents": True, "merchant_consents": True, "mode": "on_site"},
    )
    detail = open_detail(qtbot, tasks, officer, complaint)
    dialog = detail.view.open_action(Action.AGREE)
    terms = dialog.fields["terms"]
    terms.table.item(0, 1).setText("退还货款")
    terms.table.item(0, 2).setText("1299.50")
    dialog.fields["amount_recovered"].setText("1299.50")
    fill_agreement_wording(dialog)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.result is not None or dialog.problems.isVisible(), timeout=5_000)
    assert dialog.result is not None, dialog.problems.text()
    _case, record = stored(tasks.folder, complaint)
    assert record.workflow["status"] == "agreed"
    assert record.workflow["amount_recovered"] == "1299.50"
    assert record.agreement.terms[0].description == "退还货款"
    assert record.agreement.mediators == ["王调解员", "李文华"]
    assert record.agreement.dispute.startswith("商品存在质量问题")


def test_the_agreement_dialog_names_the_mediators_of_the_sessions(
    qtbot, tasks, sample_cases, officer
):
    complaint = sample_cases[0].case_no
    take(tasks.folder, officer, complaint, Action.ACCEPT)
    take(
        tasks.folder,
        officer,
        complaint,
        Action.START_MEDIATION,
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone"},
    )
    take(
        tasks.folder,
        officer,
        complaint,
        Action.RECORD_SESSION,
        {"held_at": datetime.now().strftime("%Y-%m-%d %H:%M"), "mode": "phone",
         "mediators": ["李文华", "赵明"]},
    )  # fmt: skip
    detail = open_detail(qtbot, tasks, officer, complaint)
    dialog = detail.view.open_action(Action.AGREE)
    assert dialog.fields["mediators"].text() == "李文华、赵明"
    assert dialog.fields["dispute"].toPlainText() == ""
    dialog.fields["terms"].table.item(0, 2).setText("100")
    dialog.fields["amount_recovered"].setText("100")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.problems.isVisible() and not dialog.busy, timeout=5_000)
    problems = dialog.problems.text()
    for key in ("(dispute)", "(performance)", "(performance_due)", "“description”"):
        assert key in problems, key
    # Each problem is also shown under its field.
    assert dialog.slots["dispute"].problem.isVisible()


def test_the_amend_dialog_starts_from_the_agreement_and_completes_it(
    qtbot, tasks, sample_cases, officer
):
    complaint = sample_cases[0].case_no
    take(tasks.folder, officer, complaint, Action.ACCEPT)
    take(
        tasks.folder,
        officer,
        complaint,
        Action.START_MEDIATION,
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone"},
    )
    take(
        tasks.folder,
        officer,
        complaint,
        Action.AGREE,
        {"terms": [{"type": "refund", "amount": "100", "description": "退还货款"}],
         "amount_recovered": "100", "dispute": "质量问题", "mediators": ["李文华"],
         "performance": "现金支付",
         "performance_due": (datetime.now().date()).isoformat()},
    )  # fmt: skip
    detail = open_detail(qtbot, tasks, officer, complaint)
    assert Action.AMEND_AGREEMENT in detail.view.allowed()
    dialog = detail.view.open_action(Action.AMEND_AGREEMENT)
    assert dialog.fields["dispute"].toPlainText() == "质量问题"
    assert dialog.fields["mediators"].text() == "李文华"
    assert dialog.fields["terms"].terms() == [
        {"type": "refund", "description": "退还货款", "amount": "100.00"}
    ]
    dialog.fields["performance"].setText("银行转账")
    dialog.fields["reason"].setPlainText("双方改为银行转账")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.result is not None or dialog.problems.isVisible(), timeout=5_000)
    assert dialog.result is not None, dialog.problems.text()
    _case, record = stored(tasks.folder, complaint)
    assert record.agreement.performance == "银行转账"
    assert record.events[-1].action == "amend-agreement"
    assert record.events[-1].details["previous"] == {"performance": "现金支付"}
    qtbot.waitUntil(lambda: "Changed: How it is performed" in texts(detail.view), timeout=5_000)
    assert "Performed by way of: 银行转账" in texts(detail.view)


def test_an_escalated_case_is_read_only_with_a_banner(qtbot, tasks, sample_cases, clerk):
    complaint = sample_cases[0].case_no
    take(tasks.folder, clerk, complaint, Action.ESCALATE, {"to_station": "RC", "reason": "重大"})
    detail = open_detail(qtbot, tasks, clerk, complaint)
    assert detail.view.banner.isVisible()
    assert "RC" in detail.view.banner.text() and "read-only" in detail.view.banner.text()
    # Only a note may still be added to the record; no step changes the case.
    assert set(detail.view.action_buttons) <= {Action.NOTE}


def test_escalation_dialog_proposes_the_higher_station(qtbot, tasks, sample_cases, clerk):
    complaint = sample_cases[0].case_no
    detail = open_detail(qtbot, tasks, clerk, complaint)
    dialog = detail.view.open_action(Action.ESCALATE)
    assert dialog.payload()["to_station"] == "RC"


def test_todays_work_lists_an_overdue_case_and_opens_it(qtbot, main_window, sample_cases):
    work = main_window.show_todays_work()
    qtbot.waitUntil(lambda: work.work is not None, timeout=5_000)
    # Received on 2026-03-01 and never decided: the acceptance deadline has passed.
    assert sample_cases[0].case_no in work.case_numbers("overdue")
    group = work.tree.topLevelItem(0)
    kind = group.child(0)
    row = kind.child(0)
    work.tree.itemActivated.emit(row, 0)
    case_no = row.text(0)
    assert case_no in main_window.detail_dialogs
    dialog = main_window.detail_dialogs[case_no]
    qtbot.waitUntil(lambda: dialog.view.case is not None, timeout=5_000)
    assert dialog.view.case.case_no == case_no


def test_todays_work_opens_with_f2(qtbot, main_window):
    main_window.todays_work_action.trigger()
    assert main_window.todays_work is not None and main_window.todays_work.isVisible()
    assert main_window.todays_work_action.shortcut().toString() == "F2"


def test_overdue_deadline_shown_in_red(qtbot, tasks, sample_cases, clerk):
    detail = open_detail(qtbot, tasks, clerk, sample_cases[0].case_no)
    state = detail.view.findChild(QLabel, "deadline-acceptance-2")
    assert state is not None and state.text().startswith("overdue by")
    assert "#c62828" in state.styleSheet()


def test_revealing_the_id_number_logs_it_first(qtbot, tasks, sample_cases, clerk, officer):
    case = sample_cases[0]
    refused = open_detail(qtbot, tasks, clerk, case.case_no)  # a clerk may not reveal
    assert not refused.view.reveal_button.isEnabled()
    refused.close()
    detail = open_detail(qtbot, tasks, officer, case.case_no)
    assert "11010519491231002X" not in texts(detail.view)
    detail.view.reveal_button.click()
    qtbot.waitUntil(lambda: detail.view.revealed, timeout=5_000)
    assert "11010519491231002X" in texts(detail.view)
    with tasks.folder.open_store() as store:
        reveals = [e for e in audit_entries(store, case.id) if e.kind == "reveal"]
    assert {e.field for e in reveals} == {"id_number", "phone"}
    assert all(e.actor == "officer" for e in reveals)

    audit = detail.view.open_audit()
    qtbot.waitUntil(lambda: audit.entries is not None and len(audit.entries) >= 2, timeout=5_000)
    cells = [audit.table.item(r, 2).text() for r in range(audit.table.rowCount())]
    assert "Full number shown" in cells


def test_holiday_import_reports_the_result_and_bad_entries(qtbot, main_window, tmp_path):
    good = tmp_path / "2027.json"
    good.write_text(
        json.dumps(
            {"year": 2027, "source": "国务院办公厅", "holidays": ["2027-01-01"], "workdays": []}
        ),
        encoding="utf-8",
    )
    main_window.import_holidays(str(good))
    qtbot.waitUntil(lambda: main_window.holiday_import_result is not None, timeout=5_000)
    result = main_window.holiday_import_result
    assert not isinstance(result, BaseException), result
    assert result.year == 2027 and result.holidays == 1

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"year": 2027, "holidays": ["2027-02-30"]}), encoding="utf-8")
    main_window.holiday_import_result = None
    main_window.import_holidays(str(bad))
    qtbot.waitUntil(lambda: main_window.holiday_import_result is not None, timeout=5_000)
    assert "2027-02-30" in str(main_window.holiday_import_result)


def test_a_deadline_in_a_year_without_holiday_data_warns(
    qtbot, tasks, admin, clerk, make_complaint
):
    from station_app.intake import register_cases

    with tasks.folder.open_store() as store:
        (case,) = register_cases(
            store,
            [make_complaint("孙八", "13500001111", received_at="2026-12-28 10:00")],
            user=admin,
            station_code=STATION,
            today=datetime(2026, 12, 28).date(),
        )
    detail = open_detail(qtbot, tasks, clerk, case.case_no)
    warning = detail.view.findChild(QLabel, "calendar-warning")
    assert warning is not None and "2027" in warning.text()


def test_joint_complaint_agreement_takes_each_members_amounts(qtbot, tasks, sample_cases, officer):
    joint = sample_cases[3].case_no
    take(tasks.folder, officer, joint, Action.ACCEPT)
    take(
        tasks.folder,
        officer,
        joint,
        Action.START_MEDIATION,
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone"},
    )
    detail = open_detail(qtbot, tasks, officer, joint)
    dialog = detail.view.open_action(Action.AGREE)
    members = dialog.fields["members"]
    assert [members.item(r, 0).text() for r in range(members.rowCount())] == ["赵六", "钱七"]
    dialog.fields["terms"].table.item(0, 2).setText("500")
    dialog.fields["amount_recovered"].setText("500")
    dialog.fields["terms"].table.item(0, 1).setText("退还货款")
    fill_agreement_wording(dialog)
    members.item(0, 2).setText("300")
    members.item(1, 2).setText("100")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.problems.isVisible() and not dialog.busy, timeout=5_000)
    assert "add up to 400.00 yuan" in dialog.problems.text()

    members.item(1, 2).setText("200")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=5_000)
    _case, record = stored(tasks.folder, joint)
    assert record.workflow["status"] == "agreed"


def test_an_action_from_the_list_refreshes_the_list_and_the_detail(
    qtbot, main_window, sample_cases
):
    from station_app.ui.case_table_model import Column

    case_no = sample_cases[0].case_no
    model = main_window.model
    qtbot.waitUntil(lambda: all(model.is_row_cached(r) for r in range(4)))
    row = next(r for r in range(4) if model.row_values(r)[Column.CASE_NO] == case_no)
    assert model.row_values(row)[Column.STATUS] == "Registered"
    detail = main_window.open_case_at(row)
    qtbot.waitUntil(lambda: Action.ACCEPT in detail.view.action_buttons, timeout=5_000)
    dialog = detail.view.open_action(Action.ACCEPT)
    qtbot.keyClick(dialog.fields["occurred_at"], Qt.Key.Key_Return)  # Enter submits

    def shows_accepted() -> bool:
        for r in range(model.rowCount()):
            values = model.row_values(r)
            if values and values[Column.CASE_NO] == case_no:
                return values[Column.STATUS] == "Accepted"
        return False

    qtbot.waitUntil(shows_accepted, timeout=5_000)
    qtbot.waitUntil(lambda: Action.START_MEDIATION in detail.view.action_buttons, timeout=5_000)
    detail.close()
