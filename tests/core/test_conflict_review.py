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
    """A conflict as sync keeps it: this PC's value in the row, the other station's aside
    (the other station's value lost on the server: lost_here = 0)."""
    with store.transaction("admin"):
        store.execute(f"UPDATE cases SET {field} = ? WHERE id = ?", (local, case_id))
    store.execute("DELETE FROM outbox")
    with store.transaction():
        store.execute(
            "INSERT INTO sync_conflicts(table_name, row_id, field, local_value, remote_value,"
            " remote_station, received_at, lost_here) VALUES ('cases', ?, ?, ?, ?, 'RC-MT-XC',"
            " '2026-03-02T06:05:00Z', 0)",
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


def test_keeping_the_value_in_effect_writes_nothing_but_the_review(store, station, admin):
    case = save_case(store, station.code)
    conflict_id = _conflict(store, case.id, "本站的请求", "对方的请求", field="request")
    assert resolve_conflict(store, conflict_id, KEEP_LOCAL, actor="admin") is False
    assert store.scalar("SELECT request FROM cases WHERE id = ?", (case.id,)) == "本站的请求"
    queued = store.query("SELECT table_name FROM outbox")
    assert queued == [{"table_name": "conflict_resolutions"}]
    assert open_conflicts(store) == []


def _resolutions(store) -> list[dict]:
    return store.query(
        "SELECT id, table_name, row_id, field, case_id, lost_station, lost_value, kept_station,"
        " chosen_value, resolved_by, owner_station FROM conflict_resolutions ORDER BY local_id"
    )


def test_a_review_is_recorded_as_a_resolution_that_syncs(store, station, admin):
    """The resolution names the value that lost on the server and its station, and the value
    chosen; it closes the other open conflicts here of that lost value, not another one."""
    case = save_case(store, station.code, facts="原来")
    first = _conflict(store, case.id, "本站写的", "村里写的")
    again = _conflict(store, case.id, "本站又写的", "村里写的")  # the same lost value, twice
    other = _conflict(store, case.id, "本站写的", "村里另写的")
    assert resolve_conflict(store, first, KEEP_REMOTE, actor="admin") is True
    [made] = _resolutions(store)
    assert made == {
        "id": made["id"],
        "table_name": "cases",
        "row_id": case.id,
        "field": "facts",
        "case_id": case.id,
        "lost_station": "RC-MT-XC",
        "lost_value": json.dumps("村里写的"),
        "kept_station": station.code,
        "chosen_value": json.dumps("村里写的"),
        "resolved_by": "admin",
        "owner_station": station.code,
    }
    closed = store.query(
        "SELECT local_id, resolution_id FROM sync_conflicts WHERE resolved = 1 ORDER BY local_id"
    )
    assert closed == [
        {"local_id": first, "resolution_id": made["id"]},
        {"local_id": again, "resolution_id": made["id"]},
    ]
    assert [c.conflict_id for c in open_conflicts(store)] == [other]
    queued = store.query(
        "SELECT row_id, new_values FROM outbox WHERE table_name = 'conflict_resolutions'"
    )
    assert [q["row_id"] for q in queued] == [made["id"]]
    assert json.loads(queued[0]["new_values"])["lost_value"] == json.dumps("村里写的")


def test_a_review_of_a_value_that_lost_here_names_this_station(store, station, admin):
    """A conflict kept here because this station's edit lost (lost_here = 1), reviewed once
    the case became this station's: the lost value is this station's own."""
    case = save_case(store, station.code, facts="原来")
    conflict_id = _conflict(store, case.id, "本站输掉的", "村里保留的")
    store.execute("UPDATE sync_conflicts SET lost_here = 1 WHERE local_id = ?", (conflict_id,))
    assert resolve_conflict(store, conflict_id, KEEP_LOCAL, actor="admin") is False
    [made] = _resolutions(store)
    assert (made["lost_station"], made["lost_value"], made["kept_station"]) == (
        station.code,
        json.dumps("本站输掉的"),
        "RC-MT-XC",
    )


def test_a_pulled_resolution_closes_the_notices_of_its_lost_value(store, station, admin):
    """Another station's review, pulled: the information-only conflicts kept here of the
    value it names as lost close (this station's own value that lost, or a copy of the other
    side); a conflict of another value stays open."""
    from station_app.store.sync_apply import RemoteChange, apply_remote_changes

    case = save_case(store, station.code, facts="原来")
    mine_lost = _conflict(store, case.id, "本站输掉的", "村里的")
    other_value = _conflict(store, case.id, "本站另一个", "村里的")
    copy = _conflict(store, case.id, "村里的", "本站输掉的")
    store.execute("UPDATE sync_conflicts SET lost_here = 1 WHERE local_id != ?", (copy,))
    store.execute("UPDATE sync_conflicts SET lost_here = 0, remote_station = ? WHERE local_id = ?",
                  (station.code, copy))  # fmt: skip
    with store.transaction("admin"):
        store.execute("UPDATE cases SET owner_station = 'RC-MT-XC' WHERE id = ?", (case.id,))
    store.execute("DELETE FROM outbox")
    values = {
        "table_name": "cases",
        "row_id": case.id,
        "field": "facts",
        "case_id": case.id,
        "lost_station": station.code,
        "lost_value": json.dumps("本站输掉的"),
        "kept_station": "RC-MT-XC",
        "chosen_value": json.dumps("村里的"),
        "resolved_by": "wang",
        "owner_station": "RC-MT-XC",
        "created_at": "2026-06-01T00:00:00Z",
        "updated_at": "2026-06-01T00:00:00Z",
        "deleted": 0,
    }
    result = apply_remote_changes(
        store, [RemoteChange("conflict_resolutions", "r-1", "insert", values, 1, "RC-MT-XC")]
    )
    assert result.applied == 1 and not result.rejected
    assert [c.conflict_id for c in open_conflicts(store)] == [other_value]
    closed = store.query("SELECT local_id, resolution_id FROM sync_conflicts WHERE resolved = 1")
    assert {r["local_id"]: r["resolution_id"] for r in closed} == {mine_lost: "r-1", copy: "r-1"}
    assert store.scalar("SELECT count(*) FROM outbox") == 0  # a pulled row is never sent back


def test_migration_21_says_which_value_of_a_kept_conflict_lost(tmp_path):
    """Conflicts kept before migration 21: the other station's value lost where this
    station owns the record, this station's own where another does."""
    from station_app.store import Store
    from station_app.store.migrations import migrate_to_latest

    path = tmp_path / "station.db"
    now = "2026-05-06T08:00:00.000Z"
    with Store(path, migrate=False, backup_dir=tmp_path / "b") as old:
        migrate_to_latest(old, backup_dir=tmp_path / "b", target=20)
        old.execute("INSERT INTO settings VALUES ('local_station_code', 'RC-MT')")
        for case_id, owner in (("c-mine", "RC-MT"), ("c-theirs", "RC-MT-XC")):
            old.execute(
                "INSERT INTO cases(id, case_no, kind, channel, status, received_at, facts,"
                " owner_station, created_at, updated_at) VALUES (?, ?, 'complaint', 'phone',"
                " 'registered', '2026-04-14 09:00', '事实', ?, ?, ?)",
                (case_id, f"{case_id}-no", owner, now, now),
            )
            old.execute(
                "INSERT INTO sync_conflicts(table_name, row_id, field, local_value,"
                " remote_value, remote_station, received_at) VALUES ('cases', ?, 'facts',"
                " '\"a\"', '\"b\"', 'RC-MT-DC', ?)",
                (case_id, now),
            )
        old.execute(
            "INSERT INTO sync_conflicts(table_name, row_id, field, local_value, remote_value,"
            " remote_station, received_at) VALUES ('parties', 'gone', 'name', NULL, NULL,"
            " 'RC-MT-DC', ?)",
            (now,),
        )
        # A resolution pulled by this older version, kept as a row of an unknown table: the
        # repair brings it in as a row after the migration.
        old.execute(
            "INSERT INTO sync_extra_fields(table_name, row_id, fields) VALUES"
            " ('conflict_resolutions', 'r-1', '{}'), ('reference_data', 'x', '{}')"
        )
    with Store(path, backup_dir=tmp_path / "b") as store:
        kept = store.query("SELECT table_name FROM sync_extra_fields")
        assert kept == [{"table_name": "reference_data"}]
        found = store.query("SELECT row_id, lost_here FROM sync_conflicts ORDER BY local_id")
        assert found == [
            {"row_id": "c-mine", "lost_here": 0},
            {"row_id": "c-theirs", "lost_here": 1},
            {"row_id": "gone", "lost_here": None},
        ]


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
