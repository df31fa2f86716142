"""商家 (the merchant registry): find a merchant by name, credit code or address; correct its
details; its abnormal-list status, designations, cases, and possible duplicates to merge."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from station_app import merchant_registry as reg
from station_app.domain import CaseKind, CaseStatus, User
from station_app.domain import label as enum_label
from station_app.i18n import N_, _
from station_app.store import Store
from station_app.ui.form_widgets import read_only_table
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window

SEARCH_DELAY_MS = 250
_DETAIL_KEYS = ("name", "uscc", "legal_rep", "address", "phone", "platform", "shop_url")


_FIELD_CAPTIONS = {
    "name": N_("Merchant name"),
    "uscc": N_("Credit code"),
    "legal_rep": N_("Legal representative"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "platform": N_("Online platform"),
    "shop_url": N_("Shop link"),
    "cluster_registered": N_("Registered at a cluster address (online shop)"),
    "abnormal_listed": N_("On the abnormal operations list"),
    "abnormal_since": N_("Listed since"),
    "abnormal_note": N_("Reason for listing"),
    "designations": N_("Designation"),
    "merged_into": N_("Merged into"),
    "merged_from": N_("Merged from"),
    "deleted": N_("Removed from the registry"),
}


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))


def _enum_text(enum, value: str) -> str:
    try:
        return enum_label(enum(value))
    except ValueError:
        return value


class MerchantsDialog(QDialog):
    def __init__(self, tasks: TaskRunner, user: User, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Merchants"))
        self.tasks = tasks
        self.user = user
        self.entries: list[reg.RegistryEntry] = []
        self.current: reg.RegistryEntry | None = None
        self.duplicates: list[reg.RegistryEntry] = []
        self.confirm_box: QMessageBox | None = None

        # ------------------------------------------------------------ the list
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Name, credit code or address"))
        self.search.setClearButtonEnabled(True)
        self.list = read_only_table(
            [_("Merchant name"), _("Credit code"), _("Address"), _("Cases"), _("Open cases")]
        )
        for column, width in enumerate((170, 150, 110, 45)):
            self.list.setColumnWidth(column, width)
        self.new_button = QPushButton(_("&New merchant"))
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        search_label = QLabel(_("&Find:"))
        search_label.setBuddy(self.search)
        row = QHBoxLayout()
        row.addWidget(search_label)
        row.addWidget(self.search, 1)
        row.addWidget(self.new_button)
        left_layout.addLayout(row)
        left_layout.addWidget(self.list, 1)
        self.proposals_button = QPushButton(_("Abnormal-list &proposals…"))
        self.proposals_button.clicked.connect(self.open_proposals)
        left_layout.addWidget(self.proposals_button)

        # ------------------------------------------------------------ details
        self.edits: dict[str, QLineEdit] = {key: QLineEdit() for key in _DETAIL_KEYS}
        self.cluster = QCheckBox(_("Registered at a cluster address (online shop)"))
        self.abnormal = QCheckBox(_("On the abnormal operations list"))
        self.abnormal_since = QLineEdit()
        self.abnormal_since.setPlaceholderText("2026-03-15")
        self.abnormal_note = QLineEdit()
        self.save_button = QPushButton(_("&Save changes"))
        details = QWidget()
        form = QFormLayout(details)
        for key, caption in (
            ("name", _("Merchant name")),
            ("uscc", _("Credit code")),
            ("legal_rep", _("Legal representative")),
            ("address", _("Address")),
            ("phone", _("Phone")),
            ("platform", _("Online platform")),
            ("shop_url", _("Shop link")),
        ):
            form.addRow(caption, self.edits[key])
        form.addRow("", self.cluster)
        form.addRow("", self.abnormal)
        form.addRow(_("Listed since"), self.abnormal_since)
        form.addRow(_("Reason for listing"), self.abnormal_note)
        form.addRow("", self.save_button)

        # ------------------------------------------------------------ designations
        self.designations = read_only_table([_("Designation"), _("Granted on"), _("Valid until"),
                                    _("Revoked")])  # fmt: skip
        self.designations.setColumnWidth(0, 170)
        self.kind = QComboBox()
        for key, text in reg.DESIGNATION_KINDS.items():
            self.kind.addItem(_(text), key)
        self.granted = QLineEdit()
        self.granted.setPlaceholderText(_("Granted on") + " 2026-01-01")
        self.until = QLineEdit()
        self.until.setPlaceholderText(_("Valid until"))
        self.add_designation_button = QPushButton(_("&Add"))
        self.revoke_reason = QLineEdit()
        self.revoke_reason.setPlaceholderText(_("Reason for revoking the selected designation"))
        self.revoke_button = QPushButton(_("&Revoke"))
        designations = QWidget()
        d_layout = QVBoxLayout(designations)
        d_layout.addWidget(self.designations, 1)
        add_row = QHBoxLayout()
        for widget in (self.kind, self.granted, self.until, self.add_designation_button):
            add_row.addWidget(widget)
        d_layout.addLayout(add_row)
        revoke_row = QHBoxLayout()
        revoke_row.addWidget(self.revoke_reason, 1)
        revoke_row.addWidget(self.revoke_button)
        d_layout.addLayout(revoke_row)

        # ------------------------------------------------------------ cases
        self.cases = read_only_table([_("Case number"), _("Received"), _("Kind"), _("Status"),
                             _("Request")])  # fmt: skip
        self.cases.setColumnWidth(0, 150)
        self.cases.setColumnWidth(1, 120)

        # ------------------------------------------------------------ duplicates
        self.duplicate_list = read_only_table(
            [_("Merchant name"), _("Credit code"), _("Address"), _("Cases")]
        )
        self.duplicate_list.setColumnWidth(0, 200)
        self.duplicate_list.setColumnWidth(1, 150)
        self.merge_button = QPushButton(_("&Merge the selected one into this merchant"))
        duplicates = QWidget()
        dup_layout = QVBoxLayout(duplicates)
        dup_layout.addWidget(
            QLabel(
                _(
                    "Entries with the same credit code, or a name that differs only in spaces "
                    "or brackets:"
                )
            )  # fmt: skip
        )
        dup_layout.addWidget(self.duplicate_list, 1)
        dup_layout.addWidget(self.merge_button)

        self.tabs = QTabWidget()
        self.tabs.addTab(details, _("&Details"))
        self.tabs.addTab(designations, _("Desi&gnations"))
        self.tabs.addTab(self.cases, _("&Cases"))
        self.tabs.addTab(duplicates, _("D&uplicates"))
        self.changes = read_only_table(
            [_("When (UTC)"), _("Who"), _("Field"), _("Old value"), _("New value")]
        )
        self.changes.setColumnWidth(0, 150)
        self.tabs.addTab(self.changes, _("C&hanges"))
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: bold;")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.tabs, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([560, 640])
        self.message = QLabel()
        self.message.setObjectName("merchantMessage")
        self.message.setWordWrap(True)
        self.close_button = QPushButton(_("Close"))
        self.close_button.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textEdited.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self.refresh)
        self.list.itemSelectionChanged.connect(self._selected)
        self.new_button.clicked.connect(self._new)
        self.save_button.clicked.connect(self.save)
        self.add_designation_button.clicked.connect(self.add_designation)
        self.revoke_button.clicked.connect(self.revoke_designation)
        self.merge_button.clicked.connect(self.ask_merge)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.search.setFocus)
        self._set_enabled(False)
        fit_window(self, (1200, 640))
        self.search.setFocus()
        self.refresh()

    def open_proposals(self):  # noqa: ANN201
        """The online shops to propose for the abnormal operations list (their own window)."""
        from station_app.ui.abnormal_proposals_dialog import AbnormalProposalsDialog

        self.proposals_dialog = AbnormalProposalsDialog(self.tasks, self)
        self.proposals_dialog.show()
        return self.proposals_dialog

    # ---------------------------------------------------------------- helpers

    def _run(self, fn: Callable[[Store], object], done: Callable[[object], None],
             doing: str, write: bool = False) -> None:  # fmt: skip
        self.tasks.submit(
            fn,
            success=done,
            failure=self._failed,
            owner=self,
            doing=doing,
            changes=(Change.MERCHANTS, Change.CASES) if write else (),
        )

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, reg.RegistryRefused):
            self.say(_("Nothing was saved: {reason}").format(reason=error), problem=True)
        else:
            from station_app.ui.errors import show_error

            show_error(self, error, _("working on the merchant registry"))

    def say(self, text: str, problem: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if problem else "color: #1b5e20;")
        self.message.setText(text)

    def _set_enabled(self, enabled: bool) -> None:
        for index in range(self.tabs.count()):
            self.tabs.widget(index).setEnabled(enabled)

    # ---------------------------------------------------------------- list

    def refresh(self, select: str | None = None) -> None:
        text = self.search.text()
        keep = select or (self.current.merchant.id if self.current else None)

        def find(store: Store) -> list[reg.RegistryEntry]:
            return reg.search(store, text)

        self._run(find, lambda entries: self._show_list(entries, keep),
                  _("looking up merchants"))  # fmt: skip

    def _show_list(self, entries: list[reg.RegistryEntry], keep: str | None) -> None:
        self.entries = entries
        self.list.blockSignals(True)
        _fill(
            self.list,
            [
                [
                    e.merchant.name + ("  ⚠" if e.on_abnormal_list else ""),
                    e.merchant.uscc,
                    e.merchant.address,
                    str(e.cases),
                    str(e.open_cases),
                ]  # fmt: skip
                for e in entries
            ],
        )
        self.list.blockSignals(False)
        ids = [e.merchant.id for e in entries]
        if keep in ids:
            self.list.selectRow(ids.index(keep))
        elif self.current is not None and self.current.merchant.id not in ids:
            self.list.clearSelection()
        self._selected()

    def _selected(self) -> None:
        rows = self.list.selectionModel().selectedRows()
        if not rows:
            return
        merchant_id = self.entries[rows[0].row()].merchant.id
        self.load(merchant_id)

    def load(self, merchant_id: str) -> None:
        def read(store: Store):
            entry = reg.get_entry(store, merchant_id)
            return (
                entry,
                reg.history(store, merchant_id),
                reg.duplicates_of(store, merchant_id),
                reg.audit_trail(store, merchant_id),
            )

        self._run(read, self._show_entry, _("looking up merchants"))

    def _show_entry(self, loaded) -> None:
        entry, cases, duplicates, changes = loaded
        if entry is None:
            return
        self.current = entry
        self.duplicates = duplicates
        self._set_enabled(True)
        m = entry.merchant
        self.heading.setText(
            _("{name}: {cases} cases, {open} open").format(
                name=m.name, cases=entry.cases, open=entry.open_cases
            )
            + ("  ⚠ " + _("On the abnormal operations list") if entry.abnormal_listed else "")
            + (
                "  ⚠ "
                + _("On the city office's abnormal list since {since}").format(
                    since=entry.city_abnormal["since"] or "?"
                )
                if entry.city_abnormal is not None
                else ""
            )
        )
        for key, edit in self.edits.items():
            edit.setText(getattr(m, key))
        self.cluster.setChecked(m.cluster_registered)
        self.abnormal.setChecked(entry.abnormal_listed)
        self.abnormal_since.setText(entry.abnormal_since)
        self.abnormal_note.setText(entry.abnormal_note)
        _fill(
            self.designations,
            [
                [
                    _(reg.DESIGNATION_KINDS.get(d.kind, d.kind)),
                    d.granted,
                    d.until or "—",
                    f"{d.revoked} {d.reason}".strip() or "—",
                ]  # fmt: skip
                for d in entry.designations
            ]
            + [
                [
                    _(reg.DESIGNATION_KINDS.get(d.kind, d.kind)) + " " + _("(city office)"),
                    d.granted,
                    d.until or "—",
                    f"{d.revoked} {d.reason}".strip() or "—",
                ]  # fmt: skip
                for d in entry.city_designations
            ],
        )
        _fill(
            self.cases,
            [
                [
                    c["case_no"],
                    c["received_at"],
                    _enum_text(CaseKind, c["kind"]),
                    _enum_text(CaseStatus, c["status"]),
                    c["request"],
                ]  # fmt: skip
                for c in cases
            ],
        )
        _fill(
            self.duplicate_list,
            [
                [d.merchant.name, d.merchant.uscc, d.merchant.address, str(d.cases)]
                for d in duplicates
            ],  # fmt: skip
        )
        _fill(
            self.changes,
            [
                [
                    r["at"][:19].replace("T", " "),
                    r["actor"],
                    _(_FIELD_CAPTIONS.get(r["field"], r["field"])),
                    r["old_value"] or "",
                    r["new_value"] or "",
                ]  # fmt: skip
                for r in reversed(changes)
            ],
        )
        self.tabs.setTabText(3, _("D&uplicates ({n})").format(n=len(duplicates)))
        self.merge_button.setEnabled(bool(duplicates))

    # ---------------------------------------------------------------- writing

    def _new(self) -> None:
        self.current = None
        self.list.clearSelection()
        self._set_enabled(True)
        for edit in self.edits.values():
            edit.clear()
        self.cluster.setChecked(False)
        self.abnormal.setChecked(False)
        self.abnormal_since.clear()
        self.abnormal_note.clear()
        self.heading.setText(_("New merchant"))
        self.tabs.setCurrentIndex(0)
        for index in range(1, self.tabs.count()):
            self.tabs.widget(index).setEnabled(False)
        self.edits["name"].setFocus()

    def save(self) -> None:
        details = {key: edit.text() for key, edit in self.edits.items()}
        details["cluster_registered"] = self.cluster.isChecked()
        listed = self.abnormal.isChecked()
        since, note = self.abnormal_since.text(), self.abnormal_note.text()
        actor, station = self.user.username, self.user.station_code
        current = self.current

        def write(store: Store) -> str:
            if current is None:
                entry = reg.create(store, details, actor=actor, station_code=station)
            else:
                reg.check_details(details)  # all checked before anything is written
                entry = reg.edit(store, current.merchant.id, details, actor=actor,
                                 station_code=station)  # fmt: skip
            if listed != entry.abnormal_listed or (
                listed
                and (since.strip(), note.strip()) != (entry.abnormal_since, entry.abnormal_note)
            ):
                reg.set_abnormal(store, entry.merchant.id, listed, since=since, note=note,
                                 actor=actor, station_code=station)  # fmt: skip
            return entry.merchant.id

        self._run(write, self._saved, _("saving the merchant"), write=True)

    def _saved(self, merchant_id: str) -> None:
        self.say(_("Saved."))
        self.refresh(select=merchant_id)
        self.load(merchant_id)

    def add_designation(self) -> None:
        if self.current is None:
            return
        merchant_id = self.current.merchant.id
        kind, granted, until = self.kind.currentData(), self.granted.text(), self.until.text()
        actor, station = self.user.username, self.user.station_code

        def write(store: Store) -> str:
            reg.add_designation(store, merchant_id, kind, granted, until, actor=actor,
                                station_code=station)  # fmt: skip
            return merchant_id

        self._run(write, self._saved, _("saving the merchant"), write=True)

    def revoke_designation(self) -> None:
        if self.current is None:
            return
        rows = self.designations.selectionModel().selectedRows()
        if not rows:
            self.say(_("Select the designation to revoke."), problem=True)
            return
        merchant_id, index = self.current.merchant.id, rows[0].row()
        reason = self.revoke_reason.text()
        actor, station = self.user.username, self.user.station_code

        def write(store: Store) -> str:
            reg.revoke_designation(store, merchant_id, index, "", reason, actor=actor,
                                   station_code=station)  # fmt: skip
            return merchant_id

        self._run(write, self._saved, _("saving the merchant"), write=True)

    def ask_merge(self) -> None:
        rows = self.duplicate_list.selectionModel().selectedRows()
        if self.current is None or not rows:
            self.say(_("Select the duplicate to merge into this merchant."), problem=True)
            return
        other = self.duplicates[rows[0].row()]
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(_("Merge merchants"))
        box.setText(
            _(
                "Merge “{other}” into “{kept}”? Its {n} cases will be linked to “{kept}”, and "
                "“{other}” will leave the registry."
            ).format(other=other.merchant.name, kept=self.current.merchant.name, n=other.cases)
        )
        merge = box.addButton(_("&Merge"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(merge)
        self.confirm_box = box
        box.finished.connect(lambda _r: self._merge_answered(box, merge, other))
        box.open()

    def _merge_answered(self, box: QMessageBox, merge: QPushButton, other) -> None:
        self.confirm_box = None
        if box.clickedButton() is not merge or self.current is None:
            return
        keep_id, remove_id = self.current.merchant.id, other.merchant.id
        actor, station = self.user.username, self.user.station_code

        def write(store: Store) -> reg.MergeResult:
            return reg.merge(store, keep_id, remove_id, actor=actor, station_code=station)

        def done(result: reg.MergeResult) -> None:
            self.say(_("Merged: {n} cases moved.").format(n=result.cases_moved))
            self.refresh(select=keep_id)
            self.load(keep_id)

        self._run(write, done, _("merging merchants"), write=True)
