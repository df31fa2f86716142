"""A read-only view of one case: parties (phones and IDs masked), merchant, facts, evidence files."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import Case, Evidence, Party
from station_app.domain import label as enum_label
from station_app.evidence_files import evidence_path
from station_app.i18n import _
from station_app.money import format_yuan
from station_app.store import Store, StoreError
from station_app.store.case_list import case_rows
from station_app.store.cases import get_case
from station_app.ui.tasks import Change, TaskRunner
from station_app.validation import mask_id_number, mask_phone

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


def _person_rows(person: Party) -> list[tuple[str, str]]:
    rows = [
        (_("Name"), person.name),
        (_("Gender"), enum_label(person.gender) if person.gender.value else ""),
        (_("Phone"), mask_phone(person.phone)),
        (_("Address"), person.address),
    ]
    if person.id_number:
        rows.append((enum_label(person.id_type), mask_id_number(person.id_number)))
    return rows


Section = tuple[str, list[tuple[str, str]]]


def case_sections(case: Case) -> list[Section]:
    """The case as titled sections of (caption, text) rows; phones and IDs masked."""
    basics = [
        (_("Received"), case.received_at.strftime("%Y-%m-%d %H:%M")),
        (_("Registered by"), case.created_by),
    ]
    if case.work_order_no or case.work_order_due:
        basics.append((_("12345 work order number"), case.work_order_no))
        due = case.work_order_due.isoformat() if case.work_order_due else ""
        basics.append((_("Work order due date"), due))
    if case.anonymous:
        basics.append((_("Anonymous report"), _("Yes")))
    sections: list[Section] = [(_("Case"), basics)]
    for number, person in enumerate(case.complainants, start=1):
        sections.append((_("Complainant {n}").format(n=number), _person_rows(person)))
    if case.agent is not None:
        sections.append((_("Agent"), _person_rows(case.agent)))
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


class CaseDetailView(QWidget):
    """Loads a case on the worker and lays it out; reloads when the data changes."""

    case_loaded = Signal(object)  # the Case shown

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.case: Case | None = None
        self._key: str | None = None
        self._generation = 0
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.message = QLabel(_("Loading…"))
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        tasks.changes.changed.connect(self._data_changed)

    def show_case(self, key: str) -> None:
        """Show the case with this number or id."""
        self._key = key
        self._load(lambda store: get_case(store, key))

    def show_local_id(self, local_id: int) -> None:
        """Show the case on this row of the list (its number is looked up on the worker)."""

        def load(store: Store) -> Case | None:
            rows = case_rows(store, [local_id])
            return get_case(store, rows[local_id].case_no) if local_id in rows else None

        self._load(load)

    def _load(self, fn) -> None:
        self._generation += 1
        generation = self._generation
        self.tasks.submit(
            fn,
            success=lambda case: self._loaded(generation, case),
            owner=self,
            doing=_("opening the case"),
        )

    def _loaded(self, generation: int, case: Case | None) -> None:
        if generation != self._generation:
            return
        if case is None:
            self.case = None
            self.message = QLabel(_("This case no longer exists."))
            self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.scroll.setWidget(self.message)
            return
        self.case = case
        self._key = case.id
        self.scroll.setWidget(self._build(case))
        self.case_loaded.emit(case)

    def _data_changed(self, what: frozenset[Change]) -> None:
        if self._key and (Change.CASES in what or Change.EVIDENCE in what):
            self.show_case(self._key)

    # ---------------------------------------------------------------- layout

    def _build(self, case: Case) -> QWidget:
        content = QWidget()
        layout = QVBoxLayout(content)
        heading = QLabel(case.case_no)
        font = heading.font()
        font.setPointSize(font.pointSize() + 5)
        font.setBold(True)
        heading.setFont(font)
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)
        subtitle = _("{kind} · {channel} · {status}").format(
            kind=enum_label(case.kind),
            channel=enum_label(case.channel),
            status=enum_label(case.status),
        )
        layout.addWidget(QLabel(subtitle))
        sections = case_sections(case)
        # One caption width for every section, so the values line up down the whole page.
        metrics = self.fontMetrics()
        width = max(metrics.horizontalAdvance(c) for _t, rows in sections for c, _v in rows) + 12
        for title, rows in sections:
            layout.addWidget(_section(title, rows, width))
        layout.addWidget(self._evidence_box(case.evidence))
        layout.addStretch(1)
        return content

    def _evidence_box(self, files: list[Evidence]) -> QGroupBox:
        box = QGroupBox(_("Evidence files ({n})").format(n=len(files)))
        rows = QVBoxLayout(box)
        if not files:
            rows.addWidget(QLabel(_("No evidence files.")))
        for evidence in files:
            row = QHBoxLayout()
            text = _("{name} ({size})").format(
                name=evidence.filename, size=_size_text(evidence.size)
            )
            row.addWidget(_value_label(text), 1)
            button = QPushButton(_("Open"))
            button.setToolTip(_("Open the file with the program Windows uses for it"))
            button.clicked.connect(lambda _checked=False, e=evidence: self.open_evidence(e))
            row.addWidget(button)
            rows.addLayout(row)
        return box

    # ---------------------------------------------------------------- evidence files

    def open_evidence(self, evidence: Evidence) -> None:
        """Copy the stored file under its own name (it is stored by its hash) and open it."""
        source = evidence_path(self.tasks.folder.evidence_dir, evidence.sha256)
        target_dir = _opened_files_dir() / evidence.sha256[:16]

        def copy_out(_store: Store) -> Path:
            if not source.exists():
                raise StoreError(
                    _(
                        "The file {name} is missing from the data folder's evidence store. "
                        "Ask the city office to restore it from a backup."
                    ).format(name=evidence.filename)
                )
            target_dir.mkdir(parents=True, exist_ok=True)
            target = target_dir / Path(evidence.filename).name
            shutil.copyfile(source, target)
            return target

        self.tasks.submit(
            copy_out,
            success=lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))),
            owner=self,
            doing=_("opening an evidence file"),
        )


class CaseDetailDialog(QDialog):
    """A window around CaseDetailView; several can be open side by side."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Case"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, 720)
        self.view = CaseDetailView(tasks, self)
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
