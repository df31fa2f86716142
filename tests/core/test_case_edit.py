"""Correcting a registered case: intake's validation, the audit log, field-level outbox rows,
the timeline, search and deadlines at once, ownership, and the documents a change outdates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from station_app.case_actions import act
from station_app.case_edit import CaseEditRejected, edit_case, editable_data, preview_edit
from station_app.document_fields import PRINTED_FIELDS
from station_app.document_issuing import issue_document
from station_app.documents import DOCUMENT_KINDS
from station_app.domain import Role, User
from station_app.intake import register_cases
from station_app.store.audit import audit_entries
from station_app.store.case_events import list_events
from station_app.store.case_list import search_cases
from station_app.store.cases import get_case
from station_app.store.due import stored_deadlines
from station_app.store.holidays import load_calendar
from station_app.workflow import CORRECTION_EVENT
from tests.core.workflow_helpers import set_acting_bodies

NOW = datetime(2026, 3, 2, 15, 0)


@pytest.fixture
def registered(store, admin, codes, make_case_data):
    def _register(**overrides):
        (case,) = register_cases(
            store,
            [make_case_data(**overrides)],
            user=admin,
            station_code=codes.station,
            today=codes.today,
        )
        return case

    return _register


@pytest.fixture
def edit(store, admin, codes):
    def _edit(case_no, edits, *, user=admin, station=codes.station):
        return edit_case(
            store, case_no, edits, user=user, station_code=station, today=codes.today, now=NOW
        )

    return _edit


def _outbox_since(store, seq):
    return [row for row in _outbox(store) if row["seq"] > seq]


def _outbox(store):
    import json

    rows = store.query("SELECT * FROM outbox ORDER BY seq")
    for row in rows:
        for key in ("new_values", "old_values"):
            if row[key] is not None:
                row[key] = json.loads(row[key])
    return rows


def _last_seq(store):
    return store.scalar("SELECT COALESCE(MAX(seq), 0) FROM outbox")


def test_a_corrected_name_is_searchable_at_once_and_the_old_one_is_gone(store, registered, edit):
    case = registered()
    party_id = get_case(store, case.case_no).complainants[0].id
    result = edit(case.case_no, {"complainants": [{"id": party_id, "name": "李四"}]})
    assert result.saved
    assert [c.to_dict() for c in result.changes] == [
        {"field": "complainants[0].name", "old": "张三", "new": "李四"}
    ]
    assert [r.case_no for r in search_cases(store, "李四")] == [case.case_no]
    assert search_cases(store, "张三") == []
    back = get_case(store, case.case_no)
    assert [(p.id, p.name, p.phone) for p in back.complainants] == [
        (party_id, "李四", "13812346721")
    ]


def test_each_change_is_audited_with_who_and_old_and_new(store, registered, edit, admin):
    case = registered()
    before = len(audit_entries(store, case.id))
    edit(case.case_no, {"facts": "冰箱不制冷，商家拒绝退货，已协商两次。", "amount": "1300"})
    entries = audit_entries(store, case.id)[before:]
    changed = {(e.table_name, e.field): (e.old_value, e.new_value) for e in entries}
    assert changed[("cases", "facts")] == (
        "购买的冰箱不制冷，商家拒绝退货。",
        "冰箱不制冷，商家拒绝退货，已协商两次。",
    )
    assert changed[("cases", "amount_fen")] == ("129950", "130000")
    assert {e.actor for e in entries} == {admin.username}
    assert all(e.at for e in entries)


def test_the_outbox_holds_one_field_level_update_per_changed_row(store, registered, edit):
    case = registered()
    party_id = get_case(store, case.case_no).complainants[0].id
    seq = _last_seq(store)
    edit(
        case.case_no,
        {"request": "换货", "complainants": [{"id": party_id, "phone": "13900001111"}]},
    )
    rows = _outbox_since(store, seq)
    updates = {(r["table_name"], r["row_id"]): r for r in rows if r["op"] == "update"}
    case_row = updates[("cases", case.id)]
    assert set(case_row["new_values"]) == {"request", "updated_at"}
    assert case_row["new_values"]["request"] == "换货"
    assert case_row["old_values"]["request"] == "退货退款"
    party_row = updates[("parties", party_id)]
    assert set(party_row["new_values"]) == {"phone", "updated_at"}
    assert party_row["old_values"]["phone"] == "13812346721"
    # no party was re-inserted: sync sees the same row changed
    assert not [r for r in rows if r["table_name"] == "parties" and r["op"] == "insert"]


def test_the_correction_is_in_the_timeline_with_masked_numbers(store, registered, edit):
    case = registered()
    party_id = get_case(store, case.case_no).complainants[0].id
    edit(
        case.case_no,
        {"complainants": [{"id": party_id, "phone": "13900001111"}], "reason": "电话记错"},
    )
    (event,) = [e for e in list_events(store, case.id) if e.action == CORRECTION_EVENT]
    assert event.actor == "admin"
    assert event.note == "电话记错"
    assert event.from_status == event.to_status
    assert event.details["changes"] == [
        {"field": "complainants[0].phone", "old": "138****6721", "new": "139****1111"}
    ]


def test_an_edit_that_makes_the_case_invalid_saves_nothing(store, registered, edit):
    case = registered()
    party_id = get_case(store, case.case_no).complainants[0].id
    seq = _last_seq(store)
    audit_before = len(audit_entries(store, case.id))
    with pytest.raises(CaseEditRejected) as rejected:
        edit(
            case.case_no,
            {
                "facts": "新的事实",
                "complainants": [{"id": party_id, "phone": "138123"}],
                "merchant": {"name": ""},
            },
        )
    fields = {p.field for p in rejected.value.problems}
    assert {"complainants[0].phone", "merchant.name"} <= fields
    assert _last_seq(store) == seq
    assert len(audit_entries(store, case.id)) == audit_before
    assert get_case(store, case.case_no).facts == "购买的冰箱不制冷，商家拒绝退货。"


def test_a_case_another_station_owns_is_refused_naming_the_owner(store, registered, edit, admin):
    case = registered()
    clerk_elsewhere = User("wang", "王", Role.CLERK, "RC-XX")
    with pytest.raises(CaseEditRejected) as rejected:
        edit(case.case_no, {"facts": "改"}, user=clerk_elsewhere, station="RC-XX")
    assert "RC-MT" in str(rejected.value)
    assert rejected.value.problems[0].code == "not_owner"


def test_the_work_order_due_date_moves_the_deadline(store, registered, edit):
    case = registered(
        channel="transfer_12345", work_order_no="GD-2026-0001", work_order_due="2026-03-10"
    )
    local_id = store.scalar("SELECT local_id FROM cases WHERE id = ?", (case.id,))

    def work_order_due():
        return {d.kind.value: d.due for d in stored_deadlines(store, [local_id])[local_id]}[
            "work_order_12345"
        ]

    assert work_order_due() == date(2026, 3, 10)
    result = edit(case.case_no, {"work_order_due": "2026-03-20"})
    assert work_order_due() == date(2026, 3, 20)
    assert {d.kind.value: d.due for d in result.deadlines}["work_order_12345"] == date(2026, 3, 20)


def test_the_time_received_needs_a_reason_and_moves_the_acceptance_deadline(
    store, registered, edit
):
    case = registered(received_at="2026-03-02 09:30")
    local_id = store.scalar("SELECT local_id FROM cases WHERE id = ?", (case.id,))

    def acceptance():
        return {d.kind.value: d for d in stored_deadlines(store, [local_id])[local_id]}[
            "acceptance"
        ]

    before = acceptance()
    with pytest.raises(CaseEditRejected) as rejected:
        edit(case.case_no, {"received_at": "2026-02-26 10:00"})
    assert [p.code for p in rejected.value.problems] == ["reason_required"]
    assert acceptance() == before
    edit(case.case_no, {"received_at": "2026-02-26 10:00", "reason": "来信邮戳为2月26日"})
    after = acceptance()
    assert after.start == date(2026, 2, 26)
    assert after.due < before.due


def test_the_time_received_cannot_leave_the_year_of_the_case_number(store, registered, edit):
    case = registered(received_at="2026-01-02 09:30", purchase_date="2025-12-20")
    with pytest.raises(CaseEditRejected) as rejected:
        edit(case.case_no, {"received_at": "2025-12-30 10:00", "reason": "x"})
    assert "year_fixed" in [p.code for p in rejected.value.problems]


def test_the_type_of_case_cannot_change(registered, edit):
    case = registered()
    with pytest.raises(CaseEditRejected) as rejected:
        edit(case.case_no, {"kind": "report"})
    assert rejected.value.problems[0].code == "kind_fixed"


def test_unknown_keys_are_refused(registered, edit):
    case = registered()
    with pytest.raises(CaseEditRejected) as rejected:
        edit(case.case_no, {"status": "closed"})
    assert rejected.value.problems[0].field == "status"


def test_a_complainant_can_be_added_and_removed_as_a_tombstone(store, registered, edit, codes):
    case = registered()
    first = get_case(store, case.case_no).complainants[0].id
    edit(
        case.case_no,
        {"complainants": [{"id": first}, {"name": "王五", "phone": "13700001234"}]},
    )
    back = get_case(store, case.case_no)
    assert [p.name for p in back.complainants] == ["张三", "王五"]
    second = back.complainants[1].id
    edit(case.case_no, {"complainants": [{"id": second}]})
    back = get_case(store, case.case_no)
    assert [p.name for p in back.complainants] == ["王五"]
    assert store.scalar("SELECT deleted FROM parties WHERE id = ?", (first,)) == 1
    assert search_cases(store, "张三") == []
    assert [r.case_no for r in search_cases(store, "王五")] == [case.case_no]


def test_a_masked_number_from_case_show_leaves_the_value(store, registered, edit):
    case = registered()
    party_id = get_case(store, case.case_no).complainants[0].id
    result = edit(
        case.case_no,
        {
            "complainants": [
                {"id": party_id, "phone": "138****6721", "id_number": "110105********002X"}
            ],
            "facts": "补充事实",
        },
    )
    assert [c.path for c in result.changes] == ["facts"]
    assert get_case(store, case.case_no).complainants[0].phone == "13812346721"


def test_a_corrected_merchant_is_a_new_registry_entry_and_the_old_one_is_untouched(
    store, registered, edit
):
    case = registered()
    other = registered()
    old_merchant = get_case(store, case.case_no).merchant
    edit(case.case_no, {"merchant": {"phone": "0851-22519999"}})
    corrected = get_case(store, case.case_no).merchant
    assert corrected.phone == "0851-22519999"
    assert corrected.id != old_merchant.id
    assert get_case(store, other.case_no).merchant.phone == "0851-22512345"
    audit = [
        (e.table_name, e.field, e.old_value, e.new_value) for e in audit_entries(store, case.id)
    ]
    assert ("merchants", "phone", "0851-22512345", "0851-22519999") in audit


def test_an_edit_that_changes_nothing_writes_nothing(store, registered, edit):
    case = registered()
    seq = _last_seq(store)
    result = edit(case.case_no, {"facts": "购买的冰箱不制冷，商家拒绝退货。"})
    assert not result.saved and result.changes == []
    assert _last_seq(store) == seq


def test_editable_data_round_trips_through_an_edit_unchanged(store, registered, edit):
    case = registered()
    data = editable_data(get_case(store, case.case_no))
    result = edit(case.case_no, data)
    assert result.changes == []


def test_a_masked_correction_form_keeps_the_numbers_and_saves_the_rest(store, registered, edit):
    """What a clerk's correction form holds (phones and ID numbers masked) saves the fields
    changed and keeps the stored numbers as they were."""
    from station_app.case_edit import masked_fields

    case = registered()
    stored = get_case(store, case.case_no).complainants[0]
    data = editable_data(get_case(store, case.case_no), reveal=False)
    person = data["complainants"][0]
    assert person["phone"] != stored.phone and stored.phone.endswith(person["phone"][-4:])
    assert masked_fields(data)["complainants[0].phone"] == person["phone"]
    data["facts"] = data["facts"] + "（补充）"
    result = edit(case.case_no, data)
    assert [change.path for change in result.changes] == ["facts"]
    after = get_case(store, case.case_no).complainants[0]
    assert (after.phone, after.id_number) == (stored.phone, stored.id_number)


def test_issued_documents_that_print_a_changed_field_are_named(
    store, registered, edit, admin, codes, tmp_path
):
    set_acting_bodies(store)
    case = registered()
    act(
        store,
        case.case_no,
        "accept",
        {"occurred_at": "2026-03-02 10:00"},
        user=admin,
        station_code=codes.station,
        calendar=load_calendar(store),
        now=NOW,
    )
    for kind in ("complaint_registration", "acceptance_decision"):
        issue_document(
            store, tmp_path, case.case_no, kind, user=admin, station_code=codes.station, now=NOW
        )
    facts_only = preview_edit(
        store, case.case_no, {"facts": "更正后的事实"}, user=admin,
        station_code=codes.station, today=codes.today,
    )  # fmt: skip
    assert [d.kind for d in facts_only.documents] == ["complaint_registration"]
    party_id = get_case(store, case.case_no).complainants[0].id
    result = edit(case.case_no, {"complainants": [{"id": party_id, "name": "张叁"}]})
    assert sorted(d.kind for d in result.documents) == [
        "acceptance_decision",
        "complaint_registration",
    ]
    assert all(d.fields == ("complainants[0].name",) for d in result.documents)


def test_every_document_kind_lists_the_fields_it_prints():
    assert set(PRINTED_FIELDS) == set(DOCUMENT_KINDS)
