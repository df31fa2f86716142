"""One case: its workflow (deadlines, allowed actions, timeline) over its registration data
(parties with phones and IDs masked until revealed, merchant, facts) and evidence files."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from station_app.account_rules import full_numbers_refused, may_see_full_numbers
from station_app.case_actions import case_record
from station_app.case_json import CaseRecord
from station_app.domain import Case, CaseKind, CaseStatus, Evidence, Party, Role, Station, User
from station_app.domain import label as enum_label
from station_app.evidence_files import copy_out as copy_evidence_out
from station_app.evidence_files import safe_display_name
from station_app.flags import Flag, case_flags
from station_app.i18n import _
from station_app.joint_members import (
    JointComplaintRefused,
    JointTotals,
    MemberSheetRejected,
    elect_representatives,
    import_members,
    joint_totals,
    members_of,
    parse_member_sheet,
)
from station_app.money import format_yuan
from station_app.store import Store
from station_app.store.accounts import local_station
from station_app.store.audit import log_reveal
from station_app.store.case_list import case_rows
from station_app.store.cases import get_case
from station_app.store.joint_members import StoredMember
from station_app.ui.action_dialog import ActionDialog, initial_values
from station_app.ui.audit_view import AuditDialog
from station_app.ui.case_edit_dialog import CaseEditDialog
from station_app.ui.case_timeline import deadlines_box, person_text, timeline_box
from station_app.ui.documents_dialog import DocumentsDialog
from station_app.ui.errors import show_error
from station_app.ui.field_problem import WARNING_COLOUR
from station_app.ui.joint_members_box import ElectDialog, FlagsBox, ProblemsDialog, members_box
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window
from station_app.validation import mask_id_number, mask_phone
from station_app.workflow import (
    OPEN_COMPLAINT,
    Action,
    CaseState,
    action_label,
    allowed_actions,
    ownership_refusal,
)

_opened_dir: Path | None = None


def _opened_files_dir() -> Path:
    """A private temporary folder for opened evidence copies, removed when the program ends."""
    global _opened_dir
    if _opened_dir is None:
        _opened_dir = Path(tempfile.mkdtemp(prefix="station-evidence-"))
        atexit.register(shutil.rmtree, _opened_dir, ignore_errors=True)
    return _opened_dir


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _value_label(text: str) -> QLabel:
    value = QLabel(text if text else "—")
    value.setWordWrap(True)
    value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return value


def _section(title: str, rows: list[tuple[str, str]], caption_width: int) -> QGroupBox:
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    for caption, text in rows:
        caption_label = QLabel(caption)
        caption_label.setMinimumWidth(caption_width)
        form.addRow(caption_label, _value_label(text))
    return box


def _person_rows(person: Party, reveal: bool = False) -> list[tuple[str, str]]:
    rows = [
        (_("Name"), person.name),
        (_("Gender"), enum_label(person.gender) if person.gender.value else ""),
        (_("Phone"), person.phone if reveal else mask_phone(person.phone)),
        (_("Address"), person.address),
    ]
    if person.id_number:
        number = person.id_number if reveal else mask_id_number(person.id_number)
        rows.append((enum_label(person.id_type), number))
    return rows


Section = tuple[str, list[tuple[str, str]]]


# From this many complainants on, the members table lists them instead of a section each.
JOINT_TABLE_FROM = 3


def case_sections(case: Case, reveal: bool = False, complainants: bool = True) -> list[Section]:
    """The case as titled sections of (caption, text) rows; phones and IDs masked unless
    `reveal` (after the reveal was logged); without `complainants`, no section per
    complainant (a joint complaint's members table lists them)."""
    basics = [
        (_("Received"), case.received_at.strftime("%Y-%m-%d %H:%M")),
        (_("Registered by"), person_text(case.created_by)),
    ]
    if case.work_order_no or case.work_order_due:
        basics.append((_("12345 work order number"), case.work_order_no))
        due = case.work_order_due.isoformat() if case.work_order_due else ""
        basics.append((_("Work order due date"), due))
    if case.anonymous:
        basics.append((_("Anonymous report"), _("Yes")))
    sections: list[Section] = [(_("Case"), basics)]
    for number, person in enumerate(case.complainants if complainants else [], start=1):
        sections.append((_("Complainant {n}").format(n=number), _person_rows(person, reveal)))
    if case.agent is not None:
        sections.append((_("Agent"), _person_rows(case.agent, reveal)))
    merchant = case.merchant
    if merchant is not None:
        rows = [
            (_("Name"), merchant.name),
            (_("Credit code"), merchant.uscc),
            (_("Legal representative"), merchant.legal_rep),
            (_("Address"), merchant.address),
            (_("Phone"), merchant.phone),
        ]
        if merchant.platform or merchant.shop_url:
            rows += [(_("Online platform"), merchant.platform), (_("Shop link"), merchant.shop_url)]
        rows.append((_("Registered at a cluster address"), _yes_no(merchant.cluster_registered)))
        sections.append((_("Merchant"), rows))
    goods = enum_label(case.goods_or_service) if case.goods_or_service else ""
    purchase_date = case.purchase_date.isoformat() if case.purchase_date else ""
    sections += [
        (
            _("Purchase"),
            [
                (_("Goods or service"), goods),
                (_("Category"), case.category),
                (_("Nature of the problem"), case.problem_nature),
                (_("Purchase date"), purchase_date),
                (_("Place of purchase"), case.purchase_place),
                (_("Amount (yuan)"), format_yuan(case.amount)),
            ],
        ),
        (
            _("Request and facts"),
            [(_("Request"), case.request), (_("Facts and reasons"), case.facts)],
        ),
        (
            _("Consents"),
            [
                (_("Consents to publication"), _yes_no(case.consent_publish)),
                (_("Consents to mediation"), _yes_no(case.consent_mediation)),
                (_("Entrusts the consumer association"), _yes_no(case.consent_entrusted)),
            ],
        ),
    ]
    return sections


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return _("{size} MB").format(size=round(size / 1048576, 1))
    return _("{size} KB").format(size=max(1, round(size / 1024)))


@dataclass
class CaseView:
    """Everything the detail shows, read in one task on the worker."""

    case: Case
    record: CaseRecord
    station: Station
    today: date
    flags: list[Flag] = field(default_factory=list)
    members: list[StoredMember] = field(default_factory=list)
    totals: JointTotals | None = None

    @property
    def owner_station(self) -> str:
        return self.record.workflow.get("owner_station") or self.case.owner_station

    @property
    def escalated_away(self) -> bool:
        return self.owner_station != self.station.code

    def state(self) -> CaseState:
        status = CaseStatus(self.record.workflow.get("status") or self.case.status)
        return CaseState(CaseKind(self.case.kind), status, self.owner_station)


def load_case_view(store: Store, key: str) -> CaseView | None:
    """The case with this number or id, its workflow record and this PC's station."""
    case = get_case(store, key)
    if case is None:
        return None
    record = case_record(store, case.id)
    if record is None:
        return None
    view = CaseView(case, record, local_station(store), date.today())
    view.flags = case_flags(store, case.id)
    if case.kind == CaseKind.COMPLAINT:
        view.members = members_of(store, case.id)
        view.totals = joint_totals(store, case.id)
    return view


ACTION_COLUMNS = 3


class CaseDetailView(QWidget):
    """Loads a case on the worker and lays it out; reloads when the data changes.

    With a `user`, the view offers the workflow actions that user may take on the case now
    (workflow.allowed_actions), each opening an ActionDialog.
    """

    case_loaded = Signal(object)  # the Case shown

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None, user: User | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self.case: Case | None = None
        self.view: CaseView | None = None
        self.revealed = False
        self.action_buttons: dict[Action, QPushButton] = {}
        self.action_dialog: ActionDialog | None = None
        self.audit_dialog: AuditDialog | None = None
        self.documents_dialog: DocumentsDialog | None = None
        self.edit_dialog: CaseEditDialog | None = None
        self.elect_dialog: ElectDialog | None = None
        self.problems_dialog: ProblemsDialog | None = None
        self._key: str | None = None
        self._generation = 0
        self.banner = QLabel()
        self.banner.setObjectName("escalated-banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            f"background: #fff3e0; color: {WARNING_COLOUR}; padding: 6px; font-weight: bold;"
        )
        self.banner.hide()
        self.flags_box = FlagsBox()
        self.actions_box = QGroupBox(_("Next steps"))
        self.actions_grid = QGridLayout(self.actions_box)
        self.actions_box.hide()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.message = QLabel(_("Loading…"))
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.flags_box)
        layout.addWidget(self.actions_box)
        layout.addWidget(self.scroll, 1)
        tasks.changes.changed.connect(self._data_changed)

    def show_case(self, key: str) -> None:
        """Show the case with this number or id."""
        self._key = key
        self._load(lambda store: load_case_view(store, key))

    def show_local_id(self, local_id: int) -> None:
        """Show the case on this row of the list (its number is looked up on the worker)."""

        def load(store: Store) -> CaseView | None:
            rows = case_rows(store, [local_id])
            return load_case_view(store, rows[local_id].case_no) if local_id in rows else None

        self._load(load)

    def _load(self, fn) -> None:
        self._generation += 1
        generation = self._generation
        self.tasks.submit(
            fn,
            success=lambda view: self._loaded(generation, view),
            owner=self,
            doing=_("opening the case"),
        )

    def _loaded(self, generation: int, view: CaseView | None) -> None:
        if generation != self._generation:
            return
        if view is None:
            self.case = None
            self.view = None
            self.banner.hide()
            self.flags_box.set_flags([])
            self.actions_box.hide()
            self.message = QLabel(_("This case no longer exists."))
            self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.scroll.setWidget(self.message)
            return
        self.view = view
        self.case = view.case
        self._key = view.case.id
        self._show_banner(view)
        self.flags_box.set_flags(view.flags)
        self._make_action_buttons(view)
        self.scroll.setWidget(self._build(view))
        self.case_loaded.emit(view.case)

    def _data_changed(self, what: frozenset[Change]) -> None:
        if self._key and (Change.CASES in what or Change.EVIDENCE in what):
            self.show_case(self._key)

    # ---------------------------------------------------------------- workflow

    def _show_banner(self, view: CaseView) -> None:
        if view.escalated_away:
            self.banner.setText(
                _(
                    "This case was escalated to station {owner} and belongs to it now. "
                    "This station sees it read-only."
                ).format(owner=view.owner_station)
            )
            self.banner.show()
        else:
            self.banner.hide()

    def allowed(self) -> list[Action]:
        """The actions the logged-in user may take on the shown case now."""
        if self.view is None or self.user is None:
            return []
        return allowed_actions(
            self.view.state(), role=self.user.role, station_code=self.view.station.code
        )

    def _make_action_buttons(self, view: CaseView) -> None:
        while self.actions_grid.count():
            item = self.actions_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.action_buttons = {}
        actions = self.allowed()
        for index, action in enumerate(actions):
            button = QPushButton(action_label(action))
            button.setObjectName(f"action-{action.value}")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, a=action: self.open_action(a))
            self.action_buttons[action] = button
            self.actions_grid.addWidget(button, index // ACTION_COLUMNS, index % ACTION_COLUMNS)
        row = (len(actions) + ACTION_COLUMNS - 1) // ACTION_COLUMNS
        if not actions:
            none = QLabel(_("No step can be taken on this case now."))
            self.actions_grid.addWidget(none, 0, 0, 1, ACTION_COLUMNS)
            row = 1
        tools = QHBoxLayout()
        self.audit_button = QPushButton(_("Audit log"))
        self.audit_button.setAutoDefault(False)
        self.audit_button.setToolTip(_("Who changed what in this case, and who saw full numbers"))
        self.audit_button.clicked.connect(self.open_audit)
        tools.addWidget(self.audit_button)
        self.correct_button = QPushButton(_("Correct…"))
        self.correct_button.setObjectName("correct-case")
        self.correct_button.setAutoDefault(False)
        self.correct_button.setToolTip(
            _("Correct the registration data (parties, merchant, amounts, request, facts)")
        )
        self.correct_button.clicked.connect(self.open_correction)
        self.correct_button.setEnabled(self.may_correct())
        tools.addWidget(self.correct_button)
        self.documents_button = QPushButton(_("Documents…"))
        self.documents_button.setAutoDefault(False)
        self.documents_button.setToolTip(_("Preview, print and save the case's documents"))
        self.documents_button.clicked.connect(self.open_documents)
        self.documents_button.setEnabled(self.user is not None)
        tools.addWidget(self.documents_button)
        self.reveal_button = QPushButton(_("Show full ID and phone numbers"))
        self.reveal_button.setAutoDefault(False)
        self.reveal_button.setToolTip(_("Each time the full numbers are shown, it is logged"))
        self.reveal_button.clicked.connect(self.reveal)
        has_numbers = any(p.id_number or p.phone for p in self._people(view.case))
        allowed = may_see_full_numbers(self.user)
        if not allowed:
            self.reveal_button.setToolTip(full_numbers_refused())
        self.reveal_button.setEnabled(has_numbers and allowed and not self.revealed)
        tools.addWidget(self.reveal_button)
        tools.addStretch(1)
        holder = QWidget()
        holder.setLayout(tools)
        tools.setContentsMargins(0, 0, 0, 0)
        self.actions_grid.addWidget(holder, row, 0, 1, ACTION_COLUMNS)
        self.actions_box.show()

    @staticmethod
    def _people(case: Case) -> list[Party]:
        return [*case.complainants, *([case.agent] if case.agent else [])]

    def open_action(self, action: Action) -> ActionDialog | None:
        """Open the dialog of an allowed action (one at a time per case)."""
        if self.view is None or self.user is None:
            return None
        if self.action_dialog is not None:
            self.action_dialog.close()
        dialog = ActionDialog(
            self.tasks,
            user=self.user,
            station_code=self.view.station.code,
            case_key=self.view.case.case_no,
            action=action,
            parent_station=self.view.station.parent_code,
            complainants=[p.name for p in self.view.case.complainants],
            initial=initial_values(action, self.view.record),
            parent=self,
            received_on=self.view.case.received_at.date(),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "action_dialog", None))
        dialog.done_with.connect(self._action_taken)
        self.action_dialog = dialog
        dialog.open()
        return dialog

    def _action_taken(self, result) -> None:
        if result.step_warnings:
            from PySide6.QtWidgets import QMessageBox

            box = QMessageBox(
                QMessageBox.Icon.Information,
                _("Saved"),
                "\n".join([_("The step was saved. Please note:"), *result.step_warnings]),
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def may_correct(self) -> bool:
        """Whether the logged-in user may correct the shown case (one its station owns)."""
        if self.view is None or self.user is None:
            return False
        refusal = ownership_refusal(
            self.view.owner_station, role=self.user.role, station_code=self.view.station.code
        )
        return refusal is None

    def open_correction(self) -> CaseEditDialog | None:
        """The intake form filled with the case, to correct it (one at a time per case)."""
        if not self.may_correct() or self.view is None or self.user is None:
            return None
        if self.edit_dialog is not None:
            self.edit_dialog.raise_()
            return self.edit_dialog
        dialog = CaseEditDialog(self.tasks, self.user, self.view.station.code, self.view.case, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "edit_dialog", None))
        self.edit_dialog = dialog
        dialog.open()
        return dialog

    def open_audit(self) -> AuditDialog | None:
        if self.view is None:
            return None
        if self.audit_dialog is None:
            self.audit_dialog = AuditDialog(
                self.tasks, self.view.case.id, self.view.case.case_no, self, reveal=self.revealed
            )
            self.audit_dialog.destroyed.connect(
                lambda _obj=None: setattr(self, "audit_dialog", None)
            )
        self.audit_dialog.show()
        self.audit_dialog.raise_()
        return self.audit_dialog

    def open_documents(self) -> DocumentsDialog | None:
        """The case's printed documents (one window per case view)."""
        if self.view is None or self.user is None:
            return None
        if self.documents_dialog is None:
            self.documents_dialog = DocumentsDialog(
                self.tasks,
                user=self.user,
                station_code=self.view.station.code,
                case_key=self.view.case.case_no,
                parent=self,
            )
            self.documents_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.documents_dialog.destroyed.connect(
                lambda _obj=None: setattr(self, "documents_dialog", None)
            )
        self.documents_dialog.show()
        self.documents_dialog.raise_()
        return self.documents_dialog

    def reveal(self) -> None:
        """Log the reveal on the worker, then show the full numbers."""
        if self.view is None or self.user is None or self.revealed:
            return
        if not may_see_full_numbers(self.user):
            return  # the button is disabled; a shortcut must not get round it either
        case_id, actor, station = self.view.case.id, self.user.username, self.view.station.code

        def log(store: Store) -> int:
            return log_reveal(store, case_id, actor=actor, station_code=station)

        def logged(_rows: int) -> None:
            self.revealed = True
            if self.view is not None:
                self.reveal_button.setEnabled(False)
                self.scroll.setWidget(self._build(self.view))
            if self.audit_dialog is not None:
                self.audit_dialog.reveal = True
                self.audit_dialog.reload()

        self.tasks.submit(log, success=logged, owner=self, doing=_("logging the reveal"))

    # ---------------------------------------------------------------- layout

    def _build(self, view: CaseView) -> QWidget:
        case = view.case
        content = QWidget()
        layout = QVBoxLayout(content)
        heading = QLabel(case.case_no)
        font = heading.font()
        font.setPointSize(font.pointSize() + 5)
        font.setBold(True)
        heading.setFont(font)
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)
        status = view.record.workflow.get("status") or case.status
        subtitle = _("{kind} · {channel} · {status}").format(
            kind=enum_label(case.kind),
            channel=enum_label(case.channel),
            status=enum_label(CaseStatus(status)),
        )
        if view.owner_station:
            subtitle += " · " + _("Station {code}").format(code=view.owner_station)
        layout.addWidget(QLabel(subtitle))
        layout.addWidget(deadlines_box(view.record.deadlines, view.today))
        layout.addWidget(
            timeline_box(
                view.record.events, case.received_at.strftime("%Y-%m-%d %H:%M"), case.created_by
            )
        )
        joint = len(case.complainants) >= JOINT_TABLE_FROM
        sections = case_sections(case, reveal=self.revealed, complainants=not joint)
        # One caption width for every section, so the values line up down the whole page.
        metrics = self.fontMetrics()
        width = max(metrics.horizontalAdvance(c) for _t, rows in sections for c, _v in rows) + 12
        # The members follow the "Case" section and the complainants' and agent's sections.
        members_at = 1 + (0 if joint else len(case.complainants)) + (1 if case.agent else 0)
        for index, (title, rows) in enumerate(sections):
            layout.addWidget(_section(title, rows, width))
            if index + 1 == members_at and case.kind == CaseKind.COMPLAINT:
                layout.addWidget(self._members_box(view))
        layout.addWidget(self._evidence_box(case.evidence))
        layout.addStretch(1)
        return content

    def _members_box(self, view: CaseView) -> QGroupBox:
        self.members_box = members_box(
            view.members,
            view.totals,
            reveal=self.revealed,
            can_edit=self.can_edit_members(),
            on_import=self.choose_member_sheet,
            on_elect=self.open_elect,
        )
        return self.members_box

    def _evidence_box(self, files: list[Evidence]) -> QGroupBox:
        box = QGroupBox(_("Evidence files ({n})").format(n=len(files)))
        rows = QVBoxLayout(box)
        if not files:
            rows.addWidget(QLabel(_("No evidence files.")))
        for evidence in files:
            row = QHBoxLayout()
            text = _("{name} ({size})").format(
                name=safe_display_name(evidence.filename), size=_size_text(evidence.size)
            )
            row.addWidget(_value_label(text), 1)
            button = QPushButton(_("Open"))
            button.setToolTip(_("Open the file with the program Windows uses for it"))
            button.clicked.connect(lambda _checked=False, e=evidence: self.open_evidence(e))
            row.addWidget(button)
            rows.addLayout(row)
        return box

    # ---------------------------------------------------------------- joint complaint

    def can_edit_members(self) -> bool:
        """Whether the user may change the complainants: an open complaint on which the
        user has a step to take here (as for the action buttons)."""
        view = self.view
        if view is None or self.user is None or view.case.kind != CaseKind.COMPLAINT:
            return False
        if view.state().status not in OPEN_COMPLAINT:
            return False
        if view.escalated_away and self.user.role is not Role.CITY:
            return False
        return bool(self.allowed())

    def choose_member_sheet(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Import members from a spreadsheet"),
            "",
            _("Excel workbooks (*.xlsx)"),
        )
        if path:
            self.import_member_sheet(path)

    def import_member_sheet(self, path: str | Path) -> None:
        """Read and check the list, then add its members, all on the worker; every problem
        is shown and nothing is imported when anything is wrong."""
        if self.view is None or self.user is None or not self.can_edit_members():
            return
        case_no, user, station = self.view.case.case_no, self.user, self.view.station.code

        def run(store: Store) -> list[str]:
            rows = parse_member_sheet(path)
            return import_members(store, case_no, rows, actor=user, station_code=station)

        self.tasks.submit(
            run,
            success=lambda ids: None,
            failure=lambda error: self._joint_failed(
                error, _("Nothing was imported. Please correct the list:"), _("importing members")
            ),
            changes={Change.CASES},
            owner=self,
            doing=_("importing members"),
        )

    def open_elect(self) -> ElectDialog | None:
        if self.view is None or self.user is None or not self.can_edit_members():
            return None
        if self.elect_dialog is not None:
            self.elect_dialog.close()
        dialog = ElectDialog(self.view.members, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "elect_dialog", None))
        dialog.accepted.connect(lambda: self.elect(dialog.chosen()))
        self.elect_dialog = dialog
        dialog.open()
        return dialog

    def elect(self, party_ids: list[str]) -> None:
        if self.view is None or self.user is None:
            return
        case_no, user, station = self.view.case.case_no, self.user, self.view.station.code

        def run(store: Store) -> None:
            elect_representatives(store, case_no, party_ids, actor=user, station_code=station)

        self.tasks.submit(
            run,
            failure=lambda error: self._joint_failed(
                error, _("The representatives were not changed:"), _("electing representatives")
            ),
            changes={Change.CASES},
            owner=self,
            doing=_("electing representatives"),
        )

    def _joint_failed(self, error: BaseException, lead: str, doing: str) -> None:
        if isinstance(error, MemberSheetRejected):
            problems = [str(p) for p in error.problems]
        elif isinstance(error, JointComplaintRefused):
            problems = [str(error)]
        else:
            show_error(self, error, doing)
            return
        if self.problems_dialog is not None:
            self.problems_dialog.close()
        dialog = ProblemsDialog(_("Problem"), lead, problems, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "problems_dialog", None))
        self.problems_dialog = dialog
        dialog.open()

    # ---------------------------------------------------------------- evidence files

    def open_evidence(self, evidence: Evidence) -> None:
        """Copy the stored file out (it is stored by its hash) under its name with the extension
        of its content, and open it; a file that is not an allowed kind is never opened."""
        evidence_dir = self.tasks.folder.evidence_dir
        target_dir = _opened_files_dir() / evidence.sha256[:16]

        def copy_out(store: Store) -> Path:
            # Decrypted into the private folder only: the data folder keeps it encrypted.
            return copy_evidence_out(evidence_dir, evidence, store.key, target_dir)

        self.tasks.submit(
            copy_out,
            success=lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))),
            owner=self,
            doing=_("opening an evidence file"),
        )


class CaseDetailDialog(QDialog):
    """A window around CaseDetailView; several can be open side by side."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None, user: User | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Case"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        fit_window(self, (760, 820))
        self.view = CaseDetailView(tasks, self, user)
        self.view.case_loaded.connect(
            lambda case: self.setWindowTitle(_("Case {number}").format(number=case.case_no))
        )
        buttons = QDialogButtonBox()
        close = buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
