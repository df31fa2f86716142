"""The action dialog offers the refusal and termination grounds of the case's own regime: a
complaint received before 2026-04-15 is decided under Order No. 20 (six refusal grounds, seven
termination grounds in art. 21's order), a later one under Order No. 121."""

from __future__ import annotations

from datetime import date

import pytest

from station_app.domain import Role, User
from station_app.ui.action_dialog import ActionDialog
from station_app.workflow import Action
from tests.ui.test_case_workflow_ui import STATION, make_user, open_detail, stored, take


@pytest.fixture
def officer(folder, admin) -> User:
    return make_user(folder, "officer", Role.OFFICER)


def offered(dialog) -> list[str]:
    combo = dialog.fields["ground"]
    return [combo.itemText(i) for i in range(1, combo.count())]


def test_an_old_complaint_is_offered_only_order_20_grounds(qtbot, tasks, sample_cases, officer):
    complaint = sample_cases[0].case_no  # received 2026-03-01: Order No. 20
    detail = open_detail(qtbot, tasks, officer, complaint)
    refusal = detail.view.open_action(Action.REFUSE)
    grounds = offered(refusal)
    assert len(grounds) == 6 and grounds[5].startswith("Item 6: 法律、法规、规章规定不予受理")
    assert not any("身份信息虚假" in g for g in grounds)
    refusal.close()

    take(tasks.folder, officer, complaint, Action.ACCEPT)
    detail.view.show_case(complaint)
    qtbot.waitUntil(lambda: Action.TERMINATE in detail.view.action_buttons, timeout=5_000)
    dialog = detail.view.open_action(Action.TERMINATE)
    grounds = offered(dialog)
    assert [g.split(":")[0] for g in grounds] == [f"Item {n}" for n in range(1, 8)]
    assert not any("死亡" in g for g in grounds)  # Order No. 121 added death or dissolution
    # Order No. 20 art. 21 item 2 is the appraisal dispute (item 4 of Order No. 121's order).
    assert "检定、检验、检测、鉴定" in grounds[1]
    dialog.fields["ground"].setCurrentIndex(2)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=5_000)
    _case, record = stored(tasks.folder, complaint)
    assert record.events[-1].details["ground"] == 4
    assert "鉴定" in record.events[-1].details["ground_text"]


def test_a_complaint_under_order_121_is_offered_all_its_grounds(qtbot, tasks, officer):
    for received, refusals, terminations in (
        (date(2026, 5, 6), 7, 8),
        (date(2026, 4, 14), 6, 7),
    ):
        counts = []
        for action in (Action.REFUSE, Action.TERMINATE):
            dialog = ActionDialog(
                tasks,
                user=officer,
                station_code=STATION,
                case_key="RC-MT-2026-00001",
                action=action,
                received_on=received,
            )
            qtbot.addWidget(dialog)
            counts.append(len(offered(dialog)))
        assert counts == [refusals, terminations], received
