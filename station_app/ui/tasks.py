"""Background work: one database worker with its own Store, results handed back on the UI thread.

Every piece of database work in the UI goes through `TaskRunner.submit(fn, success=...)`, where
`fn(store)` (or `fn(store, context)` for long work) runs on the worker thread, serially, and
the callbacks run on the UI thread. Tasks never touch widgets. After a write, pass `changes=`
and the runner announces them on the app-wide `ChangeBus`, from which views refresh themselves.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from station_app.data_folder import DataFolder
from station_app.error_report import log_unexpected
from station_app.i18n import _
from station_app.store import Store, upkeep
from station_app.store.migration_progress import MigrationProgress
from station_app.ui.errors import is_expected, show_error

log = logging.getLogger(__name__)


class Change(StrEnum):
    """What a write changed; views decide from this whether to refresh."""

    CASES = "cases"
    EVIDENCE = "evidence"
    MERCHANTS = "merchants"
    USERS = "users"
    STATION = "station"
    SUPERVISION = "supervision"  # supervision work records (surveys, secret visits, sampling)


class ChangeBus(QObject):
    """The one "data changed" signal of the app: `changed(frozenset[Change])` after every write."""

    changed = Signal(object)

    def notify(self, what: Iterable[Change]) -> None:
        what = frozenset(what)
        if what:
            self.changed.emit(what)


class TaskCancelled(Exception):
    """Raised inside a task by `TaskContext.check_cancelled()` once the task was cancelled."""


class TaskContext:
    """Handed to long tasks: report progress, and stop early when cancelled."""

    PROGRESS_INTERVAL = 0.05

    def __init__(
        self, handle: TaskHandle, emit_progress: Callable[[TaskHandle, int, int, str], None]
    ):
        self._handle = handle
        self._emit_progress = emit_progress
        self._last_report = 0.0

    @property
    def cancelled(self) -> bool:
        return self._handle.cancelled

    def check_cancelled(self) -> None:
        if self._handle.cancelled:
            raise TaskCancelled

    def report_progress(self, done: int, total: int, text: str = "") -> None:
        """At most ~20 reports a second reach the UI; the last one (done == total) always does."""
        now = time.monotonic()
        if done >= total or now - self._last_report >= self.PROGRESS_INTERVAL:
            self._last_report = now
            self._emit_progress(self._handle, done, total, text)


SuccessCallback = Callable[[Any], None]
FailureCallback = Callable[[BaseException], None]
ProgressCallback = Callable[[int, int, str], None]


class TaskHandle:
    """One submitted task; `cancel()` drops it if not started and stops its callbacks."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        doing: str,
        with_context: bool,
        success: SuccessCallback | None,
        failure: FailureCallback | None,
        progress: ProgressCallback | None,
        changes: frozenset[Change],
        owner: QObject | None,
    ):
        self.fn = fn
        self.doing = doing
        self.with_context = with_context
        self.success = success
        self.failure = failure
        self.progress = progress
        self.changes = changes
        self.owner = owner
        self._cancelled = threading.Event()
        self.started = False
        self.done = False
        self.reference = ""  # of the log entry, when the task failed unexpectedly

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()

    def owner_alive(self) -> bool:
        return self.owner is None or isValid(self.owner)


_STOP = object()


# Seconds without a task before the worker starts upkeep, and between its steps.
IDLE_SECONDS = 2.0
UPKEEP_PAUSE_SECONDS = 0.05


class _DatabaseWorker(QThread):
    """Opens its own Store (SQLite connections belong to one thread) and runs tasks in order."""

    task_done = Signal(object, object, object)  # handle, result, error
    task_progress = Signal(object, int, int, str)
    migration_progress = Signal(object)  # MigrationProgress, while opening the database

    def __init__(self, folder: DataFolder, name: str = "database-worker"):
        super().__init__()
        self.folder = folder
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.setObjectName(name)

    def run(self) -> None:
        store: Store | None = None
        open_error: BaseException | None = None
        try:
            store = self.folder.open_store(progress=self.migration_progress.emit)
        except BaseException as error:  # every task will report it; nothing else can run
            open_error = error
            if not is_expected(error):
                log.exception("opening the database %s failed", self.folder.database_path)
        try:
            # Upkeep (store.upkeep) runs in the pauses between tasks, one bounded step at a
            # time: after IDLE_SECONDS without a task, then step after step while it has work.
            wait: float | None = IDLE_SECONDS
            while True:
                try:
                    handle = self.jobs.get(timeout=wait)
                except queue.Empty:
                    wait = UPKEEP_PAUSE_SECONDS if self._upkeep(store) else None
                    continue
                if handle is _STOP:
                    break
                wait = IDLE_SECONDS
                if handle.cancelled:
                    self.task_done.emit(handle, None, TaskCancelled())
                    continue
                if open_error is not None:
                    self.task_done.emit(handle, None, open_error)
                    continue
                self._run_one(store, handle)
        finally:
            if store is not None:
                store.close()

    @staticmethod
    def _upkeep(store: Store | None) -> bool:
        """One step of upkeep; True when there is more to do. A failure is logged and upkeep
        waits for the next task: the save that needs the database reports the problem."""
        if store is None:
            return False
        try:
            return upkeep.step(store)
        except Exception:
            log.warning("upkeep of the database failed", exc_info=True)
            return False

    def _run_one(self, store: Store, handle: TaskHandle) -> None:
        handle.started = True
        try:
            if handle.with_context:
                result = handle.fn(store, TaskContext(handle, self.task_progress.emit))
            else:
                result = handle.fn(store)
        except TaskCancelled as error:
            self.task_done.emit(handle, None, error)
        except Exception as error:
            if not is_expected(error):
                handle.reference = log_unexpected(error, doing=f"{handle.doing} ({handle.fn!r})")
            self.task_done.emit(handle, None, error)
        else:
            self.task_done.emit(handle, result, None)


