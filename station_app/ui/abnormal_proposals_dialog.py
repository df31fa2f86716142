"""异常名录建议: the online shops to propose for the abnormal operations list, each with the
cases in which it could not be reached, and their export to .xlsx for the credit department."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.abnormal_proposals import (
    MIN_UNREACHABLE_ATTEMPTS,
    Proposal,
    abnormal_list_proposals,
    reason_text,
    write_proposals_xlsx,
)
from station_app.domain import CaseStatus
from station_app.domain import label as enum_label
from station_app.i18n import _
from station_app.store import Store
from station_app.store.accounts import local_station
from station_app.ui.tasks import TaskRunner
from station_app.ui.window_fit import fit_window


def _status(value: str) -> str:
    try:
        return enum_label(CaseStatus(value))
    except (ValueError, KeyError):
        return value


class AbnormalProposalsDialog(QDialog):
    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Abnormal-list proposals"))
        self.tasks = tasks
        self.proposals: list[Proposal] = []
        self.station_name = ""
        intro = QLabel(
            _(
                "Online shops registered at a cluster address (or sharing their address) that "
                "could not be reached in a case: every one of at least {n} attempts to reach "
                "them failed. Shops already on the list are left out."
            ).format(n=MIN_UNREACHABLE_ATTEMPTS)
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(
            [_("Merchant / case"), _("Platform"), _("Registered address"), _("Why proposed"),
             _("Received"), _("Status"), _("Attempts"), _("Last attempt")]
        )  # fmt: skip
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((200, 70, 190, 270, 90, 90, 60)):
            self.tree.setColumnWidth(column, width)
        self.status = QLabel()
        self.status.setObjectName("proposalsStatus")
        self.status.setWordWrap(True)
        self.export_button = QPushButton(_("E&xport for the credit department…"))
        self.export_button.clicked.connect(self.choose_export_file)
        buttons = QDialogButtonBox()
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole).setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        fit_window(self, (1150, 560))
        self.reload()

    def reload(self) -> None:
        self.export_button.setEnabled(False)
        self.status.setText(_("Loading…"))

        def load(store: Store) -> tuple[list[Proposal], str]:
            return abnormal_list_proposals(store), local_station(store).name

        self.tasks.submit(load, success=self._loaded, owner=self, doing=_("listing proposals"))

    def _loaded(self, loaded: tuple[list[Proposal], str]) -> None:
        self.proposals, self.station_name = loaded
        self.tree.clear()
        for proposal in self.proposals:
            top = QTreeWidgetItem(
                [proposal.name, proposal.platform, proposal.address, reason_text(proposal)]
            )
            for case in proposal.cases:
                top.addChild(
                    QTreeWidgetItem(
                        [
                            case.case_no,
                            "",
                            "",
                            "",
                            case.received_on,
                            _status(case.status),
                            str(case.attempts),
                            case.last_attempt,
                        ]
                    )  # fmt: skip
                )
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
        cases = sum(len(p.cases) for p in self.proposals)
        if self.proposals:
            self.status.setText(
                _("{merchants} online shops to propose, {cases} cases.").format(
                    merchants=len(self.proposals), cases=cases
                )
            )
        else:
            self.status.setText(_("No online shop is to be proposed."))
        self.export_button.setEnabled(bool(self.proposals))
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.tree.setFocus()

    def choose_export_file(self) -> None:
        name = _("abnormal-list proposals {day}.xlsx").format(day=date.today().isoformat())
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export the proposals"), name, _("Excel workbook (*.xlsx)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        proposals, station_name = list(self.proposals), self.station_name

        def write(_store: Store) -> Path:
            write_proposals_xlsx(proposals, path, station_name=station_name, made_on=date.today())
            return path

        self.status.setText(_("Writing {path}…").format(path=path))
        self.tasks.submit(
            write,
            success=lambda done: self.status.setText(_("Written: {path}").format(path=done)),
            owner=self,
            doing=_("writing the proposals"),
        )
