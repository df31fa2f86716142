"""How errors reach the clerk: expected ones in their own words, the rest logged and explained."""

from __future__ import annotations

import logging
import platform
import traceback
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from station_app import __version__
from station_app.error_report import (
    disk_full_message,
    is_disk_full,
    is_storage_lost,
    log_unexpected,
    storage_lost_message,
    unexpected_message,
)
from station_app.i18n import _
from station_app.safe_input import InputRejected
from station_app.store import StoreError
from station_app.validation import mask_numbers_in_text

log = logging.getLogger(__name__)

_log_file: str = ""
_open_boxes: set[QMessageBox] = set()


def set_log_file(path: str) -> None:
    """Name the log file in the generic message, so the clerk can tell the city office."""
    global _log_file
    _log_file = path


def is_expected(error: BaseException) -> bool:
    """Errors a clerk can cause or fix; their message is written for the clerk."""
    # Imported here, not at start-up: the services they come from load with their windows.
    from station_app.case_actions import ActionRejected
    from station_app.intake import IntakeRejected
    from station_app.joint_members import JointComplaintRefused, MemberSheetRejected
    from station_app.sync.transport import SyncError
    from station_app.workdays import HolidayFileError

    return isinstance(
        error,
        StoreError
        | IntakeRejected
        | ActionRejected
        | HolidayFileError
        | MemberSheetRejected
        | JointComplaintRefused
        | InputRejected
        | SyncError,
    )


def user_message(error: BaseException, doing: str = "", reference: str = "") -> str:
    """The text to show for an error; `doing` says what the program was doing ("saving the case")
    and `reference` names the log entry of an unexpected one."""
    from station_app.case_actions import ActionRejected
    from station_app.intake import IntakeRejected
    from station_app.joint_members import JointComplaintRefused, MemberSheetRejected
    from station_app.workdays import HolidayFileError

    if isinstance(error, IntakeRejected):
        lines = [problem.message for problems in error.problems.values() for problem in problems]
        return "\n".join([_("Nothing was saved. Please correct:"), *lines])
    if isinstance(error, ActionRejected | HolidayFileError):
        return "\n".join([_("Nothing was saved. Please correct:"), *error.problems])
    if isinstance(error, MemberSheetRejected):
        lines = [str(problem) for problem in error.problems]
        return "\n".join([_("Nothing was imported. Please correct the list:"), *lines])
    if isinstance(error, StoreError | JointComplaintRefused | InputRejected):
        return str(error)
    from station_app.sync.transport import SyncError

    if isinstance(error, SyncError):
        from station_app.ui.sync_words import failure_text

        return failure_text(error)
    if is_disk_full(error):
        return disk_full_message()
    if is_storage_lost(error):
        return storage_lost_message()
    doing = doing or _("working")
    if reference and _log_file:
        return _(
            "The program ran into an unexpected error while {doing}; what it was doing was not "
            "saved. The details were written to the log file {path} (reference {ref}). Please "
            "tell the city office."
        ).format(doing=doing, path=_log_file, ref=reference)
    if _log_file:
        return _(
            "The program ran into an unexpected error while {doing}. Please tell the city office; "
            "the details were written to the log file {path}."
        ).format(doing=doing, path=_log_file)
    return _(
        "The program ran into an unexpected error while {doing}. Please tell the city office."
    ).format(doing=doing)


def show_error(
    parent: QWidget | None, error: BaseException, doing: str = "", reference: str = ""
) -> QMessageBox:
    """Open a message box with the error (without blocking); log unexpected errors where caught."""
    parent = parent or QApplication.activeWindow()
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if parent is None:
        # Nothing else holds a parentless box: keep it alive until the clerk closes it.
        _open_boxes.add(box)
        box.finished.connect(lambda _result: _open_boxes.discard(box))
    box.setWindowTitle(_("Problem") if is_expected(error) else _("Unexpected error"))
    box.setIcon(QMessageBox.Icon.Warning if is_expected(error) else QMessageBox.Icon.Critical)
    box.setText(user_message(error, doing, reference))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.button(QMessageBox.StandardButton.Ok).setText(_("OK"))
    box.open()
    return box


def error_details(reference: str, error: BaseException, trace: TracebackType | None) -> str:
    """What "Copy details" puts on the clipboard for the city office (whole ID numbers and
    phones an error's message may quote are masked, as in the log file)."""
    lines = traceback.format_exception(type(error), error, trace or error.__traceback__)
    return mask_numbers_in_text(
        "\n".join(
            [
                f"station-app {__version__} · Python {platform.python_version()} · "
                f"{platform.platform()}",
                f"reference {reference}",
                "".join(lines).rstrip(),
            ]
        )
    )


def show_unexpected(
    parent: QWidget | None, error: BaseException, trace: TracebackType | None = None
) -> QMessageBox:
    """An error nobody expected (it escaped a slot): logged with its traceback and a reference,
    and shown to the clerk as what to do, with a button that copies the details."""
    reference = log_unexpected(error, trace)
    if is_disk_full(error):
        text = disk_full_message()
    elif is_storage_lost(error):
        text = storage_lost_message()
    else:
        text = "\n\n".join(
            [
                unexpected_message(reference),
                _(
                    "You can go on working: save what you are entering again and check that it "
                    "appears in the case list. If the error comes back, press “Copy details” and "
                    "send the text to the city office."
                ),
            ]
        )
    parent = parent or QApplication.activeWindow()
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if parent is None:
        _open_boxes.add(box)
        box.finished.connect(lambda _result: _open_boxes.discard(box))
    box.setWindowTitle(_("Unexpected error"))
    box.setIcon(QMessageBox.Icon.Critical)
    box.setText(text)
    details = error_details(reference, error, trace)
    copy = box.addButton(_("Copy details"), QMessageBox.ButtonRole.ActionRole)
    # An action button closes the box by default; copying should leave it open.
    copy.clicked.disconnect()
    copy.clicked.connect(lambda: QApplication.clipboard().setText(details))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    ok = box.button(QMessageBox.StandardButton.Ok)
    ok.setText(_("OK"))
    # With two buttons Qt finds no escape button and would ignore Esc and the window's ×.
    box.setEscapeButton(ok)
    box.setProperty("reference", reference)
    box.open()
    return box
