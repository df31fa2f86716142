"""接入市局服务器: an administrator connects the station with the city office's server, with
the server's address, the one-time code the city office gave and, when the city office uses
its own certificates, its CA file. The enrolment runs on the network worker."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.i18n import _
from station_app.store import Store
from station_app.sync.enrolment import Enrolled, enrol
from station_app.ui.field_problem import ProblemLabel
from station_app.ui.sync_controller import SyncController
from station_app.ui.sync_words import failure_text
from station_app.ui.window_fit import fit_window


class EnrolDialog(QDialog):
    """Emits `enrolled(Enrolled)` and closes once the server took the code."""

    enrolled = Signal(object)

    def __init__(self, controller: SyncController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.busy = False
        self.result_value: Enrolled | None = None
        self.setWindowTitle(_("Connect to the city office's server"))
        intro = QLabel(
            _(
                "The city office gives each station a one-time enrolment code. Type the "
                "server's address and the code; the station's key is kept in this PC's "
                "password store, never in a file."
            )
        )
        intro.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://12315.city.gov.cn")
        self.code = QLineEdit()
        self.ca_file = QLineEdit()
        self.ca_file.setPlaceholderText(_("(not needed unless the city office says so)"))
        browse = QPushButton(_("&Browse…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(self.choose_ca_file)
        ca_row = QHBoxLayout()
        ca_row.setContentsMargins(0, 0, 0, 0)
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(_("Server &address"), self.url)
        form.addRow(_("One-time &code"), self.code)
        ca_label = QLabel(_("City office's CA &file"))
        ca_label.setBuddy(self.ca_file)
        form.addRow(ca_label, ca_row)
        self.problem = ProblemLabel()
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.connect_button = buttons.addButton(
            _("Connect"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.connect_button.setDefault(True)
        self.cancel_button = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setAutoDefault(False)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(buttons)
        fit_window(self, (620, 320))
        self.url.setFocus()

    def choose_ca_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("The city office's CA file"),
            "",
            _("Certificates (*.pem *.crt *.cer);;All files (*)"),
        )
        if path:
            self.ca_file.setText(path)

    def submit(self) -> None:
        if self.busy:
            return
        url = self.url.text().strip()
        code = self.code.text().strip()
        ca_file = self.ca_file.text().strip() or None
        if not url:
            self.problem.show_problem(
                _("Type the server's address, e.g. https://12315.city.gov.cn")
            )
            self.url.setFocus()
            return
        if not code:
            self.problem.show_problem(_("Type the one-time code the city office gave."))
            self.code.setFocus()
            return
        self.problem.clear_problem()
        self._set_busy(True)
        self.problem.setStyleSheet("")
        self.problem.setText(_("Contacting the server…"))
        self.problem.show()

        def run(store: Store) -> Enrolled:
            return enrol(store, url, code, ca_file=ca_file)

        self.controller.run_on_network(
            run,
            success=self._enrolled,
            failure=self._failed,
            owner=self,
            doing=_("connecting to the city office's server"),
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.connect_button.setEnabled(not busy)
        for field in (self.url, self.code, self.ca_file):
            field.setReadOnly(busy)

    def _enrolled(self, result: Enrolled) -> None:
        self._set_busy(False)
        self.result_value = result
        self.enrolled.emit(result)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.problem.show_problem(failure_text(error, enrolling=True))
