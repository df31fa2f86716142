"""The audit log of one case: who (by name) changed which field, in words (old → new), and who
saw full numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import CaseStatus
from station_app.domain import label as enum_label
from station_app.i18n import N_, _
from station_app.store import Store
from station_app.store.audit import AuditEntry, audit_entries
from station_app.store.people import display_names
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window
from station_app.validation import mask_id_number, mask_phone

# Long values (facts, JSON details) are cut in the table; the tooltip holds the whole text.
CELL_CHARS = 80


# The audited tables and their columns (store.migrations.AUDITED_TABLES) in words. A column
# not listed here (one added later) is shown as it is stored.
TABLE_LABELS = {
    "cases": N_("Case"),
    "parties": N_("Party"),
    "agreements": N_("Agreement"),
    "merchants": N_("Merchant"),
    "conflict_resolutions": N_("Conflict review"),
}
COMMON_FIELD_LABELS = {
    "*": N_("Whole record"),
    "id": N_("Record id"),
    "owner_station": N_("Owner station"),
    "created_at": N_("Created at"),
    "deleted": N_("Deleted"),
}
FIELD_LABELS: dict[str, dict[str, str]] = {
    "cases": {
        "case_no": N_("Case number"),
        "kind": N_("Case type"),
        "channel": N_("How the case was received"),
        "status": N_("Status"),
        "received_at": N_("Date and time received"),
        "work_order_no": N_("12345 work order number"),
        "work_order_due": N_("Work order due date"),
        "merchant_id": N_("Merchant record"),
        "merchant_name": N_("Merchant"),
        "goods_or_service": N_("Goods or service"),
        "category": N_("Category"),
        "problem_nature": N_("Nature of the problem"),
        # not columns: the audit entries of a ledger import (store/ledger_imports.py)
        "ledger_import": N_("Imported from a ledger (file / sheet / row)"),
        "ledger_import_undone": N_("Ledger import undone"),
        "purchase_date": N_("Purchase date"),
        "purchase_place": N_("Place of purchase"),
        "amount_fen": N_("Amount involved (fen)"),
        "request": N_("What the consumer asks for"),
        "facts": N_("Facts and reasons"),
        "consent_publish": N_("Consent to publication"),
        "consent_mediation": N_("Consent to mediation"),
        "consent_entrusted": N_("Consent to entrusted handling"),
        "anonymous": N_("Anonymous report"),
        "created_by": N_("Registered by"),
        "accepted_on": N_("Accepted on"),
        "closed_on": N_("Closed on"),
        "amount_recovered_fen": N_("Amount recovered (fen)"),
        "dispatched_at": N_("Dispatched at"),
        "arrived_at": N_("Arrived at"),
        "promise_minutes": N_("Promised minutes"),
        "merged_into": N_("Merged into"),
        "report_extended": N_("Report deadline extended"),
        "escalated_from": N_("Escalated from"),
    },
    "parties": {
        "case_id": N_("Case record"),
        "role": N_("Party role"),
        "position": N_("Order"),
        "name": N_("Name"),
        "gender": N_("Gender"),
        "phone": N_("Phone number"),
        "address": N_("Address"),
        "id_type": N_("ID type"),
        "id_number": N_("ID number"),
        "claimed_fen": N_("Claimed (fen)"),
        "recovered_fen": N_("Recovered (fen)"),
        "representative": N_("Representative"),
    },
    "merchants": {
        "name": N_("Name"),
        "uscc": N_("Unified social credit code"),
        "legal_rep": N_("Legal representative"),
        "address": N_("Address"),
        "phone": N_("Phone number"),
        "platform": N_("Online platform"),
        "shop_url": N_("Shop link"),
        "cluster_registered": N_("Registered at a cluster address"),
    },
    "agreements": {
        "case_id": N_("Case record"),
        "agreed_on": N_("Agreed on"),
        "performed_on_spot": N_("Performed on the spot"),
        "terms": N_("Terms"),
        "amount_recovered_fen": N_("Amount recovered (fen)"),
        "performance_due": N_("Performance due"),
        "performed_on": N_("Performed on"),
        "judicial_applied_on": N_("Judicial confirmation applied for on"),
        "judicial_confirmed_on": N_("Judicially confirmed on"),
        "court_name": N_("Court"),
        "court_transfer_on": N_("Transferred to court filing on"),
    },
}


def table_label(table: str) -> str:
    return _(TABLE_LABELS[table]) if table in TABLE_LABELS else table


def field_label(table: str, field: str) -> str:
    """The column in words, e.g. cases.accepted_on → "Accepted on"; unknown ones as stored."""
    label = FIELD_LABELS.get(table, {}).get(field) or COMMON_FIELD_LABELS.get(field)
    return _(label) if label else field


def who_text(username: str, names: dict[str, str]) -> str:
    """ "管理员 (admin)" when the user is known, else the username."""
    display = names.get(username)
    if not display or display == username:
        return username
    return _("{name} ({username})").format(name=display, username=username)


def _short(value: str | None) -> str:
    if value is None:
        return "—"
    return value if len(value) <= CELL_CHARS else value[:CELL_CHARS] + "…"


_MASKS = {"phone": mask_phone, "id_number": mask_id_number}


def _value_text(entry: AuditEntry, value: str | None, reveal: bool = False) -> str:
    """A status is shown by its name; a phone or ID number masked unless `reveal` (the case's
    full numbers were shown, and logged, to a user who may see them); other values as stored."""
    if entry.field in _MASKS and value and not reveal:
        return _short(_MASKS[entry.field](value))
    if entry.field == "status" and value:
        try:
            return enum_label(CaseStatus(value))
        except ValueError:
            pass
    return _short(value)


def entry_kind(entry: AuditEntry) -> str:
    if entry.kind == "reveal":
        return _("Full number shown")
    if entry.old_value is None and entry.new_value is not None:
        return _("Added")
    if entry.new_value is None and entry.old_value is not None:
        return _("Removed")
    return _("Changed")


class AuditDialog(QDialog):
    """Loads the case's audit rows on the worker; reloads after every change."""

    HEADERS = (
        N_("When (UTC)"),
        N_("Who"),
        N_("What"),
        N_("Table"),
        N_("Field"),
        N_("Old value"),
        N_("New value"),
    )

    def __init__(
        self,
        tasks: TaskRunner,
        case_id: str,
        case_no: str,
        parent: QWidget | None = None,
        *,
        reveal: bool = False,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.case_id = case_id
        self.reveal = reveal  # phones and ID numbers in full (the reveal was logged)
        self.entries: list[AuditEntry] | None = None
        self.names: dict[str, str] = {}
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(_("Audit log of {case}").format(case=case_no))
        fit_window(self, (900, 480))
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels([_(h) for h in self.HEADERS])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count = QLabel(_("Loading…"))
        buttons = QDialogButtonBox()
        buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        tasks.changes.changed.connect(self._data_changed)
        self.reload()

    def reload(self) -> None:
        case_id = self.case_id

        def load(store: Store) -> tuple[list[AuditEntry], dict[str, str]]:
            entries = audit_entries(store, case_id)
            return entries, display_names(store, {entry.actor for entry in entries})

        self.tasks.submit(load, success=self._loaded, owner=self, doing=_("reading the audit log"))

    def _data_changed(self, what: frozenset[Change]) -> None:
        if Change.CASES in what or Change.EVIDENCE in what:
            self.reload()

    def _loaded(self, loaded: tuple[list[AuditEntry], dict[str, str]]) -> None:
        entries, self.names = loaded
        self.entries = entries
        self.count.setText(_("{n} entries, oldest first").format(n=len(entries)))
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            cells = (
                entry.at[:19].replace("T", " "),
                who_text(entry.actor, self.names),
                entry_kind(entry),
                table_label(entry.table_name),
                field_label(entry.table_name, entry.field),
                _value_text(entry, entry.old_value, self.reveal),
                _value_text(entry, entry.new_value, self.reveal),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 4:
                    item.setToolTip(f"{entry.table_name}.{entry.field}")
                if column == 5 and entry.old_value:
                    item.setToolTip(entry.old_value)
                if column == 6 and entry.new_value:
                    item.setToolTip(entry.new_value)
                self.table.setItem(row, column, item)
        self.table.scrollToBottom()
