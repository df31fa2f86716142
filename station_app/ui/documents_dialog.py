"""A case's printed documents: which apply and which were issued, with preview, print, save
as PDF, correction and printing several at once. Issuing happens on the database worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.atomic_files import write_bytes_atomically
from station_app.document_issuing import (
    BatchResult,
    DocumentIncomplete,
    Issued,
    applies_to,
    check_document,
    correct_document,
    print_document,
    print_documents,
    reprint,
    stored_facts,
)
from station_app.documents import DOCUMENT_KINDS
from station_app.domain import User
from station_app.i18n import _
from station_app.store import Store, StoreError
from station_app.store.cases import get_case
from station_app.store.documents import IssuedDocument, case_documents
from station_app.ui.document_details import DETAIL_FIELDS, DocumentDetailsDialog, sample_details
from station_app.ui.document_preview import DocumentPreview
from station_app.ui.errors import show_error
from station_app.ui.joint_members_box import ProblemsDialog
from station_app.ui.print_documents import default_copies, print_pdf, print_pdfs
from station_app.ui.tasks import TaskContext, TaskRunner, run_with_progress
from station_app.ui.window_fit import fit_window


@dataclass
class DocumentRow:
    """One kind of document for the case: its current issued version, or what it still lacks."""

    kind: str
    title: str
    issued: IssuedDocument | None = None
    missing: list[str] = field(default_factory=list)
    # What would still be missing with every fact of the details form filled in: when this is
    # empty, the form can make the document ready; otherwise the case itself lacks something.
    missing_beyond_form: list[str] = field(default_factory=list)
    # The facts typed for the case's documents so far, offered again in the facts form.
    facts: dict = field(default_factory=dict)


@dataclass
class CaseDocuments:
    case_no: str
    rows: list[DocumentRow]


def load_case_documents(
    store: Store, case_key: str, *, user: User, station_code: str, now: datetime
) -> CaseDocuments:
    """Each document kind that applies to the case, with its current version if issued, and
    for the others the facts still missing (nothing is issued here)."""
    case = get_case(store, case_key)
    if case is None:
        raise StoreError(_("No case numbered {number}.").format(number=case_key))
    current = {doc.kind: doc for doc in case_documents(store, case.id) if doc.current}
    rows = []
    for spec in DOCUMENT_KINDS.values():
        if not applies_to(spec.id, case.kind):
            continue
        row = DocumentRow(spec.id, spec.title, current.get(spec.id))
        if spec.id in DETAIL_FIELDS:
            row.facts = stored_facts(store, case.id, spec.id)
        if row.issued is None:
            row.missing = check_document(
                store, case.case_no, spec.id, user=user, station_code=station_code, now=now
            )
            row.missing_beyond_form = row.missing
            if row.missing and spec.id in DETAIL_FIELDS:
                row.missing_beyond_form = check_document(
                    store,
                    case.case_no,
                    spec.id,
                    user=user,
                    station_code=station_code,
                    now=now,
                    details=sample_details(spec.id, now),
                )
        rows.append(row)
    return CaseDocuments(case.case_no, rows)


COLUMNS = (
    N_DOCUMENT := 0,
    N_NUMBER := 1,
    N_VERSION := 2,
    N_ISSUED_AT := 3,
    N_STATE := 4,
)


class DocumentsDialog(QDialog):
    """The documents of one case. Preview, save and print issue a document on first use (after
    asking) and afterwards give the frozen copy; Correct… issues a new version with a reason.

    The choices that need a person (printer, file name, reason, confirmation) are the methods
    `choose_printer`, `choose_save_path`, `ask_reason` and `confirm_issue`, so tests can
    answer them.
    """

    def __init__(
        self,
        tasks: TaskRunner,
        *,
        user: User,
        station_code: str,
        case_key: str,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self.station_code = station_code
        self.case_key = case_key
        self.rows: list[DocumentRow] = []
        self.loaded = False
        self.preview_dialog: DocumentPreview | None = None
        self.problems_dialog: ProblemsDialog | None = None
        self.warnings_box: QMessageBox | None = None
        self.last_printed_pages = 0
        self.setWindowTitle(_("Documents of case {number}").format(number=case_key))
        fit_window(self, (820, 420))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(
            [_("Document"), _("Number"), _("Version"), _("Issued at"), _("State")]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in COLUMNS:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(N_STATE, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.preview())
        hint = QLabel(
            _(
                "A document gets its number when it is first previewed, printed or saved; "
                "after that it never changes. Select several to print them together."
            )
        )
        hint.setWordWrap(True)
        self.preview_button = QPushButton(_("Preview"))
        self.print_button = QPushButton(_("Print…"))
        self.save_button = QPushButton(_("Save as PDF…"))
        self.correct_button = QPushButton(_("Correct…"))
        self.correct_button.setToolTip(
            _("Issue a corrected version from the case as it is now; the old one stays on record")
        )
        self.print_selected_button = QPushButton(_("Print selected"))
        actions = QHBoxLayout()
        for button, slot in (
            (self.preview_button, self.preview),
            (self.print_button, self.print_one),
            (self.save_button, self.save_pdf),
            (self.correct_button, self.correct),
            (self.print_selected_button, self.print_selected),
        ):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, run=slot: run())
            actions.addWidget(button)
        actions.addStretch(1)
        buttons = QDialogButtonBox()
        close = buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(buttons)
        self._update_buttons()
        self.reload()

    # ---------------------------------------------------------------- list

    def reload(self) -> None:
        case_key, user, station = self.case_key, self.user, self.station_code

        def load(store: Store) -> CaseDocuments:
            return load_case_documents(
                store, case_key, user=user, station_code=station, now=datetime.now()
            )

        self.tasks.submit(
            load, success=self._loaded, owner=self, doing=_("reading the case's documents")
        )

    def _loaded(self, documents: CaseDocuments) -> None:
        selected = set(self.selected_kinds())
        self.case_key = documents.case_no
        self.rows = documents.rows
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            doc = row.issued
            if doc is not None:
                state = _("Issued") if doc.version == 1 else _("Issued, corrected")
                cells = [row.title, doc.doc_no, str(doc.version), _when(doc.issued_at), state]
            elif row.missing_beyond_form:
                # The same items the "Facts missing" dialog lists when it is opened.
                n = len(row.missing_beyond_form)
                state = _("Not issued: {n} item(s) missing").format(n=n)
                cells = [row.title, "", "", "", state]
            elif row.missing:
                cells = [row.title, "", "", "", _("Not issued: its facts are asked when issued")]
            else:
                cells = [row.title, "", "", "", _("Not issued: ready")]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == N_STATE and row.missing:
                    item.setToolTip("\n".join(row.missing_beyond_form or row.missing))
                self.table.setItem(index, column, item)
        self.table.clearSelection()
        for index, row in enumerate(self.rows):
            if row.kind in selected:
                self.table.selectRow(index)
        if not selected and self.rows:
            self.table.selectRow(0)
        self.loaded = True
        self._update_buttons()

    def row_of(self, kind: str) -> DocumentRow | None:
        return next((row for row in self.rows if row.kind == kind), None)

    def select(self, *kinds: str) -> None:
        """Select the rows of these kinds (the first becomes the current row)."""
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for index, row in enumerate(self.rows):
            if row.kind in kinds:
                self.table.selectRow(index)
        self.table.setSelectionMode(mode)
        first = next((i for i, row in enumerate(self.rows) if row.kind in kinds[:1]), -1)
        if first >= 0:
            self.table.setCurrentCell(first, 0, self.table.selectionModel().SelectionFlag.NoUpdate)

    def selected_kinds(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.rows[r].kind for r in rows if r < len(self.rows)]

    def current_kind(self) -> str | None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows) and self.table.item(row, 0).isSelected():
            return self.rows[row].kind
        kinds = self.selected_kinds()
        return kinds[0] if kinds else None

    def _update_buttons(self) -> None:
        kinds = self.selected_kinds()
        one = len(kinds) == 1
        row = self.row_of(kinds[0]) if one else None
        for button in (self.preview_button, self.print_button, self.save_button):
            button.setEnabled(one)
        self.correct_button.setEnabled(row is not None and row.issued is not None)
        self.print_selected_button.setEnabled(len(kinds) >= 1)

    # ---------------------------------------------------------------- one document

    def obtain(self, kind: str, then: Callable[[Issued], None], doing: str) -> None:
        """The document's PDF on the worker: the frozen copy if issued, else (once the clerk
        agrees) issued now with the logged-in user and this station; then `then(issued)`."""
        row = self.row_of(kind)
        if row is None:
            return
        details: dict | None = None
        if row.issued is None:
            if row.missing_beyond_form:
                self.show_missing({row.title: row.missing_beyond_form})
                return
            if kind in DETAIL_FIELDS:
                # The form asks for the facts the record lacks, prefilled with those typed for
                # the case's other documents; issuing checks them again.
                details = self.ask_details(kind, row.title, row.facts)
                if details is None:
                    return
            elif not self.confirm_issue([row.title]):
                return
        case_key, user, station = self.case_key, self.user, self.station_code
        issuing = row.issued is None

        def run(store: Store) -> Issued:
            if not issuing:
                return reprint(
                    store, self.tasks.folder, case_key, kind, user=user, station_code=station
                )
            return print_document(
                store,
                self.tasks.folder,
                case_key,
                kind,
                user=user,
                station_code=station,
                now=datetime.now(),
                details=details,
            )

        def done(issued: Issued) -> None:
            if issuing:
                self.reload()
            then(issued)
            if issued.warnings:
                self.show_warnings(issued.warnings)

        self.tasks.submit(
            run, success=done, failure=self._failed(doing, row.title), owner=self, doing=doing
        )

    def preview(self, kind: str | None = None) -> None:
        kind = kind or self.current_kind()
        if kind is not None:
            self.obtain(kind, lambda issued: self.show_preview(kind, issued), _("previewing"))

    def show_preview(self, kind: str, issued: Issued) -> DocumentPreview:
        if self.preview_dialog is not None:
            self.preview_dialog.close()
        doc = issued.document
        title = _("{title} {number} (version {version})").format(
            title=DOCUMENT_KINDS[kind].title, number=doc.doc_no, version=doc.version
        )
        dialog = DocumentPreview(issued.pdf, title, self)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "preview_dialog", None))
        dialog.print_requested.connect(lambda: self.print_issued(kind, issued))
        dialog.save_requested.connect(lambda: self.save_issued(kind, issued))
        self.preview_dialog = dialog
        dialog.show()
        return dialog

    def print_one(self, kind: str | None = None) -> None:
        kind = kind or self.current_kind()
        if kind is not None:
            self.obtain(kind, lambda issued: self.print_issued(kind, issued), _("printing"))

    def print_issued(self, kind: str, issued: Issued) -> None:
        title = DOCUMENT_KINDS[kind].title
        printer = self.choose_printer(title, default_copies(kind))
        if printer is None:
            return
        try:
            self.last_printed_pages = print_pdf(issued.pdf, printer)
        except (OSError, ValueError) as error:
            show_error(self, error, _("printing {title}").format(title=title))

    def save_pdf(self, kind: str | None = None) -> None:
        kind = kind or self.current_kind()
        if kind is not None:
            self.obtain(kind, lambda issued: self.save_issued(kind, issued), _("saving a PDF"))

    def save_issued(self, kind: str, issued: Issued) -> None:
        doc = issued.document
        suggested = f"{doc.case_no or self.case_key} {DOCUMENT_KINDS[kind].title}"
        if doc.version > 1:
            suggested += f" v{doc.version}"
        path = self.choose_save_path(suggested + ".pdf")
        if not path:
            return
        data = issued.pdf

        def write(_store: Store) -> None:
            # The frozen bytes exactly as issued: the hash on record matches the file.
            write_bytes_atomically(Path(path), data)

        self.tasks.submit(
            write,
            failure=lambda error: self._write_failed(path, error),
            owner=self,
            doing=_("saving a PDF"),
        )

    def _write_failed(self, path: str, error: BaseException) -> None:
        if isinstance(error, OSError):
            error = StoreError(
                _("Cannot write {path}: {reason}").format(path=path, reason=error.strerror)
            )
        show_error(self, error, _("saving a PDF"))

    def correct(self, kind: str | None = None, reason: str | None = None) -> None:
        """Issue a corrected version of an issued document, with the reason asked for."""
        kind = kind or self.current_kind()
        row = self.row_of(kind) if kind else None
        if row is None or row.issued is None:
            return
        if reason is None:
            reason = self.ask_reason(row.title)
        if not reason or not reason.strip():
            return
        details: dict | None = None
        if kind in DETAIL_FIELDS:
            # The facts of the version corrected, to change where they were wrong.
            details = self.ask_details(kind, row.title, row.facts)
            if details is None:
                return
        case_key, user, station = self.case_key, self.user, self.station_code

        def run(store: Store) -> Issued:
            return correct_document(
                store,
                self.tasks.folder,
                case_key,
                kind,
                reason=reason.strip(),
                user=user,
                station_code=station,
                now=datetime.now(),
                details=details,
            )

        def done(issued: Issued) -> None:
            self.reload()
            self.show_preview(kind, issued)
            if issued.warnings:
                self.show_warnings(issued.warnings)

        self.tasks.submit(
            run,
            success=done,
            failure=self._failed(_("correcting a document"), row.title),
            owner=self,
            doing=_("correcting a document"),
        )

    # ---------------------------------------------------------------- several documents

    def print_selected(self, kinds: list[str] | None = None) -> None:
        """Issue or reprint each selected document on the worker (with a progress dialog that
        can cancel), then print them all as one job. Nothing is issued or printed when one of
        the documents still lacks facts."""
        kinds = kinds if kinds is not None else self.selected_kinds()
        rows = [row for row in (self.row_of(k) for k in kinds) if row is not None]
        if not rows:
            return
        # What the case lacks, as the list counts it; else the facts its own form asks for.
        missing = {
            row.title: row.missing_beyond_form or row.missing
            for row in rows
            if row.issued is None and row.missing
        }
        if missing:
            self.show_missing(missing)
            return
        new = [row.title for row in rows if row.issued is None]
        if new and not self.confirm_issue(new):
            return
        case_key, user, station = self.case_key, self.user, self.station_code
        wanted = [row.kind for row in rows]
        folder = self.tasks.folder

        def run(store: Store, context: TaskContext) -> BatchResult:
            return print_documents(
                store,
                folder,
                case_key,
                wanted,
                user=user,
                station_code=station,
                now=datetime.now(),
                progress=context.report_progress,
                check_cancelled=context.check_cancelled,
            )

        run_with_progress(
            self.tasks,
            run,
            parent=self,
            label=_("Preparing the documents…"),
            success=self._batch_ready,
            failure=self._failed(_("printing documents")),
            cancelled=self.reload,
            doing=_("printing documents"),
        )

    def _batch_ready(self, result: BatchResult) -> None:
        self.reload()
        if result.missing:
            self.show_missing(result.missing)
            return
        warnings = [w for issued in result.issued for w in issued.warnings]
        if warnings:
            self.show_warnings(warnings)
        titles = ", ".join(DOCUMENT_KINDS[i.document.kind].title for i in result.issued)
        printer = self.choose_printer(titles, 1)
        if printer is None:
            return
        # Each document in its own number of copies (three of the agreement), one print job.
        printer.setCopyCount(1)
        jobs = [(i.pdf, default_copies(i.document.kind)) for i in result.issued]
        progress = QProgressDialog(_("Printing…"), _("Cancel"), 0, len(jobs), self)
        progress.setWindowTitle(_("Print selected"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)

        def keep_going(index: int) -> bool:
            progress.setValue(index)
            progress.setLabelText(
                _("Printing {title}…").format(
                    title=DOCUMENT_KINDS[result.issued[index].document.kind].title
                )
            )
            QApplication.processEvents()
            return not progress.wasCanceled()

        try:
            self.last_printed_pages = print_pdfs(jobs, printer, keep_going)
        except (OSError, ValueError) as error:
            show_error(self, error, _("printing documents"))
        finally:
            progress.setValue(len(jobs))
            progress.hide()
            progress.deleteLater()

    # ---------------------------------------------------------------- problems

    def _failed(self, doing: str, title: str = "") -> Callable[[BaseException], None]:
        def failed(error: BaseException) -> None:
            if isinstance(error, DocumentIncomplete):
                self.reload()
                self.show_missing({title or _("The document"): list(error.problems)})
            else:
                if isinstance(error, StoreError):
                    self.reload()
                show_error(self, error, doing)

        return failed

    def show_warnings(self, warnings: list[str]) -> QMessageBox:
        """What the clerk should know about a document just issued (it was issued)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Issued"),
            "\n".join([_("The document was issued. Please note:"), *warnings]),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("issue-warnings")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.warnings_box = box
        return box

    def show_missing(self, missing: dict[str, list[str]]) -> ProblemsDialog:
        """What each document lacks; nothing was issued or printed."""
        lines = []
        for title, problems in missing.items():
            lines.append(title + ":")
            lines += [f"  - {problem}" for problem in problems]
        if self.problems_dialog is not None:
            self.problems_dialog.close()
        dialog = ProblemsDialog(
            _("Facts missing"),
            _("Nothing was issued or printed. These facts are missing from the case:"),
            lines,
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "problems_dialog", None))
        self.problems_dialog = dialog
        dialog.open()
        return dialog

    # ---------------------------------------------------------------- choices (test seams)

    def choose_printer(self, title: str, copies: int) -> QPrinter | None:
        """The printer and copies chosen in Qt's print dialog (None: cancelled)."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(title)
        printer.setCopyCount(copies)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Print {title}").format(title=title))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return printer

    def choose_save_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save as PDF"), suggested, _("PDF documents (*.pdf)")
        )
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return path

    def ask_reason(self, title: str) -> str | None:
        text, ok = QInputDialog.getMultiLineText(
            self,
            _("Correct {title}").format(title=title),
            _(
                "Why is it corrected? A new version is issued from the case as it is now, "
                "with the same number; the old version stays on record."
            ),
        )
        return text if ok else None

    def ask_details(self, kind: str, title: str, known: dict | None = None) -> dict | None:
        """The document's extra facts from the clerk (the form filled with `known`), or None
        when cancelled."""
        dialog = DocumentDetailsDialog(kind, title, self, known=known)
        return dialog.details() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def confirm_issue(self, titles: list[str]) -> bool:
        answer = QMessageBox.question(
            self,
            _("Issue documents"),
            _(
                "These documents are issued now and get their number; once issued they "
                "cannot be changed, only corrected with a reason:\n{titles}"
            ).format(titles="\n".join(titles)),
        )
        return answer == QMessageBox.StandardButton.Yes


def _when(issued_at: str) -> str:
    try:
        return datetime.fromisoformat(issued_at).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return issued_at
