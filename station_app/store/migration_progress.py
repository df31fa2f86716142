"""Progress of opening a database that needs migrating: the backup, each migration and the
rebuild of the derived state are steps; within a long step a heartbeat is reported at least
every HEARTBEAT_SECONDS, with the time spent so far.

The command line prints it (cli_progress), the desktop app shows it in a dialog while it
opens the database (ui.tasks), and every step is logged."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from station_app.i18n import _

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 0.5

# What a step does (the caller words it for the clerk).
STEP_BACKUP = "backup"
STEP_MIGRATION = "migration"
STEP_DERIVED = "derived"
STEP_FILES = "files"  # the stored files encrypted at rest (version: how many), data_folder.py


@dataclass(frozen=True)
class MigrationProgress:
    step: int  # 1-based number of the step under way
    steps: int  # how many steps in all
    kind: str  # STEP_BACKUP, STEP_MIGRATION, STEP_DERIVED or STEP_FILES
    # A migration's: the version it leads to; a backup's, the derived state's: from; the
    # encryption of the stored files': how many files.
    version: int
    percent: int  # of the whole, by the steps' weights and the part of this one done
    elapsed: float  # seconds since the migration began
    heartbeat: bool = False  # a report within a step rather than its start
    finished: bool = False  # the last report: everything done


ProgressCallback = Callable[[MigrationProgress], None]


def step_text(report: MigrationProgress) -> str:
    """What the step does, in the clerk's words (the command line and the app's dialog)."""
    if report.finished:
        return _("The database is up to date.")
    if report.kind == STEP_BACKUP:
        return _("Backing up the database (schema {version})").format(version=report.version)
    if report.kind == STEP_DERIVED:
        return _("Rebuilding the search index, deadlines and statistics")
    if report.kind == STEP_FILES:
        return _("Encrypting the stored evidence files and documents ({count})").format(
            count=report.version
        )
    return _("Upgrading the database to schema {version}").format(version=report.version)


class ProgressReporter:
    """Counts the steps and reports them to `callback`. While a step runs, a thread of its own
    sends a heartbeat every HEARTBEAT_SECONDS, whatever the step is busy with (one long SQL
    statement, the backup's copy, a loop in Python): SQLite and the copy let other threads run
    while they work. A failing callback never stops a migration (it is logged)."""

    def __init__(
        self,
        callback: ProgressCallback | None,
        steps: int,
        weights: Sequence[float] | None = None,
    ):
        """`weights`: the share of the whole each step is expected to take (default equal)."""
        self.callback = callback
        self.steps = max(steps, 1)
        self.weights = list(weights) if weights else [1.0] * self.steps
        if len(self.weights) != self.steps:
            raise ValueError("one weight for each step")
        self.fraction = 0.0  # of the step under way
        self.step = 0
        self.kind = ""
        self.version = 0
        self.started = time.monotonic()
        self._last = self.started
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def begin(self, kind: str, version: int) -> None:
        with self._lock:
            self.step = min(self.step + 1, self.steps)
            self.kind, self.version = kind, version
            self.fraction = 0.0
            log.info("migration step %s/%s: %s %s", self.step, self.steps, kind, version)
            self._send(heartbeat=False)
        if self.callback is not None and self._ticker is None:
            self._ticker = threading.Thread(
                target=self._beat, name="migration-progress", daemon=True
            )
            self._ticker.start()

    def part(self, fraction: float) -> None:
        """How much of the step under way is done (0 … 1), when the step can tell."""
        with self._lock:
            self.fraction = min(max(fraction, self.fraction), 1.0)
        self.tick()

    def tick(self) -> None:
        """Within a step: report if HEARTBEAT_SECONDS passed since the last report."""
        with self._lock:
            if self.step and time.monotonic() - self._last >= HEARTBEAT_SECONDS:
                self._send(heartbeat=True)

    def finish(self) -> None:
        self.close()
        with self._lock:
            self.step = self.steps
            log.info("migration done in %.1f s", time.monotonic() - self.started)
            self._send(heartbeat=False, finished=True)

    def close(self) -> None:
        """Stop the heartbeats (done, or the migration failed)."""
        self._stop.set()
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(max(HEARTBEAT_SECONDS / 4, 0.01)):
            self.tick()

    def _send(self, *, heartbeat: bool, finished: bool = False) -> None:
        now = time.monotonic()
        self._last = now
        if self.callback is None:
            return
        total = sum(self.weights)
        if finished:
            done = total
        else:
            index = max(self.step - 1, 0)
            done = sum(self.weights[:index]) + self.weights[index] * self.fraction
        report = MigrationProgress(
            step=self.step,
            steps=self.steps,
            kind=self.kind,
            version=self.version,
            percent=min(int(100 * done / total), 100),
            elapsed=now - self.started,
            heartbeat=heartbeat,
            finished=finished,
        )
        try:
            self.callback(report)
        except Exception:
            log.warning("showing the migration's progress failed", exc_info=True)
