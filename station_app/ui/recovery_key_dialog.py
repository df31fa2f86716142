"""The data folder's recovery key on screen: shown once after setup for the administrator to
write down or print, and asked for at start-up when this PC's password store has no key for the
folder (a folder copied from another PC, a lost password store)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.data_key import DataKeyProblem, restore_folder_key
from station_app.i18n import _
from station_app.ui.field_problem import ProblemLabel
from station_app.ui.window_fit import fit_window


def _key_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(max(font.pointSize(), 10) + 4)
    return font


class RecoveryKeyNotice(QDialog):
    """After setup: the recovery key, once, with the step of writing it down or printing it.
    Continue is enabled only once the administrator says it is written down."""

    def __init__(self, recovery: str, station_name: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.recovery = recovery
        self.station_name = station_name
        self.setWindowTitle(_("Write down the recovery key"))
        self.setMinimumWidth(560)
        intro = QLabel(
            _(
                "The station's data is encrypted on this PC. Its key is kept in this PC's "
                "password store. Write the recovery key below on paper, or print it, and keep "
                "the paper locked away from the PC: without it the data cannot be opened on "
                "another PC or after the password store is lost. It is shown only now; an "
                "administrator can show it again with `station-app key show`."
            )
        )
        intro.setWordWrap(True)
        self.key_label = QLabel(recovery)
        self.key_label.setFont(_key_font())
        self.key_label.setWordWrap(True)
        self.print_button = QPushButton(_("&Print…"))
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self._print)
        self.written_down = QCheckBox(_("I have written down or printed the recovery key"))
        self.buttons = QDialogButtonBox()
        self.continue_button = self.buttons.addButton(
            _("Continue"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.continue_button.setEnabled(False)
        self.written_down.toggled.connect(self.continue_button.setEnabled)
        self.buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.key_label)
        layout.addWidget(self.print_button)
        layout.addWidget(self.written_down)
        layout.addWidget(self.buttons)
        fit_window(self)

    def reject(self) -> None:
        """Esc and the close button do not skip the step: only Continue, once ticked."""

    def page_text(self) -> str:
        """What the printed page says."""
        return _(
            "Recovery key of the station's data folder\n{station}\n\n{key}\n\n"
            "Keep this paper locked away from the PC. An administrator enters the key when "
            "the app asks for it (`station-app key restore`)."
        ).format(station=self.station_name, key=self.recovery)

    def _print(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        document = QTextDocument()
        document.setDefaultFont(_key_font())
        document.setPlainText(self.page_text())
        document.print_(printer)


class RecoveryKeyPrompt(QDialog):
    """At start-up, before the login: the data folder's key is not in this PC's password store
    (or a wrong one is). The administrator types the recovery key; a mistyped one or another
    folder's is told in words and changes nothing."""

    def __init__(self, folder: Path, problem: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder = Path(folder)
        self.setWindowTitle(_("Enter the recovery key"))
        self.setMinimumWidth(560)
        explanation = QLabel(problem)
        explanation.setWordWrap(True)
        self.key_edit = QLineEdit()
        self.key_edit.setFont(_key_font())
        self.key_edit.setPlaceholderText(_("e.g. ABCD-EFGH-… as on the paper printed at setup"))
        self.problem = ProblemLabel()
        self.buttons = QDialogButtonBox()
        self.open_button = self.buttons.addButton(
            _("Open the data"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.open_button.setDefault(True)
        quit_button = self.buttons.addButton(_("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        quit_button.setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(QLabel(_("Recovery key")))
        layout.addWidget(self.key_edit)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        fit_window(self)
        self.key_edit.setFocus()

    def submit(self) -> None:
        text = self.key_edit.text().strip()
        if not text:
            self.problem.show_problem(_("Type the recovery key printed at setup."))
            return
        try:
            restore_folder_key(self.folder, text)
        except DataKeyProblem as problem:
            self.problem.show_problem(str(problem))
            self.key_edit.setFocus()
            return
        self.accept()
