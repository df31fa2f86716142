"""The log file in the data folder, and how an unexpected error reaches the clerk: a message in
their language with a reference to the log entry, the traceback only in the log file (whole ID
numbers and phones in it masked)."""

from __future__ import annotations

import errno
import logging
import logging.handlers
import secrets
import sys
from pathlib import Path
from types import TracebackType

from station_app.i18n import _
from station_app.validation import mask_numbers_in_text

LOG_FOLDER = "logs"
LOG_FILENAME = "station-app.log"
UNEXPECTED_LOGGER = "station_app.unexpected"

_state: dict[str, object] = {}


class _FolderMakingHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file opened (and its folder made) at the first record, so a command that
    logs nothing leaves no trace; a log that cannot be written never stops the program."""

    # Records to write after a rotation failed before trying again.
    RETRY_AFTER_RECORDS = 200

    _skip_rollover = 0

    def _open(self):  # noqa: ANN202 - the base class's signature
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def shouldRollover(self, record: logging.LogRecord) -> bool:  # noqa: N802 - logging's name
        if self._skip_rollover > 0:
            self._skip_rollover -= 1
            return False
        return bool(super().shouldRollover(record))

    def doRollover(self) -> None:  # noqa: N802 - logging's name
        """On Windows the file cannot be renamed while another process (the app and a command
        run beside it) has it open: then go on writing to it and try again later, rather
        than lose every record from then on."""
        try:
            super().doRollover()
        except OSError:
            self._skip_rollover = self.RETRY_AFTER_RECORDS
            if self.stream is None:
                self.stream = self._open()

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        # The default prints a traceback on stderr: exactly what a full disk must not cause.
        pass


class _MaskingFormatter(logging.Formatter):
    """A record (and its traceback) with whole ID numbers and phones masked, as the lists show
    them: an error's message may quote what was typed, and the log file is read by whoever
    opens the data folder and is sent to the city office (PIPL, minimum necessity)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_numbers_in_text(super().format(record))


class _NoTraceback(_MaskingFormatter):
    """For the console: one line per record; tracebacks go to the log file only."""

    def format(self, record: logging.LogRecord) -> str:
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info = plain.exc_text = plain.stack_info = None
        return super().format(plain)


def log_path(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_FOLDER / LOG_FILENAME


def configure_logging(data_dir: Path, *, console: bool = True) -> Path:
    """Log the app's INFO and above to <data>/logs/station-app.log (rotated at 2 MB, 3 kept)
    and warnings, without tracebacks, to stderr. Called once at start-up by the command line
    and the app; calling it again replaces what an earlier call installed."""
    path = log_path(data_dir)
    if _state.get("path") == path:
        return path
    unconfigure_logging()
    app_logger = logging.getLogger("station_app")
    handler = _FolderMakingHandler(
        path, maxBytes=2_000_000, backupCount=3, encoding="utf-8", delay=True
    )
    handler.setLevel(logging.INFO)
    handler.setFormatter(
        _MaskingFormatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    app_logger.addHandler(handler)
    app_logger.setLevel(logging.INFO)
    _state.update(path=path, handler=handler, level=app_logger.level)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(logging.WARNING)
        stream.setFormatter(_NoTraceback("%(levelname)s %(name)s: %(message)s"))
        # The clerk reads the message made for them (unexpected_message), not the log's line.
        stream.addFilter(lambda record: record.name != UNEXPECTED_LOGGER)
        app_logger.addHandler(stream)
        _state["console"] = stream
    return path


def unconfigure_logging() -> None:
    """Remove what configure_logging installed (tests, and the app when it quits)."""
    app_logger = logging.getLogger("station_app")
    for key in ("handler", "console"):
        handler = _state.pop(key, None)
        if isinstance(handler, logging.Handler):
            app_logger.removeHandler(handler)
            handler.close()
    _state.pop("path", None)


def current_log_path() -> Path | None:
    path = _state.get("path")
    return path if isinstance(path, Path) else None


def new_reference() -> str:
    """A short code the clerk reads out to the city office to find the log entry."""
    return secrets.token_hex(3).upper()


def log_unexpected(
    error: BaseException, trace: TracebackType | None = None, *, doing: str = ""
) -> str:
    """Write an unexpected error with its traceback to the log; returns its reference."""
    reference = new_reference()
    logging.getLogger(UNEXPECTED_LOGGER).error(
        "unexpected error (reference %s)%s",
        reference,
        f" while {doing}" if doing else "",
        exc_info=(type(error), error, trace or error.__traceback__),
    )
    return reference


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


# The disk went away under the program: an I/O error, a device that is gone (Linux errnos), or
# Windows' "device not ready / not connected / no longer available" (a USB stick pulled out).
_LOST_ERRNOS = frozenset(
    code
    for code in (
        errno.EIO,
        errno.ENODEV,
        errno.ENXIO,
        getattr(errno, "ESTALE", None),
        getattr(errno, "ENOMEDIUM", None),
    )  # fmt: skip
    if code is not None
)
_LOST_WINERRORS = frozenset({21, 55, 483, 1117, 1167})


def is_storage_lost(error: BaseException) -> bool:
    """Whether the disk holding the file stopped answering (not a mistake of the program)."""
    return isinstance(error, OSError) and (
        error.errno in _LOST_ERRNOS or getattr(error, "winerror", None) in _LOST_WINERRORS
    )


def disk_full_message() -> str:
    return _(
        "The disk is full. Nothing was saved. Free some disk space "
        "(for example empty the recycle bin) and save again."
    )


def os_error_reason(error: OSError) -> str:
    """Why a file could not be read or written, in the clerk's language where it matters."""
    if is_disk_full(error):
        return _("the disk is full; free some disk space and try again")
    if is_storage_lost(error):
        return _("the disk cannot be reached (a USB stick pulled out?); plug it in and try again")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _("this account may not write there (the folder or disk is read-only)")
    return error.strerror or str(error)


def storage_lost_message() -> str:
    """What the clerk reads when the disk of the data folder cannot be read or written."""
    return _(
        "The data folder cannot be read or written: the disk it is on (for example a USB stick) "
        "may have been pulled out, or it failed. Cases saved before are not affected; what was "
        "being saved now was not saved. Plug the disk back in, close the program and open it "
        "again, then save again."
    )


def unexpected_message(reference: str) -> str:
    """What the clerk reads after an unexpected error (the log file named when there is one)."""
    path = current_log_path()
    if path is None:
        return _(
            "An unexpected error stopped the program; changes it had not finished were not "
            "saved. Please tell the city office (reference {ref})."
        ).format(ref=reference)
    return _(
        "An unexpected error stopped the program; changes it had not finished were not saved. "
        "The details were written to the log file {path} (reference {ref}). Please tell the "
        "city office."
    ).format(path=path, ref=reference)


def report_unexpected(error: BaseException) -> str:
    """Log an unexpected error and return the message for the clerk; a full disk is named as
    a full disk (and logged too)."""
    reference = log_unexpected(error)
    if is_disk_full(error):
        return disk_full_message()
    if is_storage_lost(error):
        return storage_lost_message()
    return unexpected_message(reference)
