"""The database task runner: its own thread and Store, callbacks on the UI thread, errors, cancel."""

from __future__ import annotations

import errno
import logging
import threading

from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from station_app.error_report import storage_lost_message
from station_app.store import StoreError
from station_app.store.accounts import is_initialised
from station_app.ui.tasks import Change, TaskContext


def test_tasks_run_on_the_worker_and_call_back_on_the_ui_thread(qtbot, tasks, station_admin):
    seen: dict[str, object] = {}

    def read(store):
        seen["worker"] = threading.current_thread()
        return is_initialised(store)

    def done(result):
        seen["callback"] = threading.current_thread()
        seen["result"] = result

    tasks.submit(read, success=done)
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["result"] is True
    assert seen["callback"] is threading.main_thread()
    assert seen["worker"] is not threading.main_thread()
    assert not tasks.busy


def test_tasks_run_one_after_another_in_order(qtbot, tasks):
    order: list[int] = []
    for number in range(5):
        tasks.submit(lambda store, n=number: n, success=order.append)
    qtbot.waitUntil(lambda: len(order) == 5)
    assert order == [0, 1, 2, 3, 4]


def test_a_store_error_reaches_the_failure_callback(qtbot, tasks):
    errors: list[BaseException] = []

    def fail(store):
        raise StoreError("The disk is full. Nothing was saved.")

    tasks.submit(fail, success=lambda r: errors.append(AssertionError("no")), failure=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert isinstance(errors[0], StoreError)


def test_without_a_failure_callback_the_clerk_sees_the_message(qtbot, tasks):
    def fail(store):
        raise StoreError("The disk is full. Nothing was saved.")

    tasks.submit(fail)

    def message_boxes():
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]

    qtbot.waitUntil(lambda: any(b.isVisible() for b in message_boxes()))
    (box,) = [b for b in message_boxes() if b.isVisible()]
    assert box.text() == "The disk is full. Nothing was saved."
    box.close()


def test_an_unexpected_error_is_logged_with_its_context(qtbot, tasks, caplog):
    errors: list[BaseException] = []

    def broken(store):
        return 1 / 0

    with caplog.at_level(logging.ERROR, logger="station_app.ui.tasks"):
        tasks.submit(broken, failure=errors.append, doing="adding up the cases")
        qtbot.waitUntil(lambda: len(errors) == 1)
    assert isinstance(errors[0], ZeroDivisionError)
    assert "adding up the cases" in caplog.text
    assert "ZeroDivisionError" in caplog.text


def test_a_cancelled_task_does_not_run_or_call_back(qtbot, tasks):
    release = threading.Event()
    ran: list[str] = []
    tasks.submit(lambda store: release.wait(5), success=lambda r: ran.append("first"))
    second = tasks.submit(lambda store: ran.append("second ran"), success=lambda r: ran.append("x"))
    second.cancel()
    release.set()
    qtbot.waitUntil(lambda: not tasks.busy)
    assert ran == ["first"]


def test_long_tasks_report_progress_and_stop_when_cancelled(qtbot, tasks):
    progress: list[tuple[int, int]] = []
    finished: list[object] = []
    steps_done: list[int] = []
    go_on = threading.Event()

    def long_task(store, context: TaskContext):
        for step in range(1, 1001):
            context.check_cancelled()
            steps_done.append(step)
            context.report_progress(step, 1000)
            if step == 10:
                go_on.wait(5)  # let the test cancel mid-way
        return "finished"

    handle = tasks.submit(
        long_task,
        with_context=True,
        progress=lambda done, total, text: progress.append((done, total)),
        success=finished.append,
    )
    qtbot.waitUntil(lambda: len(progress) >= 1)
    assert progress[0] == (1, 1000)
    handle.cancel()
    go_on.set()
    qtbot.waitUntil(lambda: not tasks.busy)
    assert finished == []
    assert len(steps_done) < 1000


def test_writes_announce_what_changed(qtbot, tasks):
    with qtbot.waitSignal(tasks.changes.changed, timeout=5_000) as changed:
        tasks.submit(lambda store: None, changes={Change.CASES})
    assert changed.args[0] == frozenset({Change.CASES})


def _progress_dialogs():
    from PySide6.QtWidgets import QProgressDialog

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog)]


