"""The compensation helper of the agreement dialog, the station settings (administrators only)
and the audit log and timeline in words and names."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QGroupBox, QLabel

from station_app.case_actions import act, case_record, promise_setting
from station_app.domain import PromiseArea, Role, User
from station_app.flags import FREQUENT_COUNT_SETTING, FREQUENT_DAYS_SETTING
from station_app.store.accounts import add_user
from station_app.store.holidays import load_calendar
from station_app.ui.action_dialog import CompensationDialog
from station_app.ui.case_detail import CaseDetailDialog
from station_app.ui.station_settings import StationSettingsDialog
from station_app.ui.tasks import Change
from station_app.workflow import Action

STATION = "RC-MT"
TOWN = promise_setting(PromiseArea.TOWN)
TOWNSHIP = promise_setting(PromiseArea.TOWNSHIP)
# Screenshots to look at go to $STATION_SCREENSHOTS, else to a temporary folder.
SCREENSHOTS = Path(
    os.environ.get("STATION_SCREENSHOTS") or tempfile.mkdtemp(prefix="station-app-screens-")
)


def make_user(folder, username: str, display: str, role: Role) -> User:
    user = User(username, display, role, STATION)
    with folder.open_store() as store:
        add_user(store, user, "a-good-password-1")
    return user


@pytest.fixture
def officer(folder, admin) -> User:
    return make_user(folder, "officer", "刘调解", Role.OFFICER)


@pytest.fixture
def clerk(folder, admin) -> User:
    return make_user(folder, "clerk", "陈登记", Role.CLERK)


def take(folder, user: User, case_no: str, action: Action, payload=None, now=None):
    with folder.open_store() as store:
        return act(
            store,
            case_no,
            action,
            payload or {},
            user=user,
            station_code=STATION,
            calendar=load_calendar(store),
            now=now or datetime.now(),
        )


def open_detail(qtbot, tasks, user: User, case_no: str) -> CaseDetailDialog:
    dialog = CaseDetailDialog(tasks, None, user)
    qtbot.addWidget(dialog)
    dialog.view.show_case(case_no)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view.view is not None, timeout=5_000)
    return dialog


def save_screenshot(widget, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.adjustSize()
    assert widget.grab().save(str(SCREENSHOTS / name))


# ------------------------------------------------------------------ compensation


def test_fraud_is_three_times_the_price_with_a_500_yuan_minimum(qtbot):
    dialog = CompensationDialog()
    qtbot.addWidget(dialog)
    dialog.set_rule("fraud")
    assert not dialog.loss.isEnabled()  # fraud counts only the price
    dialog.price.setText("100")
    assert str(dialog.compensation.amount) == "500.00"
    assert "500.00 yuan" in dialog.result.text() and "the legal minimum" in dialog.result.text()
    assert "第五十五条" in dialog.result.text()
    dialog.price.setText("1000")
    assert str(dialog.compensation.amount) == "3000.00"
    assert "3,000.00 yuan (3 times the price)" in dialog.result.text()


def test_food_is_ten_times_the_price_or_three_times_the_loss_at_least_1000(qtbot):
    dialog = CompensationDialog()
    qtbot.addWidget(dialog)
    dialog.set_rule("food_safety")
    assert dialog.loss.isEnabled()
    dialog.price.setText("50")
    assert str(dialog.compensation.amount) == "1000.00"  # 10 × 50 = 500 < the minimum
    dialog.price.setText("300")
    assert str(dialog.compensation.amount) == "3000.00"
    dialog.loss.setText("2000")  # 3 × the loss is more: the consumer takes that
    assert str(dialog.compensation.amount) == "6000.00"
    assert "3 times the loss" in dialog.result.text() and "第一百四十八条" in dialog.result.text()
    save_screenshot(dialog, "compensation_dialog.png")


def test_a_bad_amount_is_named_and_cannot_be_added(qtbot):
    dialog = CompensationDialog()
    qtbot.addWidget(dialog)
    dialog.price.setText("-5")
    assert dialog.compensation is None and not dialog.add_button.isEnabled()
    assert "-5" in dialog.problem.text()


def test_add_as_a_term_fills_the_agreement_terms(qtbot, tasks, sample_cases, officer):
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
    agree = detail.view.open_action(Action.AGREE)
    terms = agree.fields["terms"]
    terms.compensation_button.click()
    helper = terms.compensation_dialog
    assert helper is not None and helper.isVisible()
    helper.set_rule("fraud")
    helper.price.setText("1299.50")
    helper.add_button.click()
    assert terms.terms() == [
        {
            "type": "compensation",
            "description": "Extra compensation under 《中华人民共和国消费者权益保护法》第五十五条第一款",
            "amount": "3898.50",
        }
    ]
    agree.fields["amount_recovered"].setText("3898.50")
    agree.fields["dispute"].setPlainText("商家以次充好，构成欺诈，承担三倍赔偿责任。")
    agree.fields["mediators"].setText("王调解员")
    agree.fields["performed_on_spot"].setChecked(True)
    agree.submit()
    qtbot.waitUntil(lambda: agree.result is not None or agree.problems.isVisible(), timeout=5_000)
    assert agree.result is not None, agree.problems.text()
    with tasks.folder.open_store() as store:
        record = case_record(store, complaint)
    (term,) = record.agreement.terms
    assert term.type == "compensation" and "第五十五条" in term.description


# ------------------------------------------------------------------ station settings


def open_settings(qtbot, tasks, admin) -> StationSettingsDialog:
    dialog = StationSettingsDialog(tasks, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded is not None, timeout=5_000)
    return dialog


def test_settings_show_the_defaults_of_a_township(qtbot, tasks, admin):
    dialog = open_settings(qtbot, tasks, admin)
    # The promise is the place's: 15 minutes in town, 30 in a township, whatever the station.
    assert dialog.edits[TOWN].text() == "15"
    assert dialog.edits[TOWNSHIP].text() == "30"
    assert dialog.edits[FREQUENT_COUNT_SETTING].text() == "5"
    assert dialog.edits[FREQUENT_DAYS_SETTING].text() == "30"
    save_screenshot(dialog, "station_settings_dialog.png")


def test_bad_numbers_are_refused_and_nothing_is_saved(qtbot, tasks, admin):
    dialog = open_settings(qtbot, tasks, admin)
    dialog.edits[TOWNSHIP].setText("0")
    dialog.edits[FREQUENT_DAYS_SETTING].setText("三十")
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.problems.isVisible()
    assert "0 is not between 1 and 240" in dialog.problems.text()
    assert "Within (days): write a whole number" in dialog.problems.text()
    assert dialog.slots[FREQUENT_DAYS_SETTING].problem.isVisible()
    with tasks.folder.open_store() as store:
        assert store.get_setting(TOWNSHIP) is None


def test_saved_promise_minutes_decide_whether_an_arrival_kept_it(
    qtbot, tasks, admin, sample_cases, officer
):
    dialog = open_settings(qtbot, tasks, admin)
    dialog.edits[TOWNSHIP].setText("45")
    dialog.edits[FREQUENT_COUNT_SETTING].setText("3")
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save_button.click()
    with tasks.folder.open_store() as store:
        assert store.get_setting(TOWNSHIP) == "45"
        assert store.get_setting(FREQUENT_COUNT_SETTING) == "3"
        assert store.get_setting(FREQUENT_DAYS_SETTING) == "30"

    complaint = sample_cases[0].case_no  # received (the phone call) at 09:30
    take(tasks.folder, officer, complaint, Action.DISPATCH, {"at": "2026-03-01 09:50"})
    result = take(tasks.folder, officer, complaint, Action.ARRIVE, {"at": "2026-03-01 10:10"})
    # 40 minutes from the call: beyond the township's default 30, within the 45 just saved.
    assert result.event.details["promise_minutes"] == 45
    assert result.event.details["area"] == "township"
    assert result.event.details["kept"] is True


def test_only_an_administrator_gets_the_settings(qtbot, folder, station_admin, clerk, main_window):
    from station_app.ui.app import open_main_window

    assert main_window.settings_action is not None
    assert main_window.settings_action in main_window.menuBar().actions()[1].menu().actions()
    dialog = main_window.show_settings()
    assert dialog is not None and dialog.isVisible()

    station, _admin = station_admin
    window = open_main_window(folder, clerk, station=station)
    qtbot.addWidget(window)
    try:
        assert window.settings_action is None
        menus = [action.menu() for action in window.menuBar().actions() if action.menu()]
        texts = [a.text() for menu in menus for a in menu.actions()]
        assert not any("settings" in text.lower() for text in texts)
        assert window.show_settings() is None
        with pytest.raises(PermissionError):
            StationSettingsDialog(window.tasks, clerk)
    finally:
        window.tasks.shutdown()


def test_who_acts_is_set_in_the_dialog_and_bad_names_are_refused(qtbot, tasks, admin):
    dialog = open_settings(qtbot, tasks, admin)
    assert dialog.focusWidget() is dialog.acting_edits["authority.name"]
    dialog.acting_edits["authority.name"].setText("局" * 500)
    dialog.acting_edits["authority.prefix"].setText("瑞市\x07监消")
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.problems.isVisible()
    assert "500 characters" in dialog.problems.text()
    assert "cannot be printed" in dialog.problems.text()
    assert dialog.acting_slots["authority.name"].problem.isVisible()
    with tasks.folder.open_store() as store:
        assert store.get_setting("authority.name") == "瑞昌市市场监督管理局码头市场监督管理所"

    dialog.acting_edits["authority.name"].setText("瑞昌市市场监督管理局码头市场监督管理所")
    dialog.acting_edits["authority.prefix"].setText("瑞市监消")
    dialog.acting_edits["court.name"].setText("九江市浔阳区人民法院")
    dialog.mediator_kind.setCurrentIndex(
        dialog.mediator_kind.findData("people_mediation_committee")
    )
    save_screenshot(dialog, "station_settings_acting.png")
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save_button.click()
    with tasks.folder.open_store() as store:
        assert store.get_setting("authority.name") == "瑞昌市市场监督管理局码头市场监督管理所"
        assert store.get_setting("authority.prefix") == "瑞市监消"
        assert store.get_setting("mediator.kind") == "people_mediation_committee"
        assert store.get_setting("court.name") == "九江市浔阳区人民法院"


# ------------------------------------------------------------------ audit log and timeline


def test_audit_log_shows_fields_in_words_and_who_by_name(qtbot, tasks, sample_cases, officer):
    complaint = sample_cases[0].case_no
    take(tasks.folder, officer, complaint, Action.ACCEPT)
    detail = open_detail(qtbot, tasks, officer, complaint)
    audit = detail.view.open_audit()
    qtbot.waitUntil(lambda: audit.entries is not None, timeout=5_000)
    rows = [
        [audit.table.item(r, c).text() for c in range(audit.table.columnCount())]
        for r in range(audit.table.rowCount())
    ]
    status_rows = [row for row in rows if row[4] == "Status"]
    assert status_rows, rows
    assert status_rows[-1][1] == "刘调解 (officer)"
    assert status_rows[-1][3] == "Case"
    assert status_rows[-1][5:] == ["Registered", "Accepted"]
    fields = {row[4] for row in rows}
    assert "Accepted on" in fields
    assert "status" not in fields and "accepted_on" not in fields


def test_timeline_names_people_by_their_display_names(
    qtbot, main_window, sample_cases, folder, officer
):
    complaint = sample_cases[0].case_no
    take(folder, officer, complaint, Action.ACCEPT, {"note": "材料齐全"})
    main_window.tasks.changes.notify({Change.USERS})  # the officer was added after start
    dialog = main_window.open_case_number(complaint)
    qtbot.waitUntil(lambda: dialog.view.view is not None, timeout=5_000)
    timeline = dialog.view.findChild(QGroupBox, "timeline")
    texts = "\n".join(label.text() for label in timeline.findChildren(QLabel))
    assert "刘调解 (officer, Officer)" in texts
    assert "Registered by 管理员 (admin)" in texts


def test_values_the_city_office_sets_are_shown_read_only_with_a_note(qtbot, tasks, admin):
    """The city's authority document locks authority.name and court.name for this township
    and lets it keep its own mediator: the dialog shows the city's values, read-only."""
    from tests.core.test_city_reference import pull_reference

    city_office = "瑞昌市市场监督管理局码头市场监督管理所（市局）"
    with tasks.folder.open_store() as store:
        pull_reference(
            store,
            "authority",
            {
                "defaults": {"court.name": "瑞昌市人民法院", "mediator.kind": "station"},
                "overridable": ["mediator.name"],
                "townships": {"RC-MT": {"values": {"authority.name": city_office}}},
            },
        )
    dialog = open_settings(qtbot, tasks, admin)
    name = dialog.acting_edits["authority.name"]
    assert name.text() == city_office and name.isReadOnly()
    assert dialog.acting_edits["court.name"].isReadOnly()
    assert not dialog.mediator_kind.isEnabled()
    assert not dialog.acting_edits["mediator.name"].isReadOnly()
    assert dialog.city_note.isVisible() and "city office" in dialog.city_note.text()
    assert dialog.focusWidget() is dialog.acting_edits["authority.prefix"]
    save_screenshot(dialog, "station_settings_city_values.png")
    dialog.acting_edits["mediator.name"].setText("码头镇消费维权站")
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save_button.click()
    with tasks.folder.open_store() as store:
        assert store.get_setting("mediator.name") == "码头镇消费维权站"
        # The station's own value of a locked key is kept as it was, not overwritten.
        assert store.get_setting("authority.name") == "瑞昌市市场监督管理局码头市场监督管理所"
        from station_app.store.station_settings import load_acting_bodies

        assert load_acting_bodies(store).authority_name == city_office
