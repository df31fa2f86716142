"""Stored files encrypted at rest (README "Personal data on a shared PC"): in a data folder with
a key, an evidence photo and an issued PDF hold none of their bytes in clear on disk, are named
by the SHA-256 of their plaintext and read back whole; a plaintext folder (the demo) keeps
plaintext files; a changed file or another folder's is refused in words; files stored before
are encrypted at the next start (resuming after a cut); backups restore them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from station_app import file_crypt, i18n
from station_app.backup import back_up, list_backups, restore, stored_file_roots
from station_app.data_folder import FILES_ENCRYPTED_SETTING, DataFolder
from station_app.data_key import create_folder_key
from station_app.document_issuing import (
    DocumentDamaged,
    document_path,
    issue_document,
    reprint,
)
from station_app.evidence_files import attach_evidence, copy_out, evidence_path
from station_app.station_check import CheckTarget, document_files, evidence_files
from station_app.store import Store, StoreError
from station_app.store.cases import get_case
from station_app.store.migration_progress import STEP_FILES
from tests.core.conftest import VALID_RIC
from tests.core.workflow_helpers import CLERK, OFFICER, VILLAGE, do, new_case, set_up_village
from tests.support.cli import ADMIN_PASSWORD, EXAMPLE, run, set_authority

MARKER = f"身份证号 {VALID_RIC}".encode()


def _photo(folder: Path, name: str = "身份证.jpg") -> Path:
    """A JPEG-headed file that carries an ID number in clear, and random bytes."""
    path = folder / name
    path.write_bytes(b"\xff\xd8\xff\xe0" + MARKER + os.urandom(3000) + MARKER)
    return path


def _station(folder: Path, *, keyed: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if keyed:
        create_folder_key(folder)
    with DataFolder(folder) as opened, opened.open_store() as store:
        set_up_village(store)
        store.set_setting("document_prefix", "瑞市监消")


def _with_files(folder: Path, tmp_path: Path) -> tuple[bytes, str, bytes, str]:
    """An evidence photo and an issued acceptance decision: (photo, its sha, pdf, its sha)."""
    with DataFolder(folder) as opened, opened.open_store() as store:
        case = new_case(store)
        photo = _photo(tmp_path)
        evidence = attach_evidence(store, opened.evidence_dir, case.id, photo, owner=VILLAGE)
        do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=CLERK)
        issued = issue_document(
            store,
            folder,
            case.case_no,
            "acceptance_decision",
            user=OFFICER,
            station_code=VILLAGE,
            now=datetime(2026, 6, 2, 10, 0),
        )
    return photo.read_bytes(), evidence.sha256, issued.pdf, issued.document.sha256


def _stored(folder: Path) -> list[Path]:
    return file_crypt.stored_files(stored_file_roots(folder))


def test_evidence_and_issued_pdfs_are_encrypted_in_a_keyed_folder(tmp_path):
    folder = tmp_path / "station"
    _station(folder, keyed=True)
    photo, photo_sha, pdf, pdf_sha = _with_files(folder, tmp_path)
    assert photo_sha == hashlib.sha256(photo).hexdigest()  # named by the plaintext's hash
    assert pdf_sha == hashlib.sha256(pdf).hexdigest()
    raw_photo = evidence_path(folder / "evidence", photo_sha).read_bytes()
    raw_pdf = document_path(folder, pdf_sha).read_bytes()
    for raw, plain in ((raw_photo, photo), (raw_pdf, pdf)):
        assert raw.startswith(file_crypt.MAGIC)
        assert MARKER not in raw and VALID_RIC.encode() not in raw
        assert b"\xff\xd8\xff" not in raw[:16] and b"%PDF" not in raw
        assert plain[100:164] not in raw  # no run of the plaintext
        assert len(raw) == len(plain) + file_crypt.OVERHEAD
    with DataFolder(folder) as opened, opened.open_store() as store:
        key = store.key
        assert key is not None
        assert file_crypt.read_stored_file(evidence_path(opened.evidence_dir, photo_sha), key) == (
            photo
        )
        case = get_case(store, store.scalar("SELECT case_no FROM cases"))
        again = reprint(
            store, folder, case.case_no, "acceptance_decision", user=OFFICER, station_code=VILLAGE
        )
        assert again.pdf == pdf
        # Opened in the PC's viewer: a plaintext copy in a private folder, never in the data folder.
        (stored,) = get_case(store, case.id).evidence
        opened_copy = copy_out(opened.evidence_dir, stored, key, tmp_path / "private")
        assert opened_copy.read_bytes() == photo and opened_copy.suffix == ".jpg"
        target = CheckTarget(store, folder)
        assert document_files(target) == [] and evidence_files(target) == []
    # The file key is derived from the folder's key, never the database key itself.
    assert file_crypt.file_key(key) != key
    with pytest.raises(file_crypt.StoredFileUnreadable):
        file_crypt.unseal(raw_photo, os.urandom(32), "x")  # another key


def test_a_plaintext_folder_keeps_plaintext_files(tmp_path):
    folder = tmp_path / "demo"
    _station(folder, keyed=False)
    photo, photo_sha, pdf, pdf_sha = _with_files(folder, tmp_path)
    assert evidence_path(folder / "evidence", photo_sha).read_bytes() == photo
    assert document_path(folder, pdf_sha).read_bytes() == pdf
    with DataFolder(folder) as opened, opened.open_store() as store:
        assert store.key is None and store.get_setting(FILES_ENCRYPTED_SETTING) is None
    assert evidence_path(folder / "evidence", photo_sha).read_bytes() == photo


def test_a_changed_or_foreign_file_is_refused_in_words(tmp_path):
    folder = tmp_path / "station"
    _station(folder, keyed=True)
    photo, photo_sha, pdf, pdf_sha = _with_files(folder, tmp_path)
    photo_file = evidence_path(folder / "evidence", photo_sha)
    pdf_file = document_path(folder, pdf_sha)
    raw = bytearray(photo_file.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    photo_file.write_bytes(bytes(raw))
    raw_pdf = bytearray(pdf_file.read_bytes())
    raw_pdf[-1] ^= 0x80  # the tag
    pdf_file.write_bytes(bytes(raw_pdf))
    with DataFolder(folder) as opened, opened.open_store() as store:
        key = store.key
        with pytest.raises(file_crypt.StoredFileUnreadable) as caught:
            file_crypt.read_stored_file(photo_file, key)
        assert photo_file.name in str(caught.value) and "changed or damaged" in str(caught.value)
        assert isinstance(caught.value, StoreError)
        (stored,) = get_case(store, store.scalar("SELECT id FROM cases")).evidence
        with pytest.raises(StoreError, match="changed or damaged"):
            copy_out(opened.evidence_dir, stored, key, tmp_path / "private")
        case_no = store.scalar("SELECT case_no FROM cases")
        with pytest.raises(DocumentDamaged, match="changed or damaged"):
            reprint(
                store, folder, case_no, "acceptance_decision", user=OFFICER, station_code=VILLAGE
            )
        target = CheckTarget(store, folder)
        assert "changed or damaged" in " ".join(evidence_files(target))
        assert "changed or damaged" in " ".join(document_files(target))
    # Cut short (a copy that stopped), or of a format version this app does not know.
    for broken in (raw[:12], file_crypt.MAGIC + bytes([99]) + bytes(raw[9:])):
        with pytest.raises(file_crypt.StoredFileUnreadable):
            file_crypt.unseal(broken, key, "x")
    # In the clerk's language, without a traceback.
    i18n.set_language("zh_CN")
    with pytest.raises(file_crypt.StoredFileUnreadable) as chinese:
        file_crypt.read_stored_file(photo_file, key)
    assert "无法打开" in str(chinese.value) or "损坏" in str(chinese.value)
    # Another folder's key, and a folder without a key, open nothing either.
    other = tmp_path / "other"
    _station(other, keyed=True)
    _o_photo, o_sha, _o_pdf, _o_pdf_sha = _with_files(other, tmp_path)
    foreign = evidence_path(other / "evidence", o_sha)
    with pytest.raises(file_crypt.StoredFileUnreadable):
        file_crypt.read_stored_file(foreign, key)
    with pytest.raises(file_crypt.StoredFileUnreadable):
        file_crypt.read_stored_file(foreign, None)


def _plaintext_station_with_files(tmp_path: Path) -> tuple[Path, bytes, str, bytes, str]:
    """A station set up without a key, with files and a backup of them (all plaintext)."""
    folder = tmp_path / "station"
    _station(folder, keyed=False)
    photo, photo_sha, pdf, pdf_sha = _with_files(folder, tmp_path)
    with DataFolder(folder) as opened, opened.open_store() as store:
        back_up(store, folder)
    assert len(_stored(folder)) == 4  # two in the folder, their copies in backups/
    assert not any(file_crypt.is_sealed_file(p) for p in _stored(folder))
    return folder, photo, photo_sha, pdf, pdf_sha


def test_files_stored_before_the_key_are_encrypted_at_the_next_start(tmp_path):
    folder, photo, photo_sha, pdf, pdf_sha = _plaintext_station_with_files(tmp_path)
    create_folder_key(folder)  # `station-app key create`
    reports = []
    with DataFolder(folder) as opened, opened.open_store(progress=reports.append) as store:
        key = store.key
        assert key is not None
        assert store.get_setting(FILES_ENCRYPTED_SETTING) == "1"
    assert all(file_crypt.is_sealed_file(p) for p in _stored(folder))
    assert not any(MARKER in p.read_bytes() for p in _stored(folder))
    for path in _stored(folder):
        plain = file_crypt.read_stored_file(path, key)
        assert hashlib.sha256(plain).hexdigest() == path.name.removesuffix(".pdf")
    assert [r.kind for r in reports if not r.finished][0] == STEP_FILES
    assert reports[0].version == 4 and reports[-1].finished and reports[-1].percent == 100
    # Done once: the next start reports nothing and changes nothing.
    before = {p: p.read_bytes() for p in _stored(folder)}
    again = []
    with DataFolder(folder) as opened, opened.open_store(progress=again.append):
        pass
    assert again == [] and {p: p.read_bytes() for p in _stored(folder)} == before


class PowerCut(BaseException):
    """The PC switched off in the middle of the conversion."""


def test_an_encryption_of_the_files_cut_short_goes_on_at_the_next_start(tmp_path, monkeypatch):
    folder, photo, photo_sha, pdf, pdf_sha = _plaintext_station_with_files(tmp_path)
    create_folder_key(folder)
    written = []
    real = file_crypt.write_bytes_atomically

    def cut_after_two(target: Path, data: bytes) -> None:
        if len(written) == 2:
            raise PowerCut
        real(target, data)
        written.append(target)

    monkeypatch.setattr(file_crypt, "write_bytes_atomically", cut_after_two)
    with pytest.raises(PowerCut), DataFolder(folder) as opened:
        opened.open_store()
    monkeypatch.undo()
    sealed = [p for p in _stored(folder) if file_crypt.is_sealed_file(p)]
    assert sorted(sealed) == sorted(written) and len(sealed) == 2
    with DataFolder(folder) as opened, opened.open_store() as store:
        key = store.key
        assert store.get_setting(FILES_ENCRYPTED_SETTING) == "1"
    assert all(file_crypt.is_sealed_file(p) for p in _stored(folder))
    # Encrypted once each: every file decrypts to its plaintext, none twice wrapped.
    assert file_crypt.read_stored_file(evidence_path(folder / "evidence", photo_sha), key) == photo
    assert file_crypt.read_stored_file(document_path(folder, pdf_sha), key) == pdf
    assert (
        file_crypt.read_stored_file(
            folder / "backups" / "evidence" / photo_sha[:2] / photo_sha, key
        )
        == photo
    )


def test_a_restored_backup_of_an_encrypted_folder_opens_its_evidence(tmp_path):
    folder = tmp_path / "station"
    _station(folder, keyed=True)
    photo, photo_sha, pdf, pdf_sha = _with_files(folder, tmp_path)
    with DataFolder(folder) as opened, opened.open_store() as store:
        back_up(store, folder)
        code = VILLAGE
    backup = list_backups(folder / "backups")[-1].path
    copy = folder / "backups" / "evidence" / photo_sha[:2] / photo_sha
    assert file_crypt.is_sealed_file(copy) and MARKER not in copy.read_bytes()
    shutil.rmtree(folder / "evidence")
    shutil.rmtree(folder / "documents")
    with DataFolder(folder):
        restore(folder, backup, code)
    with DataFolder(folder) as opened, opened.open_store() as store:
        (stored,) = get_case(store, store.scalar("SELECT id FROM cases")).evidence
        assert copy_out(opened.evidence_dir, stored, store.key, tmp_path / "v").read_bytes() == (
            photo
        )
        case_no = store.scalar("SELECT case_no FROM cases")
        assert (
            reprint(
                store, folder, case_no, "acceptance_decision", user=OFFICER, station_code=VILLAGE
            ).pdf
            == pdf
        )
    assert file_crypt.is_sealed_file(evidence_path(folder / "evidence", photo_sha))


def test_files_of_a_plaintext_backup_come_back_encrypted(tmp_path):
    """A backup made before the station had a key: its plaintext files are encrypted as they
    are restored into the (now keyed) folder."""
    folder, photo, photo_sha, pdf, pdf_sha = _plaintext_station_with_files(tmp_path)
    old = tmp_path / "old-backup"
    shutil.copytree(folder / "backups", old)
    create_folder_key(folder)
    with DataFolder(folder) as opened, opened.open_store():
        pass
    shutil.rmtree(folder / "evidence")
    with DataFolder(folder):
        restore(folder, list_backups(old)[-1].path, VILLAGE)
    restored = evidence_path(folder / "evidence", photo_sha)
    assert file_crypt.is_sealed_file(restored) and MARKER not in restored.read_bytes()
    with Store(folder / "station.db") as store:
        assert file_crypt.read_stored_file(restored, store.key) == photo


def test_key_create_encrypts_the_issued_pdfs_and_says_so(tmp_path):
    """`station-app key create` on a station set up without a key: the PDFs issued before are
    encrypted with the database, the command line shows the step, and a reprint gives the same
    bytes as the first print."""
    station = tmp_path / "station"
    args = ("init", "--code", "RC-MT", "--name", "码头镇消费者投诉站", "--level", "township",
            "--parent", "RC", "--admin", "admin", "--unencrypted")  # fmt: skip
    assert run(station, *args, stdin=ADMIN_PASSWORD + "\n").returncode == 0
    set_authority(station)
    added = run(station, "case", "add", "--json", str(EXAMPLE))
    assert added.returncode == 0, added.stderr
    number = json.loads(added.stdout)["case_numbers"][0]
    assert run(station, "case", "act", number, "accept").returncode == 0
    first, again = tmp_path / "first.pdf", tmp_path / "again.pdf"
    printed = run(station, "print", "acceptance_decision", number, "--out", str(first))
    assert printed.returncode == 0, printed.stderr
    (stored,) = (station / "documents").glob("*/*.pdf")
    assert stored.read_bytes() == first.read_bytes()  # no key yet: plaintext

    done = run(station, "key", "create", "--user", "admin")
    assert done.returncode == 0, done.stderr
    assert "Encrypting the stored evidence files and documents (1)" in done.stderr
    assert file_crypt.is_sealed_file(stored) and b"%PDF" not in stored.read_bytes()
    printed = run(station, "print", "acceptance_decision", number, "--out", str(again))
    assert printed.returncode == 0, printed.stderr
    assert again.read_bytes() == first.read_bytes()
    checked = run(station, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
