"""Migration 8 on a database made at schema 6: the records made before the chain are sealed in
their order, their queued copies get their hashes, and the old switch and actor row are gone."""

from __future__ import annotations

import json
from pathlib import Path

from station_app.store import Store
from station_app.store.chain import verify_chains
from station_app.store.migrations import LATEST_VERSION, migrate_to_latest, schema_version

NOW = "2026-05-06T08:00:00.000Z"


def _make_schema_6_database(db_path: Path) -> None:
    old = Store(db_path, migrate=False)
    migrate_to_latest(old, backup_dir=db_path.parent / "backups", target=6)
    sql = old.execute
    sql("INSERT INTO settings VALUES ('local_station_code', 'RC-MT')")
    sql(
        "INSERT INTO cases(id, case_no, kind, channel, status, received_at, facts,"
        " owner_station, created_at, updated_at) VALUES ('c-1', 'RC-MT-2026-00001',"
        " 'complaint', 'phone', 'registered', '2026-04-14 09:00', '化肥结块', 'RC-MT', ?, ?)",
        (NOW, NOW),
    )
    sql("UPDATE session_actor SET username = 'li.clerk'")
    sql("UPDATE cases SET category = '农资类', status = 'accepted' WHERE id = 'c-1'")
    for n in (1, 2):
        sql(
            "INSERT INTO case_events(id, case_id, action, from_status, to_status, occurred_at,"
            " actor, actor_role, owner_station, created_at, updated_at) VALUES (?, 'c-1',"
            " 'note', 'accepted', 'accepted', '2026-04-16', 'li.clerk', 'clerk', 'RC-MT', ?, ?)",
            (f"e-{n}", NOW, NOW),
        )
    old.close()


def test_old_records_are_sealed_in_order_and_their_queued_copies_carry_the_hashes(db_path):
    _make_schema_6_database(db_path)
    with Store(db_path) as store:
        assert schema_version(store.conn) == LATEST_VERSION
        audit = store.query("SELECT * FROM audit_log ORDER BY local_id")
        events = store.query("SELECT * FROM case_events ORDER BY local_id")
        assert [r["chain_seq"] for r in audit] == list(range(1, len(audit) + 1))
        assert [r["chain_seq"] for r in events] == [1, 2]
        assert [r["actor"] for r in audit] == ["system", "li.clerk", "li.clerk"]
        assert {r["origin"] for r in audit} == {"local"}
        assert verify_chains(store) == []
        for table, rows in (("audit_log", audit), ("case_events", events)):
            queued = {
                e["row_id"]: json.loads(e["new_values"])
                for e in store.query(
                    "SELECT row_id, new_values FROM outbox WHERE table_name = ?", (table,)
                )
            }
            for row in rows:
                assert queued[row["id"]]["row_hash"] == row["row_hash"]
                assert queued[row["id"]]["chain_seq"] == row["chain_seq"]
        # Sealing was the migration's doing: nothing new was queued for it.
        assert store.scalar("SELECT count(*) FROM outbox WHERE txid IS NOT NULL") == 0
        assert store.scalar("SELECT count(*) FROM unsealed") == 0
        # The deadlines the case had stay; the queue is empty.
        assert store.scalar("SELECT count(*) FROM dirty_cases") == 0
        # New rows continue the chain.
        with store.transaction(actor="li.clerk"):
            store.execute("UPDATE cases SET facts = '化肥结块，退款' WHERE id = 'c-1'")
        assert store.scalar("SELECT max(chain_seq) FROM audit_log") == len(audit) + 1
        assert verify_chains(store) == []
