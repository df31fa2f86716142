"""The facts a document needs that the case record does not hold (the mediation notice's time
and place, the court), asked for when the document is issued. The agreement asks for nothing
here: the agree and amend-agreement actions record all it says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from station_app.i18n import N_, _
from station_app.ui.window_fit import fit_window


@dataclass(frozen=True)
class DetailField:
    key: str  # the key issuing.py reads from `details`
    label: str  # English source, marked with N_()
    multiline: bool = False
    listed: bool = False  # one entry per line, passed on as a list
    placeholder: str = ""


# Only the kinds whose content needs facts the workflow does not record (issuing.py).
DETAIL_FIELDS: dict[str, tuple[DetailField, ...]] = {
    "mediation_notice": (
        DetailField("held_at", N_("Mediation time"), placeholder="2026-03-10 09:30"),
        DetailField("place", N_("Place")),
        DetailField("mediators", N_("Mediators (one per line)"), multiline=True, listed=True),
        DetailField(
            "materials", N_("Materials to bring (one per line)"), multiline=True, listed=True
        ),
        DetailField("contact", N_("Contact telephone")),
    ),
    "judicial_application": (DetailField("court", N_("Court applied to")),),
    "report_result_notice": (
        DetailField("result", N_("Result told to the reporter"), multiline=True),
    ),
}


def sample_details(kind: str, now: datetime) -> dict[str, object]:
    """Every fact of the form filled in, to find out whether the form can complete a document."""
    sample: dict[str, object] = {}
    for field in DETAIL_FIELDS[kind]:
        if field.key == "held_at":
            sample[field.key] = (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
        else:
            sample[field.key] = ["…"] if field.listed else "…"
    return sample


class DocumentDetailsDialog(QDialog):
    """Asks for a document's extra facts; `details()` gives them as issuing.py expects."""

    def __init__(
        self,
        kind: str,
        title: str,
        parent: QWidget | None = None,
        *,
        known: dict[str, object] | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Facts for {title}").format(title=title))
        self.fields = DETAIL_FIELDS[kind]
        self.editors: dict[str, QLineEdit | QPlainTextEdit] = {}
        form = QFormLayout()
        for field in self.fields:
            editor: QLineEdit | QPlainTextEdit
            if field.multiline:
                editor = QPlainTextEdit()
                editor.setTabChangesFocus(True)
                editor.setFixedHeight(72)
            else:
                editor = QLineEdit()
            if field.placeholder:
                editor.setPlaceholderText(field.placeholder)
            if field.key == "held_at":
                tomorrow = (datetime.now() + timedelta(days=1)).replace(hour=9, minute=0)
                editor.setText(tomorrow.strftime("%Y-%m-%d %H:%M"))
            form.addRow(_(field.label), editor)
            self.editors[field.key] = editor
        for key, value in (known or {}).items():
            if key in self.editors and value not in (None, "", []):
                text = "\n".join(value) if isinstance(value, list) else str(value)
                self.set_value(key, text)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Issue"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        hint = _("These facts are printed on the document; anything missing is listed.")
        if known:
            hint += "\n" + _("Filled in with the facts typed for this case's documents before.")
        layout.addWidget(QLabel(hint))
        layout.addLayout(form)
        layout.addWidget(buttons)
        fit_window(self, (520, self.sizeHint().height()), f"DocumentDetailsDialog.{kind}")

    def set_value(self, key: str, text: str) -> None:
        editor = self.editors[key]
        if isinstance(editor, QPlainTextEdit):
            editor.setPlainText(text)
        else:
            editor.setText(text)

    def details(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for field in self.fields:
            editor = self.editors[field.key]
            text = editor.toPlainText() if isinstance(editor, QPlainTextEdit) else editor.text()
            text = text.strip()
            if not text:
                continue
            if field.listed:
                values[field.key] = [line.strip() for line in text.splitlines() if line.strip()]
            else:
                values[field.key] = text
        return values
