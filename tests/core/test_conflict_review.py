"""Reviewing a sync conflict (store.sync_review): the chosen value is written as an ordinary
local edit of the person who chose (queued for the server, audited under their name, found
by search), the conflict is marked resolved once, and nothing is written on a bad choice."""

from __future__ import annotations

import json

import pytest

from station_app.store import StoreError
from station_app.store.case_list import search_cases
from station_app.store.sync_review import (
    KEEP_LOCAL,
    KEEP_REMOTE,
    open_conflicts,
    resolve_conflict,
)
from tests.core.conftest import save_case


def _conflict(store, case_id: str, local: str, remote: str, field: str = "facts") -> int:
    """A conflict as sync keeps it: this PC's value in the row, the other station's aside."""
    with store.transaction("admin"):
        store.execute(f"UPDATE cases SET {field} = ? WHERE id = ?", (local, case_id))
    store.execute("DELETE FROM outbox")
    with store.transaction():
        store.execute(
            "INSERT INTO sync_conflicts(table_name, row_id, field, local_value, remote_value,"
            " remote_station, received_at) VALUES ('cases', ?, ?, ?, ?, 'RC-MT-XC',"
            " '2026-03-02T06:05:00Z')",
            (case_id, field, json.dumps(local), json.dumps(remote)),
        )
    return store.scalar("SELECT max(local_id) FROM sync_conflicts")


def test_keeping_the_other_value_writes_it_as_a_local_edit_that_syncs(store, station, admin):
    case = save_case(store, station.code, facts="原来")
    conflict_id = _conflict(store, case.id, "本站写的事实", "乡镇写的事实")
    [shown] = open_conflicts(store)
    assert (shown.case_no, shown.field) == (case.case_no, "facts")
    assert (shown.local_value, shown.remote_value) == ("本站写的事实", "乡镇写的事实")
    assert shown.current_value == "本站写的事实" and shown.remote_station == "RC-MT-XC"

    assert resolve_conflict(store, conflict_id, KEEP_REMOTE, actor="admin") is True
    assert store.scalar("SELECT facts FROM cases WHERE id = ?", (case.id,)) == "乡镇写的事实"
    assert open_conflicts(store) == []
    queued = store.query("SELECT table_name, row_id FROM outbox")
    assert {"table_name": "cases", "row_id": case.id} in queued
    audit = store.query(
        "SELECT actor, new_value FROM audit_log WHERE row_id = ? AND field = 'facts'"
        " ORDER BY local_id DESC LIMIT 1",
        (case.id,),
    )
    assert audit[0]["actor"] == "admin" and "乡镇写的事实" in audit[0]["new_value"]
    assert [c.case_no for c in search_cases(store, "乡镇写的事实")] == [case.case_no]

    with pytest.raises(StoreError, match="already resolved"):
        resolve_conflict(store, conflict_id, KEEP_LOCAL, actor="admin")


def test_keeping_the_value_in_effect_writes_nothing_but_the_mark(store, station, admin):
    case = save_case(store, station.code)
    conflict_id = _conflict(store, case.id, "本站的请求", "对方的请求", field="request")
    assert resolve_conflict(store, conflict_id, KEEP_LOCAL, actor="admin") is False
    assert store.scalar("SELECT request FROM cases WHERE id = ?", (case.id,)) == "本站的请求"
    assert store.scalar("SELECT count(*) FROM outbox") == 0
    assert open_conflicts(store) == []


def test_a_conflict_on_a_field_that_cannot_be_set_changes_nothing(store, station, admin):
    case = save_case(store, station.code)
    with store.transaction():
        store.execute(
            "INSERT INTO sync_conflicts(table_name, row_id, field, local_value, remote_value,"
            " remote_station, received_at) VALUES ('cases', ?, 'no_such_column', '1', '2',"
            " 'X', '2026-03-02T06:05:00Z')",
            (case.id,),
        )
    conflict_id = store.scalar("SELECT max(local_id) FROM sync_conflicts")
    with pytest.raises(StoreError, match="cannot be set"):
        resolve_conflict(store, conflict_id, KEEP_REMOTE, actor="admin")
    assert len(open_conflicts(store)) == 1
    with pytest.raises(ValueError):
        resolve_conflict(store, conflict_id, "both", actor="admin")


def test_only_the_owner_station_reviews_a_conflict(store, station, admin):
    from station_app.store.sync_review import conflicts_to_review
    from station_app.sync.engine import sync_status

    ours = save_case(store, station.code, facts="本站的案件")
    theirs = save_case(store, station.code, facts="别站的案件")
    mine = _conflict(store, ours.id, "本站值", "别站值")
    foreign = _conflict(store, theirs.id, "本站值", "别站值")
    # The second case now belongs to another station (as after an escalation pulled here).
    with store.transaction("admin"):
        store.execute("UPDATE cases SET owner_station = 'RC-MT-DC' WHERE id = ?", (theirs.id,))
    store.execute("DELETE FROM outbox")

    shown = {c.conflict_id: c for c in open_conflicts(store)}
    assert shown[mine].reviewable and shown[mine].owner_station == station.code
    assert not shown[foreign].reviewable and shown[foreign].owner_station == "RC-MT-DC"
    assert conflicts_to_review(store) == 1 and sync_status(store).conflicts == 1
    with pytest.raises(StoreError, match="RC-MT-DC owns this record"):
        resolve_conflict(store, foreign, KEEP_REMOTE, actor="admin")
    assert store.scalar("SELECT facts FROM cases WHERE id = ?", (theirs.id,)) == "本站值"
    assert store.scalar("SELECT count(*) FROM outbox") == 0
    # Escalated back to this station, the conflict becomes this station's to review.
    with store.transaction("admin"):
        store.execute("UPDATE cases SET owner_station = ? WHERE id = ?", (station.code, theirs.id))
    assert conflicts_to_review(store) == 2
    assert resolve_conflict(store, foreign, KEEP_REMOTE, actor="admin") is True
