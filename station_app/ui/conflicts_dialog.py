"""同步冲突 (sync conflicts): fields that this station and another changed at the same time.

Each row shows the case, the field, this station's value, the other station's value, which
station and when, and which station decides; the two values are shown whole below the list.
Only the owner station of a record decides (store.sync_review): a conflict recorded here
about another station's record is listed for information, its buttons disabled. The person keeps one: the
choice is written through the store as an ordinary edit of theirs, so it syncs to the city
office like any other (store.sync_review). Keyboard: arrows in the list, Alt+K / Alt+U.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import User
from station_app.i18n import _
from station_app.store import Store
from station_app.store.sync_review import (
    KEEP_LOCAL,
    KEEP_REMOTE,
    Conflict,
    open_conflicts,
    resolve_conflict,
)
from station_app.ui.audit_view import field_label, table_label
from station_app.ui.errors import show_error
from station_app.ui.form_widgets import read_only_table, read_only_text, selected_row
from station_app.ui.sync_words import when_text
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window


def value_text(value: Any) -> str:
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _column_titles() -> list[str]:
    return [
        _("Case"),
        _("Record"),
        _("Field"),
        _("This station's value"),
        _("Other station's value"),
        _("Other station"),
        _("Received"),
        _("In effect now"),
        _("Decided by"),
    ]


class ConflictsDialog(QDialog):
    """The open conflicts of this station, one choice at a time."""

    def __init__(self, tasks: TaskRunner, user: User, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self.conflicts: list[Conflict] = []
        self.busy = False
        self.setWindowTitle(_("Sync conflicts"))
        self.intro = QLabel(
            _(
                "Someone at another station changed the same field as this station before the "
                "two had synced. The value shown as in effect is the one in the record now; "
                "keep one of the two. Your choice is sent to the city office at the next sync."
            )
        )
        self.intro.setWordWrap(True)
        self.table = read_only_table(_column_titles(), (150, 70, 120, 170, 170, 90, 90, 90))
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.ours = read_only_text(110)
        self.theirs = read_only_text(110)
        self.ours_label = QLabel(_("This station's value"))
        self.theirs_label = QLabel(_("Other station's value"))
        values = QGridLayout()
        values.addWidget(self.ours_label, 0, 0)
        values.addWidget(self.theirs_label, 0, 1)
        values.addWidget(self.ours, 1, 0)
        values.addWidget(self.theirs, 1, 1)
        self.empty = QLabel(_("There are no conflicts to review."))
        self.empty.hide()
        # A conflict of a record another station owns: shown, but decided there.
        self.not_ours = QLabel()
        self.not_ours.setWordWrap(True)
        self.not_ours.hide()

        buttons = QDialogButtonBox()
        self.keep_ours = QPushButton(_("&Keep this station's value"))
        self.keep_theirs = QPushButton(_("&Use the other station's value"))
        buttons.addButton(self.keep_ours, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.keep_theirs, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        for button in (self.keep_ours, self.keep_theirs, self.close_button):
            button.setAutoDefault(False)
        self.keep_ours.clicked.connect(lambda: self.resolve(KEEP_LOCAL))
        self.keep_theirs.clicked.connect(lambda: self.resolve(KEEP_REMOTE))
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(values)
        layout.addWidget(self.not_ours)
        layout.addWidget(buttons)
        fit_window(self, (1160, 620))
        self._enable()
        self.reload()

    # -- data ----------------------------------------------------------------------------------

    def reload(self) -> None:
        self.tasks.submit(
            open_conflicts, success=self._show, owner=self, doing=_("reading the sync conflicts")
        )

    def _show(self, conflicts: list[Conflict]) -> None:
        selected = self.current()
        self.conflicts = conflicts
        self.table.setRowCount(len(conflicts))
        for row, c in enumerate(conflicts):
            in_effect = (
                _("this station's")
                if c.current_value == c.local_value
                else _("the other station's")
                if c.current_value == c.remote_value
                else _("neither")
            )
            cells = (
                c.case_no or "",
                table_label(c.table),
                field_label(c.table, c.field),
                value_text(c.local_value),
                value_text(c.remote_value),
                c.remote_station,
                when_text(c.received_at),
                in_effect,
                _("this station")
                if c.reviewable
                else _("station {station}").format(station=c.owner_station or "?"),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text.replace("\n", " "))
                item.setToolTip(text)
                if not c.reviewable:
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, column, item)
        self.table.resizeColumnToContents(0)
        self.empty.setVisible(not conflicts)
        if conflicts:
            ids = [c.conflict_id for c in conflicts]
            row = ids.index(selected.conflict_id) if selected and selected.conflict_id in ids else 0
            self.table.selectRow(min(row, len(conflicts) - 1))
            self.table.setFocus()
        else:
            self.close_button.setFocus()
        self._selection_changed()

    def current(self) -> Conflict | None:
        row = selected_row(self.table, len(self.conflicts))
        return None if row is None else self.conflicts[row]

    def _selection_changed(self) -> None:
        c = self.current()
        self.ours.setPlainText("" if c is None else value_text(c.local_value))
        self.theirs.setPlainText("" if c is None else value_text(c.remote_value))
        self.theirs_label.setText(
            _("Other station's value")
            if c is None
            else _("Value of station {station}").format(station=c.remote_station)
        )
        foreign = c is not None and not c.reviewable
        self.not_ours.setVisible(foreign)
        if foreign:
            self.not_ours.setText(
                _(
                    "Station {owner} owns this record, so it decides this conflict; its value "
                    "is in effect. Your value is kept at the city office for its review: "
                    "nothing to do here (call station {owner} if it matters)."
                ).format(owner=c.owner_station or "?")
            )
        self._enable()

    def _enable(self) -> None:
        c = self.current()
        ready = c is not None and c.reviewable and not self.busy
        self.keep_ours.setEnabled(ready)
        self.keep_theirs.setEnabled(ready)

    # -- choosing ------------------------------------------------------------------------------

    def resolve(self, keep: str) -> None:
        c = self.current()
        if c is None or not c.reviewable or self.busy:
            return
        actor = self.user.username
        conflict_id = c.conflict_id

        def run(store: Store) -> bool:
            return resolve_conflict(store, conflict_id, keep, actor=actor)

        def failed(error: BaseException) -> None:
            self.busy = False
            self._enable()
            show_error(self, error, _("resolving the sync conflict"))
            self.reload()

        def done(_changed: bool) -> None:
            self.busy = False
            self.reload()

        self.busy = True
        self._enable()
        self.tasks.submit(
            run,
            success=done,
            failure=failed,
            changes=set(Change),
            owner=self,
            doing=_("resolving the sync conflict"),
        )

    def keyPressEvent(self, event) -> None:  # noqa: ANN001 - QKeyEvent
        # Enter in the list must not close the dialog (there is no default button).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)
