"""Derived state follows the rows: the queue of dirty cases drained before every COMMIT, and
the rebuild of derived tables after migrating.

Triggers (migration 8) put every case whose search terms or deadlines may have changed in
dirty_cases, and every year whose holiday schedule changed in dirty_years, whoever writes:
a clerk, a pulled change, a migration. Store.transaction calls `drain` just before COMMIT, so
no caller has to remember to re-index a case or recompute its deadlines. New audit and event
rows are sealed into their hash chain at the same moment (store/chain.py).
"""

from __future__ import annotations

import logging

from station_app.store import chain, due, search_index, statistics
from station_app.store.connection import Store
from station_app.store.holidays import load_calendar
from station_app.store.migration_progress import STEP_DERIVED, ProgressReporter

log = logging.getLogger(__name__)

# The schema version that made each derived table; a database migrated from an older one has
# that table rebuilt, by today's code, once the migrations have run.
_SEARCH_SINCE = 9
_DEADLINES_SINCE = 4
_FIGURES_SINCE = 13


def _has_queue(store: Store) -> bool:
    """Whether the schema has the dirty queue (migration 8); a store opened on an older schema
    (migrate=False) writes like the old app did."""
    if not store._derived_queue:
        store._derived_queue = bool(
            store.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dirty_cases'"
            ).fetchone()
        )
    return store._derived_queue


def _has_figures(store: Store) -> bool:
    """Whether the schema has the statistics tables (migration 13)."""
    if not store._figures:
        store._figures = statistics.has_figures(store.conn)
    return store._figures


def drain(store: Store) -> None:
    """Bring the derived state of every dirty case up to date and seal new chained rows.
    Runs inside the transaction, just before COMMIT."""
    if not _has_queue(store):
        return
    conn = store.conn
    local_ids = [row[0] for row in conn.execute("SELECT case_local_id FROM dirty_cases")]
    years = [row[0] for row in conn.execute("SELECT year FROM dirty_years")]
    if local_ids or years:
        calendar = load_calendar(store)
        for local_id in local_ids:
            search_index.reindex_case(conn, local_id)
            due.recompute_case_deadlines(store, local_id, calendar)
        done = set(local_ids)
        for year in years:
            for local_id in due.open_cases_touching_year(store, year):
                if local_id not in done:
                    due.recompute_case_deadlines(store, local_id, calendar)
                    done.add(local_id)
        if _has_figures(store):
            # after the deadlines: a deadline met late counts
            statistics.refresh_case_figures(conn, sorted(done))
        conn.execute("DELETE FROM dirty_cases")
        conn.execute("DELETE FROM dirty_years")
    chain.seal_pending(store)


def rebuild_weight(from_version: int, migrations: int) -> float:
    """The share of a migration's time the rebuild takes, as a number of migrations: most of
    it when the search index is rebuilt (on 100,000 cases of schema 2: 15 s of 16.5 s CPU)."""
    return float(migrations * 10) if 0 < from_version < _SEARCH_SINCE else 1.0


def rebuild_after_migration(
    store: Store, from_version: int, progress: ProgressReporter | None = None
) -> None:
    """Fill the derived tables that migrations since `from_version` made or changed, with the
    code of the day (a migration never calls live code), then drain the queue."""
    if not _has_queue(store):
        return
    progress = progress or ProgressReporter(None, 0)
    if from_version > 0:
        progress.begin(STEP_DERIVED, from_version)
    with store.transaction(origin=store.origin):
        conn = store.conn
        if 0 < from_version < _SEARCH_SINCE:
            # most of the step: about 80 % of it, measured on 100,000 cases
            count = search_index.rebuild_index(conn, lambda done: progress.part(0.8 * done))
            log.info("search index rebuilt: %s cases", count)
        if 0 < from_version < _DEADLINES_SINCE:
            # Until schema 4 no case could leave 'registered'.
            added = due.add_registered_case_deadlines(conn, load_calendar(store))
            log.info("deadlines of %s registered cases computed", added)
            progress.part(0.85)
        drain(store)
        progress.part(0.9)
        if 0 < from_version < _FIGURES_SINCE and _has_figures(store):
            count = statistics.add_case_figures_after(conn)
            log.info("statistics of %s cases derived", count)
