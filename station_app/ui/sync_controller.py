"""Sync in the app: every few minutes in the background when the station is enrolled, and on
同步 (Sync now), with progress and cancel.

The network work runs on a worker thread of its own (a second TaskRunner, "network-worker",
with its own Store), never on the database worker, so the list and the forms stay quick while
a slow link pulls; the status (`sync_status`, counts only) is read on the database worker.
After a sync that changed rows the app's one "data changed" signal (ChangeBus) is emitted.

Background rounds back off on their own when the server does not answer: after a failed
round the next one waits 5 minutes, then 10, 20, 40 and at most an hour; a round that
succeeds (in the background or on 同步) brings back the 5 minutes (`next_sync_at`, shown in
the status bar while backing off). Closing the app cancels a round at once, even in the
middle of a request (HttpTransport.cancel): it never waits for the server's timeout.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from station_app.i18n import _
from station_app.store import Store
from station_app.sync.engine import SyncReport, SyncStatus, connect, sync_status
from station_app.ui.tasks import Change, TaskContext, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

BACKGROUND_INTERVAL_MS = 5 * 60 * 1000
# The first background sync, once the window is up (not during start-up).
FIRST_BACKGROUND_MS = 20 * 1000
# The longest wait between background rounds while the server does not answer.
MAX_BACKOFF_MS = 60 * 60 * 1000


def backoff_ms(failures: int, interval_ms: int = BACKGROUND_INTERVAL_MS) -> int:
    """The wait before the next background round after `failures` failed rounds in a row."""
    if failures <= 0:
        return interval_ms
    return min(MAX_BACKOFF_MS, interval_ms * 2 ** min(failures - 1, 16))


def report_changed_rows(report: SyncReport) -> bool:
    return bool(report.pulled or report.repaired or report.conflicts or report.downloaded)


class SyncController(QObject):
    """Starts and cancels sync rounds and keeps the latest SyncStatus.

    Signals: `status_changed(SyncStatus)`, `started(bool background)`,
    `progress(done, total, text)` (total 0: not known), `finished(SyncReport)`,
    `failed(BaseException, bool background)`.
    """

    status_changed = Signal(object)
    started = Signal(bool)
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object, bool)

    def __init__(
        self,
        tasks: TaskRunner,
        parent: QObject | None = None,
        *,
        interval_ms: int = BACKGROUND_INTERVAL_MS,
        first_ms: int = FIRST_BACKGROUND_MS,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.status: SyncStatus | None = None
        self.last_report: SyncReport | None = None
        self.last_failure: BaseException | None = None
        self.running = False
        self.background = False
        self._cancel: threading.Event | None = None
        self._handle: TaskHandle | None = None
        self._network: TaskRunner | None = None
        self._stopped = False
        self.interval_ms = interval_ms
        # Failed rounds in a row, and when the next background round starts (local time).
        self.failures = 0
        self.next_sync_at: datetime | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.sync_in_background)
        self._first = QTimer(self)
        self._first.setSingleShot(True)
        self._first.setInterval(first_ms)
        self._first.timeout.connect(self.sync_in_background)
        tasks.changes.changed.connect(self._data_changed)

    # -- the network worker ----------------------------------------------------------------

    def network(self) -> TaskRunner:
        """The network worker, started when first needed (a station never enrolled has none)."""
        if self._network is None:
            self._network = TaskRunner(
                self.tasks.folder, self.tasks.changes, self, name="network-worker"
            )
        return self._network

    def start(self) -> None:
        """Read the status now and sync in the background from now on."""
        self.refresh_status()
        self._first.start()
        self._schedule(self.interval_ms)

    def _schedule(self, delay_ms: int) -> None:
        """The next background round in `delay_ms` (one timer: a new schedule replaces it)."""
        if self._stopped:
            return
        self.timer.start(delay_ms)
        self.next_sync_at = datetime.now().astimezone() + timedelta(milliseconds=delay_ms)

    def shutdown(self) -> None:
        """Stop the timer, cancel a running round (it stops at its next safe point) and stop
        the network worker."""
        self._stopped = True
        self.timer.stop()
        self._first.stop()
        self.cancel()
        if self._network is not None:
            self._network.shutdown()

    # -- status --------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        if self._stopped:
            return
        self.tasks.submit(
            sync_status, success=self._status_read, owner=self, doing=_("reading the sync status")
        )

    def _status_read(self, status: SyncStatus) -> None:
        self.status = status
        self.status_changed.emit(status)

    def _data_changed(self, _what: frozenset[Change]) -> None:
        self.refresh_status()  # the count of changes waiting to be sent

    # -- rounds --------------------------------------------------------------------------------

    def sync_in_background(self) -> bool:
        """A quiet round when the station is enrolled and no round runs (failures go to the
        status bar, never to a message box)."""
        if self.running or self._stopped:
            return False  # the running round schedules the next one when it ends
        if self.status is None or not self.status.enrolled:
            self._schedule(self.interval_ms)  # enrolled meanwhile: the next time comes
            return False
        return self._start(background=True)

    def sync_now(self) -> bool:
        """同步: a round now (False when one is running already)."""
        if self.running or self._stopped:
            return False
        return self._start(background=False)

    def cancel(self) -> None:
        """Stop the running round at its next safe point; what was done is kept."""
        if self._cancel is not None:
            self._cancel.set()

    def _start(self, *, background: bool) -> bool:
        folder = self.tasks.folder.path
        cancel = threading.Event()

        def run(store: Store, context: TaskContext) -> SyncReport:
            engine = connect(store, folder)
            try:
                return engine.run_once(
                    progress=lambda p: context.report_progress(p.done, p.total or 0, p.text),
                    cancel=cancel,
                )
            finally:
                engine.close()

        self.running = True
        self.background = background
        self._cancel = cancel
        self._handle = self.network().submit(
            run,
            with_context=True,
            success=self._finished,
            failure=self._failed,
            progress=self.progress.emit,
            owner=self,
            doing=_("syncing with the city office's server"),
        )
        self.started.emit(background)
        return True

    def _done(self) -> None:
        self.running = False
        self._cancel = None
        self._handle = None

    def _finished(self, report: SyncReport) -> None:
        self._done()
        self.last_report = report
        self.last_failure = None
        if not report.cancelled:
            self.failures = 0
        self._schedule(backoff_ms(self.failures, self.interval_ms))
        if report_changed_rows(report):
            self.tasks.changes.notify(set(Change))
        self.refresh_status()
        self.finished.emit(report)

    def _failed(self, error: BaseException) -> None:
        background = self.background
        self._done()
        self.last_failure = error
        self.failures += 1
        self._schedule(backoff_ms(self.failures, self.interval_ms))
        self.refresh_status()
        self.failed.emit(error, background)

    def run_on_network(self, fn: Any, **options: Any) -> TaskHandle:
        """Other network work (enrolment) on the same worker, in turn with sync rounds."""
        return self.network().submit(fn, owner=options.pop("owner", self), **options)
