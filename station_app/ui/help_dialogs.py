"""The 帮助 menu's windows: the user guide (bundled Markdown) and 关于 with the version."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

import station_app
from station_app.assets import asset_path
from station_app.i18n import _

GUIDE_PATH = ("guide", "guide.md")


def guide_text() -> str:
    """The user guide's Markdown, or a note saying it is missing from this installation."""
    try:
        return asset_path(*GUIDE_PATH).read_text(encoding="utf-8")
    except OSError:
        return _("The user guide is missing from this installation. Please reinstall the app.")


class GuideDialog(QDialog):
    """The user guide in a text browser (links open nothing outside the app)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("User guide"))
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(guide_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(760, 620)


def about_text() -> str:
    return _(
        "Consumer complaint station\n"
        "Version {version}\n\n"
        "Records complaints, reports and consultations, mediates and prints the documents "
        "of SAMR Order No. 121; works offline and syncs with the city office."
    ).format(version=station_app.__version__)


def show_about(parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, _("About"), about_text())
    box.setParent(parent, box.windowFlags())
    box.open()
    return box