class TaskRunner(QObject):
    """Runs `fn(store)` on the database worker; calls back on the UI thread (Anki's QueryOp).

    `migration_progress(MigrationProgress)` is emitted on the UI thread while the worker opens
    a database that needs migrating (store.migration_progress)."""

    migration_progress = Signal(object)

    def __init__(
        self,
        folder: DataFolder,
        changes: ChangeBus | None = None,
        parent: QObject | None = None,
        *,
        name: str = "database-worker",
    ):
        """`name` names the worker thread: a second runner with its own thread and Store
        (e.g. "network-worker" for sync) keeps slow network work off the database worker."""
        super().__init__(parent)
        self.folder = folder
        self.changes = changes or ChangeBus(self)
        self._worker = _DatabaseWorker(folder, name)
        self._worker.task_done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._worker.task_progress.connect(
            self._deliver_progress, Qt.ConnectionType.QueuedConnection
        )
        self._worker.migration_progress.connect(
            self._deliver_migration_progress, Qt.ConnectionType.QueuedConnection
        )
        self.last_migration_progress: MigrationProgress | None = None
        self._pending: set[TaskHandle] = set()
        self._stopped = False
        self._worker.start()

    def submit(
        self,
        fn: Callable[..., Any],
        *,
        success: SuccessCallback | None = None,
        failure: FailureCallback | None = None,
        progress: ProgressCallback | None = None,
        with_context: bool = False,
        changes: Iterable[Change] = (),
        owner: QObject | None = None,
        doing: str = "",
    ) -> TaskHandle:
        """Queue `fn`; without `failure`, errors are shown in a message box over `owner`.

        `owner` ties the callbacks to a widget: once it is deleted they are skipped.
        `with_context=True` calls `fn(store, context)` so the task can report progress and
        notice cancellation. `doing` describes the task for logs and unexpected-error messages.
        """
        handle = TaskHandle(
            fn,
            doing=doing or getattr(fn, "__name__", "a database task"),
            with_context=with_context,
            success=success,
            failure=failure,
            progress=progress,
            changes=frozenset(changes),
            owner=owner,
        )
        if self._stopped:
            handle.cancel()
            return handle
        self._pending.add(handle)
        self._worker.jobs.put(handle)
        return handle

    @property
    def busy(self) -> bool:
        """Whether a submitted task has not yet delivered its result."""
        return bool(self._pending)

    @Slot(object, object, object)
    def _deliver(self, handle: TaskHandle, result: Any, error: BaseException | None) -> None:
        self._pending.discard(handle)
        handle.done = True
        if handle.started and handle.changes:
            # Announce whenever the task ran, even if it failed, was cancelled half-way or its
            # caller went away: views then show whatever the database now holds.
            self.changes.notify(handle.changes)
        if handle.cancelled or isinstance(error, TaskCancelled) or not handle.owner_alive():
            return
        try:
            if error is None:
                if handle.success is not None:
                    handle.success(result)
            elif handle.failure is not None:
                handle.failure(error)
            else:
                owner = handle.owner if isinstance(handle.owner, QWidget) else None
                show_error(owner, error, handle.doing, reference=handle.reference)
        except Exception:
            log.exception("callback of the task %r (%s) failed", handle.fn, handle.doing)
            raise

    @Slot(object, int, int, str)
    def _deliver_progress(self, handle: TaskHandle, done: int, total: int, text: str) -> None:
        if handle.progress is not None and not handle.cancelled and handle.owner_alive():
            handle.progress(done, total, text)

    @Slot(object)
    def _deliver_migration_progress(self, report: MigrationProgress) -> None:
        self.last_migration_progress = report
        self.migration_progress.emit(report)

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel what has not started, let the running task finish, and close the Store."""
        if self._stopped:
            return
        self._stopped = True
        for handle in list(self._pending):
            handle.cancel()
        self._worker.jobs.put(_STOP)
        if not self._worker.wait(timeout_ms):
            log.error("the database worker did not stop within %s ms", timeout_ms)


def run_with_progress(
    tasks: TaskRunner,
    fn: Callable[[Store, TaskContext], Any],
    *,
    parent: QWidget | None,
    label: str,
    success: SuccessCallback | None = None,
    failure: FailureCallback | None = None,
    cancelled: Callable[[], None] | None = None,
    changes: Iterable[Change] = (),
    doing: str = "",
) -> TaskHandle:
    """Run a long task behind a progress dialog whose Cancel button cancels it (and then
    calls `cancelled`, while the task may still be finishing its current step)."""
    dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
    dialog.setWindowTitle(_("Please wait"))
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def on_progress(done: int, total: int, text: str) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))
        if text:
            dialog.setLabelText(text)

    def finish(callback: Callable[[Any], None] | None, value: Any) -> None:
        dialog.hide()  # not close(): closing a progress dialog emits canceled
        dialog.deleteLater()
        if callback is not None:
            callback(value)

    def on_failure(error: BaseException) -> None:
        dialog.hide()  # not close(): closing a progress dialog emits canceled
        dialog.deleteLater()
        if failure is not None:
            failure(error)
        else:
            show_error(parent, error, doing)

    handle = tasks.submit(
        fn,
        with_context=True,
        success=lambda result: finish(success, result),
        failure=on_failure,
        progress=on_progress,
        changes=changes,
        owner=parent,
        doing=doing,
    )
    dialog.canceled.connect(handle.cancel)
    dialog.canceled.connect(dialog.deleteLater)
    if cancelled is not None:
        dialog.canceled.connect(cancelled)
    return handle
