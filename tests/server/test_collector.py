"""The garbage collector is held off while push batches are read and applied, comes back
when the last one is done, and still runs under traffic that never stops."""

from __future__ import annotations

import gc
import threading

from city_server import collector


def test_the_collector_is_off_inside_and_back_when_the_last_holder_leaves() -> None:
    assert gc.isenabled()
    inside = threading.Event()
    leave = threading.Event()

    def other_batch() -> None:
        with collector.collector_paused():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other_batch)
    with collector.collector_paused():
        assert not gc.isenabled()
        thread.start()
        assert inside.wait(10)
    # This batch is done, the other one is not: still off.
    assert not gc.isenabled()
    leave.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_failing_batch_gives_the_collector_back() -> None:
    try:
        with collector.collector_paused():
            raise ValueError("a refused batch")
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_full_collection_runs_when_none_ran_for_a_while(monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(collector.gc, "collect", lambda *a: calls.append(1) or 0)
    monkeypatch.setattr(collector, "_last_collect", collector.time.monotonic())
    with collector.collector_paused():
        pass
    assert calls == []  # one ran a moment ago
    monkeypatch.setattr(collector, "_last_collect", 0.0)
    with collector.collector_paused():
        pass
    assert calls == [1]  # overdue: collected on leaving, and the clock restarted
    with collector.collector_paused():
        pass
    assert calls == [1]
