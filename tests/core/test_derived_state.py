"""Derived state follows the rows: whatever writes a case, its parties or its events, the
search index and the deadlines are right at COMMIT, with no call to remember."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from station_app.store import migrations
from station_app.store.case_list import search_cases
from tests.core.workflow_helpers import VILLAGE, deadline_rows, new_case, set_up_village


@pytest.fixture
def store(store):
    set_up_village(store)
    return store


def _found(store, query):
    return [row.case_no for row in search_cases(store, query)]


def test_raw_writes_move_the_search_terms(store):
    case = new_case(store, name="欧阳娜娜", phone="13987654321", facts="冰箱不制冷")
    with store.transaction():
        store.execute("UPDATE parties SET name = '司马光' WHERE case_id = ?", (case.id,))
        store.execute("UPDATE cases SET facts = '洗衣机漏水' WHERE id = ?", (case.id,))
    assert _found(store, "司马光") == [case.case_no]
    assert _found(store, "洗衣机") == [case.case_no]
    assert _found(store, "欧阳娜娜") == [] and _found(store, "冰箱") == []
    # A write outside any transaction is followed too.
    store.execute(
        "INSERT INTO parties(id, case_id, role, position, name, phone, owner_station,"
        " created_at, updated_at) VALUES ('p-x', ?, 'complainant', 1, '诸葛亮', '', ?, '', '')",
        (case.id, VILLAGE),
    )
    assert _found(store, "诸葛亮") == [case.case_no]
    store.execute("UPDATE cases SET deleted = 1 WHERE id = ?", (case.id,))
    assert _found(store, "司马光") == [] and _found(store, "诸葛亮") == []
    assert store.scalar("SELECT count(*) FROM dirty_cases") == 0


def test_a_rolled_back_write_leaves_index_and_queue_as_they_were(store):
    case = new_case(store, name="欧阳娜娜")
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("UPDATE parties SET name = '司马光' WHERE case_id = ?", (case.id,))
        raise RuntimeError("abort")
    assert _found(store, "欧阳娜娜") == [case.case_no] and _found(store, "司马光") == []
    assert store.scalar("SELECT count(*) FROM dirty_cases") == 0


def test_a_raw_event_recomputes_the_deadlines(store):
    case = new_case(store)
    assert deadline_rows(store, case)["acceptance"]["met_on"] is None
    with store.transaction(actor="li.clerk"):
        store.execute("UPDATE cases SET status = 'accepted', accepted_on = '2026-03-03'"
                      " WHERE id = ?", (case.id,))  # fmt: skip
        store.execute(
            "INSERT INTO case_events(id, case_id, action, from_status, to_status, occurred_at,"
            " actor, actor_role, owner_station, created_at, updated_at) VALUES ('e-1', ?,"
            " 'accept', 'registered', 'accepted', '2026-03-03', 'li.clerk', 'clerk', ?,"
            " '2026-03-03T01:00:00Z', '2026-03-03T01:00:00Z')",
            (case.id, VILLAGE),
        )
    assert deadline_rows(store, case)["acceptance"]["met_on"] == "2026-03-03"


def test_migrations_call_no_live_code():
    """A migration is frozen history: migrations.py imports nothing that can change later
    but the connection it runs on and the translation of its errors."""
    tree = ast.parse(Path(migrations.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("station")
    }
    # The copy made before migrating and the report of its progress are the tools around
    # migrations, not part of any schema.
    assert imported == {
        "station_app.i18n",
        "station_app.store.connection",
        "station_app.store.driver",  # the SQLite driver, as sqlite3 was
        "station_app.store.migration_progress",
        "station_app.store.online_backup",
    }


def test_the_search_table_of_migration_2_uses_the_tokenizer_of_the_search_text(store):
    """Migration 2 writes the tokenizer out (frozen); it must be the one search_text expects."""
    from station_app.search_text import FTS_TOKENIZER

    sql = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'case_search'")
    assert f'tokenize="{FTS_TOKENIZER}"' in sql
