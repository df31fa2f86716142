"""The tamper-evident record: audit_log and case_events chained by hash, and verify_chains."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from station_app.store.chain import GENESIS, row_hash, verify_chains, verify_rows
from tests.core.workflow_helpers import CLERK, VILLAGE, do, new_case, set_up_village


@pytest.fixture
def store(store):
    set_up_village(store)
    return store


@pytest.fixture
def recorded(store):
    """A case with a few steps: events and audit rows of the local station."""
    case = new_case(store)
    do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
    do(store, case, "note", {"note": "电话联系商家"}, user=CLERK)
    do(store, case, "note", {"note": "再次联系"}, user=CLERK)
    return case


def _shell(store) -> sqlite3.Connection:
    """What an administrator of the PC can do with the sqlite3 shell: drop the guards."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        " AND tbl_name IN ('case_events', 'audit_log')"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def _chain(store, table):
    return store.query(
        f"SELECT * FROM {table} WHERE owner_station = ? ORDER BY chain_seq", (VILLAGE,)
    )


def test_every_row_written_here_is_sealed_in_order(store, recorded):
    for table in ("case_events", "audit_log"):
        rows = _chain(store, table)
        assert rows and [r["chain_seq"] for r in rows] == list(range(1, len(rows) + 1))
        assert rows[0]["prev_hash"] == GENESIS
        for before, row in zip(rows, rows[1:], strict=False):
            assert row["prev_hash"] == before["row_hash"]
        assert all(row_hash(table, r) == r["row_hash"] for r in rows)
    assert store.scalar("SELECT count(*) FROM unsealed") == 0
    assert verify_chains(store) == []


def test_sealed_rows_are_queued_with_their_hashes_and_the_server_can_check_them(store, recorded):
    entries = [
        json.loads(r["new_values"])
        for r in store.query(
            "SELECT new_values FROM outbox WHERE table_name = 'case_events' ORDER BY seq"
        )
    ]
    assert [e["chain_seq"] for e in entries] == [1, 2, 3]
    assert all(e["row_hash"] for e in entries)
    assert verify_rows("case_events", entries, complete=True) == []
    entries[1]["note"] = "改过"
    assert any("changed" in p for p in verify_rows("case_events", entries, complete=True))


def test_an_edited_row_is_found(store, recorded):
    shell = _shell(store)
    shell.execute("UPDATE case_events SET note = '没有联系' WHERE chain_seq = 2")
    shell.execute("UPDATE audit_log SET new_value = '1.00' WHERE chain_seq = 3")
    shell.close()
    problems = verify_chains(store)
    assert any("case events: entry 2" in p and "changed" in p for p in problems)
    assert any("audit log: entry 3" in p and "changed" in p for p in problems)


def test_an_edited_row_with_its_hash_recomputed_breaks_the_next_link(store, recorded):
    row = _chain(store, "case_events")[1]
    row["note"] = "没有联系"
    forged = row_hash("case_events", row)
    shell = _shell(store)
    shell.execute(
        "UPDATE case_events SET note = '没有联系', row_hash = ? WHERE chain_seq = 2", (forged,)
    )
    shell.close()
    problems = verify_chains(store)
    assert problems == [
        "case events: entry 3 of station RC-MT-XC does not follow the entry before it"
        " (an entry was inserted, removed or changed)."
    ]


def test_a_deleted_row_is_found(store, recorded):
    shell = _shell(store)
    shell.execute("DELETE FROM case_events WHERE chain_seq = 2")
    last = shell.execute("SELECT max(chain_seq) FROM audit_log").fetchone()[0]
    shell.execute("DELETE FROM audit_log WHERE chain_seq = 1")
    shell.close()
    problems = verify_chains(store)
    assert "case events: entries 2 to 2 of station RC-MT-XC are missing." in problems
    assert "audit log: entries 1 to 1 of station RC-MT-XC are missing." in problems
    assert last > 1


def test_an_inserted_row_is_found(store, recorded):
    shell = _shell(store)
    columns = [r[1] for r in shell.execute("PRAGMA table_info(case_events)")]
    # A row slipped in without the app: no seal at all.
    shell.execute(
        "INSERT INTO case_events(id, case_id, action, from_status, to_status, occurred_at,"
        " actor, actor_role, owner_station, created_at, updated_at) SELECT 'forged', case_id,"
        " 'note', to_status, to_status, occurred_at, actor, actor_role, owner_station,"
        " created_at, updated_at FROM case_events WHERE chain_seq = 1"
    )
    shell.close()
    assert "chain_seq" in columns
    problems = verify_chains(store)
    assert problems == ["case events: 1 entries of this station were written outside the app."]


