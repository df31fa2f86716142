"""How errors reach the clerk: expected ones in their own words, the rest logged and explained."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from station_app.i18n import _
from station_app.store import StoreError

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
    from station_app.workdays import HolidayFileError

    return isinstance(
        error,
        StoreError
        | IntakeRejected
        | ActionRejected
        | HolidayFileError
        | MemberSheetRejected
        | JointComplaintRefused,
    )


def user_message(error: BaseException, doing: str = "") -> str:
    """The text to show for an error; `doing` says what the program was doing ("saving the case")."""
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
    if isinstance(error, StoreError | JointComplaintRefused):
        return str(error)
    doing = doing or _("working")
    if _log_file:
        return _(
            "The program ran into an unexpected error while {doing}. Please tell the city office; "
            "the details were written to the log file {path}."
        ).format(doing=doing, path=_log_file)
    return _(
        "The program ran into an unexpected error while {doing}. Please tell the city office."
    ).format(doing=doing)


def show_error(parent: QWidget | None, error: BaseException, doing: str = "") -> QMessageBox:
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
    box.setText(user_message(error, doing))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.button(QMessageBox.StandardButton.Ok).setText(_("OK"))
    box.open()
    return box
