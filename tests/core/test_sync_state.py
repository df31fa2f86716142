"""The station's sync bookkeeping (store.sync_state) and what sync_apply keeps: unknown
fields of pulled rows are kept and sent back, a station's own echoed change never makes a
conflict, batches never cut a station transaction."""

from __future__ import annotations

import json

from station_app.store import sync_state
from station_app.store.sync_apply import RemoteChange, apply_remote_changes, pending_conflicts
from tests.core.workflow_helpers import TOWNSHIP, VILLAGE, new_case, set_up_village


def _pulled_party(case_id: str, party_id: str, **extra) -> RemoteChange:
    values = {
        "id": party_id,
        "case_id": case_id,
        "role": "complainant",
        "name": "远方来客",
        "phone": "",
        "owner_station": TOWNSHIP,
        "created_at": "2026-11-30T08:00:00.000Z",
        "updated_at": "2026-11-30T08:00:00.000Z",
        "deleted": 0,
        **extra,
    }
    return RemoteChange("parties", party_id, "insert", values, 3, TOWNSHIP)


def test_unknown_fields_of_a_pulled_row_are_kept_and_sent_back(store) -> None:
    set_up_village(store)
    case = new_case(store)
    store.execute("DELETE FROM outbox")
    party_id = "0193a0c2-0000-7000-8000-00000000abcd"
    result = apply_remote_changes(
        store, [_pulled_party(case.id, party_id, future_column="新字段", wechat="wx123")]
    )
    assert result.applied == 1 and not result.rejected
    kept = json.loads(
        store.scalar("SELECT fields FROM sync_extra_fields WHERE row_id = ?", (party_id,))
    )
    assert kept == {"future_column": "新字段", "wechat": "wx123"}
    # A later update of another field merges with them; an insert sent again carries them.
    apply_remote_changes(
        store,
        [RemoteChange("parties", party_id, "update", {"wechat": "wx456"}, 4, TOWNSHIP)],
    )
    store.execute(
        "INSERT INTO outbox(table_name, row_id, op, new_values, changed_at, txid) VALUES"
        " ('parties', ?, 'insert', ?, '2026-11-30', 't1')",
        (party_id, json.dumps({"id": party_id, "name": "远方来客"})),
    )
    [entry] = sync_state.read_outbox(store, max_changes=10)
    assert entry.fields["future_column"] == "新字段" and entry.fields["wechat"] == "wx456"


def test_a_stations_own_change_coming_back_never_makes_a_conflict(store) -> None:
    set_up_village(store)
    case = new_case(store, facts="第一版")
    store.execute("DELETE FROM outbox")
    with store.transaction("admin"):
        store.execute("UPDATE cases SET facts = '第二版' WHERE id = ?", (case.id,))
    # The server hands back this station's earlier value while the newer edit is pending.
    apply_remote_changes(
        store, [RemoteChange("cases", case.id, "update", {"facts": "第一版"}, 2, VILLAGE)]
    )
    assert store.scalar("SELECT facts FROM cases WHERE id = ?", (case.id,)) == "第二版"
    assert pending_conflicts(store) == []
    # Another station's value at the same moment is a conflict, kept for review.
    apply_remote_changes(
        store, [RemoteChange("cases", case.id, "update", {"facts": "乡镇版"}, 3, TOWNSHIP)]
    )
    assert [c["field"] for c in pending_conflicts(store)] == ["facts"]


def test_a_batch_never_cuts_a_transaction_and_is_kept_before_it_leaves(store) -> None:
    set_up_village(store)
    for _ in range(3):
        new_case(store)  # each case: one transaction of several rows
    entries = sync_state.read_outbox(store, max_changes=4)
    txids = [e.txid for e in entries]
    everything = store.query("SELECT txid FROM outbox ORDER BY seq")
    # Only whole transactions: every entry of each transaction picked is in the batch.
    for txid in set(txids):
        assert txids.count(txid) == sum(1 for r in everything if r["txid"] == txid)
    sync_state.keep_batch(store, "b1", entries[0].seq, entries[-1].seq, "{}")
    assert sync_state.batch_in_flight(store)["batch_id"] == "b1"
    sync_state.finish_batch(store, "b1")
    assert sync_state.batch_in_flight(store) is None
    remaining = store.scalar("SELECT count(*) FROM outbox")
    assert remaining == len(everything) - len(entries)


