"""Work kept out of saves and done when the app is idle: merging the search index's segments
and checkpointing the write-ahead log.

A save writes its own rows, its small segment of the full-text index and fsyncs the log
(`synchronous=FULL`). Two kinds of work used to ride along with some saves and made their
slow tail: FTS5's automatic merging of index segments (now off, migration 12) and SQLite's
automatic checkpoint, which copies the log into the database file and fsyncs it when the log
passes `wal_autocheckpoint` pages. `step` does a bounded piece of both; the database worker of
the app calls it when no task has come for a while, and a writing command calls `run` before
it exits. Neither changes what a search finds: only how the index is laid out on disk.
"""

from __future__ import annotations

import time

from station_app.store import driver
from station_app.store.connection import Store

# Pages of index segments one step merges: a few milliseconds to tens of them, so a save
# submitted meanwhile waits little. FTS5 merges a level once it holds 'usermerge' (4)
# segments; fewer are left for later.
MERGE_PAGES = 64
# The log is copied into the database file after this many commits of the connection (about
# 20 saves of some 45 pages: 4 MB of log), in a pause.
CHECKPOINT_COMMITS = 20


def merge_step(store: Store, pages: int = MERGE_PAGES) -> bool:
    """Merge up to about `pages` pages of the search index's segments in one transaction.
    True when something was merged (there may be more), False when nothing was left."""
    try:
        with store.transaction() as conn:
            # The index's structure record (row 10 of its data table) lists its segments and
            # merges in progress: it changes exactly when a merge did some work.
            before = _structure(conn)
            conn.execute("INSERT INTO case_search(case_search, rank) VALUES ('merge', ?)", (pages,))
            if _structure(conn) == before:
                raise _NothingMerged  # rolled back: no commit, no fsync
    except _NothingMerged:
        return False
    return True


class _NothingMerged(Exception):
    pass


def _structure(conn: driver.Connection) -> bytes | None:
    row = conn.execute("SELECT block FROM case_search_data WHERE id = 10").fetchone()
    return None if row is None else row[0]


def checkpoint(store: Store, min_commits: int = CHECKPOINT_COMMITS) -> bool:
    """Copy the write-ahead log into the database file once this connection has committed
    `min_commits` writes since the last time (PASSIVE: readers and writers are not waited
    for); True when it was done.

    Not after every save: the commit that follows a copied log starts the log again and also
    writes and syncs its header (two fsyncs instead of one). The log file is kept (not
    truncated): a save that overwrites it syncs less than one that makes the file grow."""
    if store.commits - store.commits_at_checkpoint < min_commits:
        return False
    try:
        busy = store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0]
    except driver.OperationalError:  # another connection's checkpoint: next time
        return False
    store.commits_at_checkpoint = store.commits
    return not busy


def step(store: Store) -> bool:
    """One bounded piece of upkeep: a merge step, or a checkpoint once nothing is left to merge.
    True while there is more to do."""
    if merge_step(store):
        return True
    checkpoint(store)
    return False


def run(store: Store, budget_seconds: float = 0.5) -> bool:
    """Steps of upkeep until done or `budget_seconds` spent; True when all was done."""
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        if not step(store):
            return True
    return False
