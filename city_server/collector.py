"""Python's cyclic garbage collector held off while a push batch is read and applied.

A batch of 3,000 changes makes some hundred thousand dicts, lists and row states that all
live until the batch is written; the collector, started every 700 new objects, walked them
again and again: 15 % of the server's CPU on a first sync (10.6 against 8.9 CPU seconds per
100,000 rows, `benchmarks/bench_sync.py --cases 50000` over SQLite, three runs each,
alternating). Nearly nothing of a batch is cyclic, so reference counting frees it all the
same. The collector runs again as soon as no batch is being read
or applied, and at least every `MAX_PAUSED_S` seconds, whatever the traffic.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

MAX_PAUSED_S = 30.0

_lock = threading.Lock()
_holders = 0
_last_collect = time.monotonic()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection inside (threads may nest and overlap: the collector runs
    again when the last one leaves)."""
    global _holders
    with _lock:
        _holders += 1
        if _holders == 1:
            gc.disable()
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                gc.enable()
        collect_if_overdue()


def collect_if_overdue() -> None:
    """A full collection when none ran for `MAX_PAUSED_S` seconds (the server was never
    idle between batches), so cyclic garbage cannot pile up under steady traffic."""
    global _last_collect
    now = time.monotonic()
    if now - _last_collect < MAX_PAUSED_S:
        return
    _last_collect = now
    gc.collect()