def test_a_pulled_change_the_database_refuses_is_set_aside_and_the_page_goes_on(store) -> None:
    set_up_village(store)
    case = new_case(store)
    orphan = _pulled_party(
        "0193a0c2-0000-7000-8000-00000000dead", "0193a0c2-0000-7000-8000-0000000000f1"
    )
    good = _pulled_party(case.id, "0193a0c2-0000-7000-8000-0000000000f2")
    result = sync_state.apply_page(store, [orphan, good], cursor=42)
    assert result.applied == 1 and [c.row_id for c, _r in result.rejected] == [orphan.row_id]
    assert "refuses" in result.rejected[0][1]
    assert store.scalar("SELECT count(*) FROM parties WHERE id = ?", (good.row_id,)) == 1
    assert store.scalar("SELECT count(*) FROM parties WHERE id = ?", (orphan.row_id,)) == 0
    assert sync_state.get_state(store, sync_state.CURSOR) == "42"
    [aside] = sync_state.rejected_records(store)
    assert aside["direction"] == "pull" and aside["row_id"] == orphan.row_id


def test_own_changes_coming_back_are_only_remembered_and_the_pages_order_holds(store) -> None:
    set_up_village(store)
    case = new_case(store, facts="本站写的事实")
    store.execute("DELETE FROM outbox")
    audit = store.scalar("SELECT count(*) FROM audit_log")

    def page(*changes: RemoteChange, cursor: int) -> sync_state.ApplyResult:
        return sync_state.apply_page(store, list(changes), cursor=cursor)

    def facts() -> str:
        return store.scalar("SELECT facts FROM cases WHERE id = ?", (case.id,))

    def version() -> int:
        return store.scalar("SELECT version FROM row_versions WHERE row_id = ?", (case.id,))

    # This station's own change coming back, equal to the row: nothing written, the
    # server's version remembered.
    own = RemoteChange("cases", case.id, "update", {"facts": "本站写的事实"}, 4, VILLAGE)
    assert page(own, cursor=1).applied == 1
    assert facts() == "本站写的事实" and version() == 4
    assert store.scalar("SELECT count(*) FROM audit_log") == audit
    # Another station's change before the own one in the same page: applied in order, so
    # the own (the server's later) value is the one that stays.
    other = RemoteChange("cases", case.id, "update", {"facts": "乡镇写的事实"}, 5, TOWNSHIP)
    again = RemoteChange("cases", case.id, "update", {"facts": "本站写的事实"}, 6, VILLAGE)
    assert page(other, again, cursor=2).applied == 2
    assert facts() == "本站写的事实" and version() == 6
    # An own change that differs from the row (a later page brings it) is applied.
    page(RemoteChange("cases", case.id, "update", {"facts": "乡镇再写"}, 7, TOWNSHIP), cursor=3)
    page(RemoteChange("cases", case.id, "update", {"facts": "本站再写"}, 8, VILLAGE), cursor=4)
    assert facts() == "本站再写" and version() == 8
    assert store.scalar("SELECT count(*) FROM outbox") == 0
    assert sync_state.get_state(store, sync_state.CURSOR) == "4"


def test_a_pulled_change_looks_up_its_rows_pending_changes_by_index(store) -> None:
    """Migration 19: an offline station's outbox can hold tens of thousands of entries; a
    pulled change (or a USB bundle's) reads only its row's, not the whole outbox."""
    set_up_village(store)
    plan = " ".join(
        str(row[-1])
        for row in store.execute(
            "EXPLAIN QUERY PLAN SELECT op, new_values FROM outbox WHERE table_name = ?"
            " AND row_id = ? ORDER BY seq",
            ("cases", "x"),
        )
    )
    assert "outbox_row" in plan, plan
