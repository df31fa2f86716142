"""The list of evidence files chosen in the intake form; they are stored once the case is saved."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.evidence_files import (
    MAX_EVIDENCE_BYTES,
    detect_evidence_type,
    refused_message,
    safe_display_name,
)
from station_app.i18n import _
from station_app.ui.field_problem import ProblemLabel

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


class EvidencePicker(QGroupBox):
    """Add files with a file dialog (or `add_paths`); too-large files are refused at once."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Evidence files (receipts, photos, contracts)"), parent)
        self.files = QListWidget()
        self.files.setMaximumHeight(110)
        self.add_button = QPushButton(_("Add files…"))
        self.remove_button = QPushButton(_("Remove selected"))
        for button in (self.add_button, self.remove_button):
            button.setAutoDefault(False)
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.problem = ProblemLabel()

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.files)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)

    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Choose evidence files"),
            str(Path.home()),
            _(
                "Pictures and documents (*.jpg *.jpeg *.png *.pdf *.heic *.doc *.docx);;All files (*)"
            ),
        )
        self.add_paths([Path(name) for name in names])

    def add_paths(self, paths: list[Path]) -> None:
        refused = []
        present = set(self.paths())
        for path in paths:
            if path in present:
                continue
            try:
                size = path.stat().st_size
            except OSError:
                refused.append(
                    _("{name} cannot be read.").format(name=safe_display_name(path.name))
                )
                continue
            if size > MAX_EVIDENCE_BYTES:
                refused.append(
                    _("{name} is larger than {limit} MB; scan or photograph it smaller.").format(
                        name=safe_display_name(path.name), limit=MAX_EVIDENCE_BYTES // 1048576
                    )
                )
                continue
            if detect_evidence_type(path, path.name) is None:
                refused.append(refused_message(path.name))
                continue
            item = QListWidgetItem(safe_display_name(path.name))
            item.setToolTip(safe_display_name(str(path)))
            item.setData(PATH_ROLE, str(path))
            self.files.addItem(item)
            present.add(path)
        if refused:
            self.problem.show_problem("\n".join(refused))
        else:
            self.problem.clear_problem()
        self.edited.emit()

    def remove_selected(self) -> None:
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))
        self.edited.emit()

    def paths(self) -> list[Path]:
        return [Path(self.files.item(i).data(PATH_ROLE)) for i in range(self.files.count())]

    def focus_chain(self) -> list[QWidget]:
        return [self.files, self.add_button, self.remove_button]
