"""The command line's report of a migration: a line per step with the percentage done, and
while one step runs long a line every few seconds with the time spent, on stderr (stdout
stays the command's own output, e.g. its JSON)."""

from __future__ import annotations

import sys
from typing import TextIO

from station_app.i18n import _
from station_app.store.migration_progress import MigrationProgress, step_text

# Seconds between two "still working" lines of one step.
STILL_WORKING_SECONDS = 5.0


class ProgressPrinter:
    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self._said_at = -STILL_WORKING_SECONDS

    def __call__(self, report: MigrationProgress) -> None:
        stream = self.stream or sys.stderr
        if stream is None:  # (a windowed build has no console)
            return
        if report.heartbeat:
            if report.elapsed - self._said_at < STILL_WORKING_SECONDS:
                return
            line = _("  … still working ({seconds:.0f} s so far)").format(seconds=report.elapsed)
        else:
            line = _("[{step}/{steps}] {percent:3d}%  {text}").format(
                step=report.step,
                steps=report.steps,
                percent=report.percent,
                text=step_text(report),
            )
            if report.finished:
                line += " " + _("({seconds:.1f} s)").format(seconds=report.elapsed)
        self._said_at = report.elapsed
        print(line, file=stream, flush=True)
