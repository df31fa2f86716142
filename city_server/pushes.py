"""Group commit of push batches: one writer thread per server process.

Every push holds the one sequence lock until its commit is on disk (that is what closes the
commit-order gap), so pushes that each committed alone queued behind one another's WAL
flush: 200 stations pushing at once waited for 200 flushes in a row. The writer takes every
batch waiting at that moment (up to `MAX_GROUP_CHANGES` changes) and applies them in one
transaction, each in a savepoint of its own (sync_service.push_group): one lock hold and one
flush for all, and a batch sent alone (a first sync) is applied at once as before.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from city_server import sync_service
from city_server.collector import collector_paused
from station_app.sync.protocol import PushBatch

MAX_GROUP_CHANGES = 20_000


class GroupedPushes:
    def __init__(self, engine: Engine, max_changes: int = MAX_GROUP_CHANGES) -> None:
        self.engine = engine
        self.max_changes = max_changes
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def submit(self, token: str | None, batch: PushBatch, protocol_version: int) -> Future:
        """The answer of the batch (or its exception), once its group has committed."""
        future: Future = Future()
        self._queue.put((token, batch, protocol_version, future))
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="push-writer", daemon=True
                    )
                    self._thread.start()
        return future

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            total = len(first[1].changes)
            while total < self.max_changes:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                group.append(item)
                total += len(item[1].changes)
            # A request that went away before its turn is not applied (its station sends the
            # batch again); from here on an answer cannot be cancelled.
            group = [item for item in group if item[3].set_running_or_notify_cancel()]
            if group:
                try:
                    self._apply(group)
                except BaseException as error:  # noqa: BLE001 - the writer must not die
                    for *_, future in group:
                        if not future.done():
                            future.set_exception(error)

    def _apply(self, group: list[tuple], *, again: bool = True) -> None:
        try:
            with collector_paused(), self.engine.begin() as conn:
                results = sync_service.push_group(conn, [item[:3] for item in group])
        except Exception as error:  # noqa: BLE001 - the group failed: each batch alone
            if again and isinstance(error, DBAPIError) and error.connection_invalidated:
                # The database dropped the connection (a restart): the pool has replaced it.
                # Applied again whole; a batch the lost commit did write answers as a duplicate.
                self._apply(group, again=False)
                return
            if len(group) == 1:
                group[0][3].set_exception(error)
                return
            for item in group:
                self._apply([item])
            return
        for (*_, future), result in zip(group, results, strict=True):
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