def test_progress_dialog_finishes_without_counting_as_cancelled(qtbot, tasks):
    from station_app.ui.tasks import run_with_progress

    results, cancels = [], []

    def count_to_ten(store, context: TaskContext):
        for step in range(1, 11):
            context.report_progress(step, 10)
        return "done"

    run_with_progress(
        tasks,
        count_to_ten,
        parent=None,
        label="Counting",
        success=results.append,
        cancelled=lambda: cancels.append(True),
    )
    qtbot.waitUntil(lambda: results == ["done"])
    qtbot.wait(20)
    assert cancels == []


def test_progress_dialog_cancel_stops_the_task(qtbot, tasks):
    from station_app.ui.tasks import run_with_progress

    results, cancels, steps = [], [], []
    started = threading.Event()

    def slow(store, context: TaskContext):
        for step in range(1000):
            started.set()
            context.check_cancelled()
            steps.append(step)
            threading.Event().wait(0.002)
        return "finished"

    run_with_progress(
        tasks,
        slow,
        parent=None,
        label="Working",
        success=results.append,
        cancelled=lambda: cancels.append(True),
    )
    assert started.wait(5)
    (dialog,) = [d for d in _progress_dialogs() if d.labelText() == "Working"]
    (cancel_button,) = dialog.findChildren(QPushButton)
    cancel_button.click()
    qtbot.waitUntil(lambda: not tasks.busy)
    assert cancels == [True]
    assert results == []
    assert len(steps) < 1000


def test_an_unexpected_failure_names_its_log_reference(qtbot, tasks, tmp_path):
    from station_app.error_report import configure_logging, unconfigure_logging
    from station_app.ui.errors import set_log_file

    log_file = configure_logging(tmp_path)
    set_log_file(str(log_file))
    try:
        handle = tasks.submit(lambda store: 1 / 0, doing="adding up the cases")

        def message_boxes():
            return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]

        qtbot.waitUntil(lambda: any(b.isVisible() for b in message_boxes()))
        (box,) = [b for b in message_boxes() if b.isVisible()]
        assert handle.reference and f"(reference {handle.reference})" in box.text()
        assert "adding up the cases" in box.text() and str(log_file) in box.text()
        log = log_file.read_text(encoding="utf-8")
        assert f"reference {handle.reference}" in log and "ZeroDivisionError" in log
        box.close()
    finally:
        set_log_file("")
        unconfigure_logging()


def test_the_worker_does_upkeep_when_idle_and_tasks_still_run(
    qtbot, folder, station_admin, monkeypatch
):
    from station_app.intake import register_cases
    from station_app.store import upkeep
    from station_app.ui import tasks as tasks_module
    from station_app.ui.tasks import TaskRunner
    from tests.ui.conftest import SAMPLE_CASES, TODAY

    monkeypatch.setattr(tasks_module, "IDLE_SECONDS", 0.2)
    steps: list[bool] = []
    real_step = upkeep.step

    def counted_step(store):
        steps.append(real_step(store))
        return steps[-1]

    monkeypatch.setattr(upkeep, "step", counted_step)
    _station, admin = station_admin
    runner = TaskRunner(folder)
    try:
        saved: list[object] = []
        for _ in range(6):  # six saves: six small segments of the search index
            runner.submit(
                lambda store: register_cases(
                    store, SAMPLE_CASES[:1], user=admin, station_code=admin.station_code,
                    today=TODAY,
                ),
                success=saved.append,
            )  # fmt: skip
        qtbot.waitUntil(lambda: len(saved) == 6, timeout=30000)
        qtbot.waitUntil(lambda: bool(steps) and steps[-1] is False, timeout=30000)  # all done
        assert True in steps  # it merged something
        runner.submit(lambda store: "after upkeep", success=saved.append)
        qtbot.waitUntil(lambda: saved[-1] == "after upkeep", timeout=30000)
    finally:
        runner.shutdown()
    with folder.open_store() as store:
        assert not real_step(store)  # nothing was left to merge


def test_a_disk_pulled_out_under_a_task_is_explained_not_reported_as_a_bug(qtbot, tasks):
    def write_on_a_pulled_stick(store):
        raise OSError(errno.EIO, "Input/output error", "E:\\station\\documents\\x.pdf")

    tasks.submit(write_on_a_pulled_stick)

    def message_boxes():
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]

    qtbot.waitUntil(lambda: any(b.isVisible() for b in message_boxes()))
    (box,) = [b for b in message_boxes() if b.isVisible()]
    assert box.text() == storage_lost_message()
    box.close()