def test_an_inserted_row_in_the_middle_with_a_hash_is_found(store, recorded):
    rows = _chain(store, "case_events")
    fake = dict(rows[1], id="forged", note="补记", local_id=None)
    fake["row_hash"] = row_hash("case_events", fake)
    shell = _shell(store)
    shell.execute("DROP INDEX case_events_chain")
    names = [k for k in fake if k != "local_id"]
    shell.execute(
        f"INSERT INTO case_events({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [fake[k] for k in names],
    )
    shell.close()
    problems = verify_chains(store)
    assert any("entry 2 of station RC-MT-XC appears twice" in p for p in problems)


def test_sealed_rows_cannot_be_changed_through_the_app(store, recorded):
    with pytest.raises(Exception, match="append-only"):
        store.execute("UPDATE case_events SET note = 'x' WHERE chain_seq = 1")
    with pytest.raises(Exception, match="append-only"):
        store.execute("UPDATE audit_log SET row_hash = NULL WHERE chain_seq = 1")
    with pytest.raises(Exception, match="append-only"):
        store.execute("DELETE FROM audit_log")
    assert verify_chains(store) == []


def test_rows_of_other_stations_are_checked_as_far_as_they_go(store, recorded):
    """A pulled part of another station's chain: its own hashes are checked, gaps are not."""
    rows = []
    previous = GENESIS
    for seq in (1, 2, 3):
        row = {
            "id": f"other-{seq}",
            "case_id": recorded.id,
            "action": "note",
            "from_status": "accepted",
            "to_status": "accepted",
            "occurred_at": "2026-05-07",
            "actor": "zhao",
            "actor_role": "officer",
            "note": "",
            "details": "{}",
            "owner_station": "RC-CJ",
            "created_at": "2026-05-07T00:00:00Z",
            "updated_at": "2026-05-07T00:00:00Z",
            "deleted": 0,
            "chain_seq": seq,
            "prev_hash": previous,
        }
        row["row_hash"] = previous = row_hash("case_events", row)
        rows.append(row)
    from station_app.store.sync_apply import RemoteChange, apply_remote_changes

    changes = [
        RemoteChange("case_events", r["id"], "insert", r, 100 + i, "RC-CJ")
        for i, r in enumerate(rows)
        if r["chain_seq"] != 2  # this station only sees part of RC-CJ's chain
    ]
    result = apply_remote_changes(store, changes)
    assert result.applied == 2 and not result.rejected
    assert verify_chains(store) == []
    shell = _shell(store)
    shell.execute("UPDATE case_events SET note = 'x' WHERE id = 'other-3'")
    shell.close()
    assert verify_chains(store) == [
        "case events: entry 3 of station RC-CJ was changed after it was written."
    ]


@pytest.mark.parametrize(
    "note",
    [
        "退款三倍赔偿，已过保质期",
        '控制\x01\x1f\x7f字符 \n\t\r\b\f "引号" \\反斜杠 / \u2028\u2029',
        "表情😀 and 𠀀",
        "",
        None,
        2**63 - 1,
        -(2**63),
        2**70,  # beyond 64 bits: written by the standard library
        1e16,  # a float with an exponent: written by the standard library
        0.1,
        True,
    ],
)
def test_a_row_hash_is_the_hash_of_the_standard_librarys_json_text(note):
    """The hash covers json.dumps(..., ensure_ascii=False, separators=(",", ":")) in UTF-8,
    whichever writer computes it: rows sealed before keep their hashes."""
    row = {
        "id": "e1",
        "case_id": "c1",
        "action": "register",
        "note": note,
        "owner_station": "V1",
        "deleted": 0,
        "chain_seq": 7,
        "prev_hash": GENESIS,
    }
    columns = (
        "id", "case_id", "action", "from_status", "to_status", "occurred_at", "actor",
        "actor_role", "note", "details", "owner_station", "created_at", "updated_at",
        "deleted", "chain_seq", "prev_hash",
    )  # fmt: skip
    text = json.dumps(
        ["case_events", 1, [row.get(c) for c in columns]], ensure_ascii=False, separators=(",", ":")
    )
    assert row_hash("case_events", row) == hashlib.sha256(text.encode("utf-8")).hexdigest()
