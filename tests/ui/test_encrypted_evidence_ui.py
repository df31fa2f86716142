"""In a data folder with a key the evidence store holds encrypted files (file_crypt): opening one
from the case gives the PC's viewer a plaintext copy in the private temporary folder, while the
data folder keeps only the encrypted file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QPushButton

from station_app.data_key import create_folder_key
from station_app.evidence_files import attach_evidence, evidence_path
from station_app.file_crypt import is_sealed_file
from tests.ui.test_case_detail_dialog import row_of

ID_NUMBER = b"11010519491231002X"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The station's data folder, with its key (as `station-app init` makes it)."""
    path = tmp_path / "data"
    path.mkdir()
    create_folder_key(path)
    return path


def test_an_encrypted_evidence_file_opens_decrypted(
    qtbot, main_window, folder, sample_cases, tmp_path
):
    case = sample_cases[1]
    scan = tmp_path / "身份证.pdf"
    scan.write_bytes(b"%PDF-1.4 ID card " + ID_NUMBER)
    with folder.open_store() as store:
        assert store.key is not None
        attach_evidence(store, folder.evidence_dir, case.id, scan, owner="RC-MT")
    stored = evidence_path(folder.evidence_dir, hashlib.sha256(scan.read_bytes()).hexdigest())
    assert is_sealed_file(stored) and ID_NUMBER not in stored.read_bytes()

    qtbot.waitUntil(lambda: all(main_window.model.is_row_cached(r) for r in range(4)))
    dialog = main_window.open_case_at(row_of(main_window, case.case_no))
    qtbot.waitUntil(lambda: dialog.view.case is not None, timeout=5_000)
    opened: list[Path] = []

    class FileOpener(QObject):
        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            opened.append(Path(url.toLocalFile()))

    opener = FileOpener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        (button,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Open"]
        button.click()
        qtbot.waitUntil(lambda: len(opened) == 1, timeout=5_000)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opened[0].name == "身份证.pdf" and opened[0].read_bytes() == scan.read_bytes()
    assert folder.path not in opened[0].parents
    assert is_sealed_file(stored)
    dialog.close()
