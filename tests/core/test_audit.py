"""The audit log: the actor of each transaction, nested actors, and reveals of full numbers."""

from __future__ import annotations

import pytest

from station_app.store import Store
from station_app.store.audit import audit_entries, log_reveal
from tests.core.conftest import VALID_RIC
from tests.core.workflow_helpers import CLERK, VILLAGE, do, new_case, set_up_village


@pytest.fixture
def store(store):
    set_up_village(store)
    return store


def test_reveal_is_logged_per_party_and_field(store):
    case = new_case(store)
    store.execute("UPDATE parties SET id_number = ? WHERE case_id = ?", (VALID_RIC, case.id))
    party_id = store.scalar("SELECT id FROM parties WHERE case_id = ?", (case.id,))
    assert log_reveal(store, case.id, actor="li.clerk", station_code=VILLAGE) == 2
    reveals = [e for e in audit_entries(store, case.id) if e.kind == "reveal"]
    assert {(e.actor, e.table_name, e.row_id, e.field) for e in reveals} == {
        ("li.clerk", "parties", party_id, "id_number"),
        ("li.clerk", "parties", party_id, "phone"),
    }
    # The reveal rows themselves say nothing of the numbers.
    assert all(e.old_value is None and e.new_value is None for e in reveals)
    entries = store.query("SELECT op FROM outbox WHERE table_name = 'audit_log'")
    assert entries and {e["op"] for e in entries} == {"insert"}


def test_a_party_without_numbers_has_nothing_to_reveal(store):
    case = new_case(store, phone="")
    assert log_reveal(store, case.id, actor="li.clerk", station_code=VILLAGE) == 0


def test_nested_actor_names_only_its_own_part(store):
    case = new_case(store)
    with store.transaction(actor="outer"):
        store.execute("UPDATE cases SET category = 'a' WHERE id = ?", (case.id,))
        with store.transaction(actor="inner"):
            store.execute("UPDATE cases SET category = 'b' WHERE id = ?", (case.id,))
        store.execute("UPDATE cases SET category = 'c' WHERE id = ?", (case.id,))
    changes = [
        (e.actor, e.new_value) for e in audit_entries(store, case.id) if e.field == "category"
    ]
    assert changes == [("outer", "a"), ("inner", "b"), ("outer", "c")]


def test_a_rolled_back_transaction_names_no_one(store):
    case = new_case(store)
    with pytest.raises(RuntimeError), store.transaction(actor="li.clerk"):
        store.execute("UPDATE cases SET category = 'a' WHERE id = ?", (case.id,))
        raise RuntimeError("abort")
    assert not [e for e in audit_entries(store, case.id) if e.field == "category"]
    with store.transaction():
        store.execute("UPDATE cases SET category = 'b' WHERE id = ?", (case.id,))
    assert [e.actor for e in audit_entries(store, case.id) if e.field == "category"] == ["system"]


def test_two_connections_each_name_their_own_actor(store):
    case = new_case(store)
    other = Store(store.path)
    try:
        with other.transaction(actor="from.other"):
            other.execute("UPDATE cases SET category = 'x' WHERE id = ?", (case.id,))
        # This connection last wrote 'admin' itself; it must not trust that memory.
        with store.transaction(actor="admin"):
            store.execute("UPDATE cases SET category = 'y' WHERE id = ?", (case.id,))
    finally:
        other.close()
    changes = [
        (e.actor, e.new_value) for e in audit_entries(store, case.id) if e.field == "category"
    ]
    assert changes == [("from.other", "x"), ("admin", "y")]


def test_every_change_of_an_action_is_audited_with_old_and_new_values(store):
    case = new_case(store)
    do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
    entries = [e for e in audit_entries(store, case.id) if e.field in ("status", "accepted_on")]
    assert [(e.actor, e.field, e.old_value, e.new_value) for e in entries] == [
        ("li.clerk", "status", "registered", "accepted"),
        ("li.clerk", "accepted_on", None, "2026-05-06"),
    ]
    assert all(e.at.endswith("Z") for e in entries)


def test_the_audit_records_the_origin_of_each_change(store):
    from station_app.store.connection import ORIGIN_DEMO, remote_origin

    case = new_case(store)
    with store.transaction(actor="li.clerk"):
        store.execute("UPDATE cases SET category = 'a' WHERE id = ?", (case.id,))
    with store.transaction(origin=remote_origin("RC-CJ")):
        store.execute("UPDATE cases SET category = 'b' WHERE id = ?", (case.id,))
    with store.transaction(origin=ORIGIN_DEMO):
        store.execute("UPDATE cases SET category = 'c' WHERE id = ?", (case.id,))
    rows = store.query(
        "SELECT actor, origin, new_value FROM audit_log WHERE case_id = ? AND field = 'category'"
        " ORDER BY local_id",
        (case.id,),
    )
    # A pulled change is audited as coming from its station; only the demo loader is silent.
    assert [(r["actor"], r["origin"], r["new_value"]) for r in rows] == [
        ("li.clerk", "local", "a"),
        ("system", "remote:RC-CJ", "b"),
    ]
    # The audit row of a pulled change stays on this PC: it is not sent back.
    queued = {
        r["row_id"] for r in store.query("SELECT row_id FROM outbox WHERE table_name = 'audit_log'")
    }
    ids = store.query(
        "SELECT id, origin FROM audit_log WHERE case_id = ? AND field = 'category'", (case.id,)
    )
    assert [(r["origin"], r["id"] in queued) for r in ids] == [
        ("local", True),
        ("remote:RC-CJ", False),
    ]


def test_there_is_no_switch_to_write_unaudited(store):
    tables = {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "change_capture" not in tables
    case = new_case(store)
    store.execute("UPDATE cases SET facts = 'x' WHERE id = ?", (case.id,))
    assert [e.new_value for e in audit_entries(store, case.id) if e.field == "facts"] == ["x"]
