"""Escalation village → township → city: ownership moves, the lower station keeps a read-only
view (and may still add notes), and the event shows where the case went."""

from __future__ import annotations

from datetime import date

import pytest

from station_app.case_actions import ActionRejected, case_record
from station_app.store.due import todays_work
from station_app.store.holidays import load_calendar
from tests.core.workflow_helpers import (
    CITY,
    CLERK,
    OFFICER,
    TOWNSHIP,
    TOWNSHIP_OFFICER,
    VILLAGE,
    case_row,
    do,
    events,
    new_case,
    set_up_village,
    snapshot,
)


@pytest.fixture
def store(store):
    set_up_village(store)
    return store


def test_escalation_moves_ownership_and_records_from_and_to(store):
    case = new_case(store)
    result = do(
        store, case, "escalate", {"to_station": TOWNSHIP, "reason": "涉及金额较大"}, user=CLERK
    )
    assert result.to_status == result.from_status == "registered"
    row = case_row(store, case)
    assert (row["owner_station"], row["escalated_from"]) == (TOWNSHIP, VILLAGE)
    event = events(store, case)[-1]
    assert event["action"] == "escalate"
    assert event["details"] == {
        "from_station": VILLAGE,
        "to_station": TOWNSHIP,
        "reason": "涉及金额较大",
    }
    assert event["owner_station"] == VILLAGE  # the village wrote the event
    # The case's own rows go with it, so the township may change them.
    owners = {
        r[0]
        for r in store.execute("SELECT owner_station FROM parties WHERE case_id = ?", (case.id,))
    }
    assert owners == {TOWNSHIP}
    audit = store.query(
        "SELECT actor, old_value, new_value FROM audit_log WHERE case_id = ? AND field = 'owner_station'"
        " AND table_name = 'cases'",
        (case.id,),
    )
    assert audit == [{"actor": CLERK.username, "old_value": VILLAGE, "new_value": TOWNSHIP}]


def test_the_lower_station_can_no_longer_act_but_can_add_a_note(store):
    case = new_case(store)
    do(store, case, "escalate", {"to_station": TOWNSHIP, "reason": "重大纠纷"}, user=CLERK)
    before = snapshot(store)
    for action in ("accept", "withdraw", "close"):
        with pytest.raises(ActionRejected, match=f"belongs to station {TOWNSHIP}"):
            do(store, case, action, user=OFFICER)
    assert snapshot(store) == before
    do(store, case, "note", {"note": "已告知投诉人案件转乡镇办理"}, user=CLERK)
    assert events(store, case)[-1]["action"] == "note"
    # The read-only view still shows the whole record, including the outcome later on.
    do(store, case, "accept", station=TOWNSHIP, user=TOWNSHIP_OFFICER)
    record = case_record(store, case.case_no, load_calendar(store))
    assert [e.action for e in record.events] == ["escalate", "note", "accept"]
    assert record.workflow["owner_station"] == TOWNSHIP
    assert record.workflow["escalated_from"] == VILLAGE


def test_the_work_list_follows_the_owner(store):
    case = new_case(store)
    today = date(2026, 3, 5)
    assert [i.case_no for i in todays_work(store, today, station_code=VILLAGE).this_week] == [
        case.case_no
    ]
    do(store, case, "escalate", {"to_station": TOWNSHIP, "reason": "重大纠纷"}, user=CLERK)
    assert todays_work(store, today, station_code=VILLAGE).this_week == []
    assert [i.case_no for i in todays_work(store, today, station_code=TOWNSHIP).this_week] == [
        case.case_no
    ]


def test_escalation_goes_only_to_the_higher_station(store):
    case = new_case(store)
    before = snapshot(store)
    for target, message in (
        ("RC", "only to its higher station RC-MT"),
        (VILLAGE, "already belongs to"),
        ("rc mt!", "not a station code"),
    ):
        with pytest.raises(ActionRejected, match=message):
            do(store, case, "escalate", {"to_station": target, "reason": "x"}, user=CLERK)
    with pytest.raises(ActionRejected, match="Reason"):
        do(store, case, "escalate", {"to_station": TOWNSHIP}, user=CLERK)
    assert snapshot(store) == before


def test_the_township_escalates_further_and_the_city_may_move_any_case(store):
    case = new_case(store)
    do(store, case, "escalate", {"to_station": TOWNSHIP, "reason": "x"}, user=CLERK)
    # The township's own parent is not known on this PC; the city role may send it anywhere.
    do(store, case, "escalate", {"to_station": "RC", "reason": "重大纠纷"}, user=CITY, station="RC")
    row = case_row(store, case)
    assert (row["owner_station"], row["escalated_from"]) == ("RC", TOWNSHIP)
    assert events(store, case)[-1]["details"]["from_station"] == TOWNSHIP


def test_a_closed_case_is_not_escalated(store):
    case = new_case(store)
    do(store, case, "withdraw", user=CLERK)
    with pytest.raises(ActionRejected, match="not possible"):
        do(store, case, "escalate", {"to_station": TOWNSHIP, "reason": "x"}, user=CLERK)
