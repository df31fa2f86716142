"""Saves write only their own part of the search index; the index is merged and the log
checkpointed by upkeep (store.upkeep), which changes no search result."""

from __future__ import annotations

import pytest

from station_app.demo import ensure_demo_station, fill_demo
from station_app.store import upkeep
from station_app.store.case_list import search_cases
from tests.core.workflow_helpers import new_case, set_up_village

NAMES = ["欧阳娜娜", "司马光", "诸葛亮", "上官婉儿", "慕容复", "东方明", "令狐冲", "西门庆"]


@pytest.fixture
def store(store):
    set_up_village(store)
    return store


def _automerge(store) -> int:
    return int(store.scalar("SELECT v FROM case_search_config WHERE k = 'automerge'"))


def _segments(store) -> bytes:
    return store.scalar("SELECT block FROM case_search_data WHERE id = 10")


def _found(store, query) -> list[str]:
    return sorted(row.case_no for row in search_cases(store, query))


def test_saves_merge_nothing_and_upkeep_merges_without_changing_results(store):
    assert _automerge(store) == 0  # migration 12
    cases = [new_case(store, name=name, phone=f"1390000{i:04d}") for i, name in enumerate(NAMES)]
    queries = [*NAMES, "欧", "0003", "冰箱", "张"]
    before = {q: _found(store, q) for q in queries}
    assert before["司马光"] == [cases[1].case_no] and len(before["欧"]) == 1
    # Eight saves left eight small segments at level 0 (FTS5 merges 4 of them): work is left.
    assert upkeep.merge_step(store)
    assert upkeep.run(store, budget_seconds=10)
    assert not upkeep.merge_step(store)  # nothing left: the structure no longer changes
    assert {q: _found(store, q) for q in queries} == before


def test_upkeep_copies_the_log_after_some_saves_not_after_each(store):
    assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] >= 4000
    new_case(store, name="欧阳娜娜")
    assert upkeep.run(store, budget_seconds=10)
    assert not upkeep.checkpoint(store)  # one save: the log is left for later
    _busy, log_pages, copied = store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    store.commits_at_checkpoint = store.commits
    for i in range(upkeep.CHECKPOINT_COMMITS):
        new_case(store, name=NAMES[i % len(NAMES)] + str(i))
    commits = store.commits
    assert upkeep.run(store, budget_seconds=10)  # merges, then copies the log
    assert store.commits_at_checkpoint == store.commits >= commits
    _busy, log_pages, copied = store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert log_pages == copied  # nothing was left to copy
    before = store.commits
    assert not upkeep.merge_step(store)
    assert store.commits == before  # a merge with nothing to do commits nothing
    assert _found(store, "司马光1") and _found(store, "欧阳娜娜")


def test_a_step_is_bounded_and_a_save_between_steps_is_found(store):
    for i, name in enumerate(NAMES * 3):
        new_case(store, name=name + str(i))
    steps = 0
    while upkeep.step(store):
        steps += 1
        if steps == 1:
            new_case(store, name="独孤求败")
        assert steps < 1000
    assert len(_found(store, "独孤求败")) == 1 and len(_found(store, "司马光")) == 3


def test_a_bulk_load_merges_as_it_goes_and_leaves_saves_merging_nothing(store):
    code, _user = ensure_demo_station(store)
    fill_demo(store, cases=300, station_code=code, seed=3)
    assert _automerge(store) == 0
    structure = _segments(store)
    assert structure is not None
    new_case(store, name="欧阳娜娜")
    assert len(_found(store, "欧阳娜娜")) >= 1
