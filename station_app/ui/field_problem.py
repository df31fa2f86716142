"""A form field with its problem shown right under it: red for errors, orange for warnings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from station_app.validation import Severity

ERROR_COLOUR = "#c62828"
WARNING_COLOUR = "#b35c00"


class ProblemLabel(QLabel):
    """Hidden while there is nothing to say; wraps long messages."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.severity: Severity | None = None
        self.hide()

    def show_problem(self, message: str, severity: Severity = Severity.ERROR) -> None:
        colour = ERROR_COLOUR if severity is Severity.ERROR else WARNING_COLOUR
        self.setStyleSheet(f"color: {colour};")
        self.setText(message)
        self.severity = severity
        self.show()

    def clear_problem(self) -> None:
        self.severity = None
        self.clear()
        self.hide()


class FieldSlot(QWidget):
    """A field widget above its problem label, for use as one cell of a form layout."""

    def __init__(self, field: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.field = field
        self.problem = ProblemLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        layout.addWidget(self.problem)

    def show_problem(self, message: str, severity: Severity = Severity.ERROR) -> None:
        self.problem.show_problem(message, severity)

    def clear_problem(self) -> None:
        self.problem.clear_problem()


def add_labelled(
    grid: QGridLayout, row: int, column: int, text: str, slot: FieldSlot, span: int = 1
) -> QLabel:
    """Put a caption and its field slot into a grid, both at the top of the row, so a problem
    shown under one field does not push the captions and fields beside it out of line."""
    caption = QLabel(text)
    caption.setBuddy(slot.field)
    line = caption.fontMetrics().height() * 2
    caption.setMinimumHeight(min(slot.field.sizeHint().height(), line))
    grid.addWidget(caption, row, column, Qt.AlignmentFlag.AlignTop)
    grid.addWidget(slot, row, column + 1, 1, span, Qt.AlignmentFlag.AlignTop)
    return caption
