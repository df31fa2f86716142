"""Evidence files: stored once by SHA-256, size-limited, listed with their case."""

from __future__ import annotations

import hashlib
import os

import pytest

from station_app import evidence_files
from station_app.evidence_files import (
    MAX_EVIDENCE_BYTES,
    attach_evidence,
    detect_evidence_type,
    evidence_path,
    opened_copy_name,
    safe_display_name,
    store_evidence_file,
)
from station_app.store import StoreError
from station_app.store.cases import get_case
from tests.support.hostile_files import EXE_BYTES, JPEG_BYTES, RLO


@pytest.fixture
def evidence_dir(data_dir):
    return data_dir / "evidence"


@pytest.fixture
def receipt(tmp_path):
    path = tmp_path / "incoming" / "购物小票.jpg"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg " + os.urandom(3000))
    return path


def _stored_files(evidence_dir):
    if not evidence_dir.exists():
        return []
    return sorted(p for p in evidence_dir.rglob("*") if p.is_file())


def test_file_is_stored_under_its_sha256(evidence_dir, receipt):
    evidence = store_evidence_file(evidence_dir, receipt)
    content = receipt.read_bytes()
    expected = hashlib.sha256(content).hexdigest()
    assert evidence.sha256 == expected
    assert evidence.size == len(content)
    assert evidence.filename == "购物小票.jpg"
    assert evidence.mime == "image/jpeg"
    target = evidence_path(evidence_dir, expected)
    assert target == evidence_dir / expected[:2] / expected
    assert target.read_bytes() == content
    assert _stored_files(evidence_dir) == [target]
    assert receipt.exists()  # the original is copied, not moved


def test_same_content_is_stored_once(evidence_dir, receipt, tmp_path):
    copy = tmp_path / "incoming" / "scan-again.png"
    copy.write_bytes(receipt.read_bytes())
    first = store_evidence_file(evidence_dir, receipt)
    second = store_evidence_file(evidence_dir, copy)
    again = store_evidence_file(evidence_dir, receipt)
    assert first.sha256 == second.sha256 == again.sha256
    assert second.filename == "scan-again.png"
    assert second.mime == "image/jpeg"  # judged by the content, not the name
    assert len(_stored_files(evidence_dir)) == 1
    # No temporary files are left behind.
    assert not [p for p in evidence_dir.rglob(".incoming-*")]


def test_different_content_is_stored_separately(evidence_dir, tmp_path):
    a = tmp_path / "a.pdf"
    b = tmp_path / "b.pdf"
    a.write_bytes(b"%PDF-1.4 first")
    b.write_bytes(b"%PDF-1.4 second")
    ea, eb = store_evidence_file(evidence_dir, a), store_evidence_file(evidence_dir, b)
    assert ea.sha256 != eb.sha256
    assert ea.mime == "application/pdf"
    assert len(_stored_files(evidence_dir)) == 2


def test_an_empty_file_or_an_unknown_type_is_refused(evidence_dir, tmp_path):
    for name, content in (("空白", b""), ("notes.txt", b"just text")):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(StoreError, match="not a picture, a PDF or an office document"):
            store_evidence_file(evidence_dir, path)
    assert _stored_files(evidence_dir) == []
    assert not list(evidence_dir.rglob(".incoming-*"))


def test_file_at_the_limit_is_accepted(evidence_dir, tmp_path):
    big = tmp_path / "big.tif"
    with big.open("wb") as f:
        f.write(b"II*\x00")
        f.truncate(MAX_EVIDENCE_BYTES)
    evidence = store_evidence_file(evidence_dir, big)
    assert evidence.size == MAX_EVIDENCE_BYTES
    assert evidence.mime == "image/tiff"
    assert evidence.sha256 == hashlib.sha256(big.read_bytes()).hexdigest()


def test_too_large_file_is_rejected_and_nothing_is_stored(store, add, evidence_dir, tmp_path):
    case = add()
    huge = tmp_path / "手机原图.jpg"
    with huge.open("wb") as f:
        f.truncate(MAX_EVIDENCE_BYTES + 1)
    outbox_before = store.scalar("SELECT count(*) FROM outbox")
    with pytest.raises(StoreError) as caught:
        attach_evidence(store, evidence_dir, case.id, huge, owner="RC-MT")
    message = str(caught.value)
    assert "手机原图.jpg" in message
    assert "20 MB" in message
    assert _stored_files(evidence_dir) == []
    assert store.scalar("SELECT count(*) FROM evidence") == 0
    assert store.scalar("SELECT count(*) FROM outbox") == outbox_before
    assert get_case(store, case.id).evidence == []


def test_limit_is_read_when_storing(evidence_dir, receipt, monkeypatch):
    monkeypatch.setattr(evidence_files, "MAX_EVIDENCE_BYTES", 100)
    with pytest.raises(StoreError):
        store_evidence_file(evidence_dir, receipt)
    assert _stored_files(evidence_dir) == []


def test_missing_source_file(evidence_dir, tmp_path):
    with pytest.raises(StoreError) as caught:
        store_evidence_file(evidence_dir, tmp_path / "gone.jpg")
    assert "gone.jpg" in str(caught.value)
    assert _stored_files(evidence_dir) == []


def test_attached_evidence_is_listed_with_the_case(store, add, evidence_dir, receipt, tmp_path):
    case = add()
    other = add(name="李四")
    invoice = tmp_path / "发票.pdf"
    invoice.write_bytes(b"%PDF-1.4 invoice")
    first = attach_evidence(store, evidence_dir, case.id, receipt, owner="RC-MT", note="小票")
    second = attach_evidence(store, evidence_dir, case.id, invoice, owner="RC-MT")
    # The same photo attached to a second case: one file, two rows.
    shared = attach_evidence(store, evidence_dir, other.id, receipt, owner="RC-MT")
    assert shared.sha256 == first.sha256
    assert len(_stored_files(evidence_dir)) == 2

    back = get_case(store, case.id)
    assert [(e.filename, e.sha256, e.size, e.mime, e.note) for e in back.evidence] == [
        ("购物小票.jpg", first.sha256, receipt.stat().st_size, "image/jpeg", "小票"),
        ("发票.pdf", second.sha256, len(b"%PDF-1.4 invoice"), "application/pdf", ""),
    ]
    assert [e.id for e in back.evidence] == [first.id, second.id]
    assert [e.filename for e in get_case(store, other.id).evidence] == ["购物小票.jpg"]
    rows = store.query("SELECT owner_station FROM evidence")
    assert {r["owner_station"] for r in rows} == {"RC-MT"}
    for item in back.evidence:
        assert evidence_path(evidence_dir, item.sha256).exists()


def test_deleted_evidence_row_is_not_listed(store, add, evidence_dir, receipt):
    case = add()
    evidence = attach_evidence(store, evidence_dir, case.id, receipt, owner="RC-MT")
    store.execute("UPDATE evidence SET deleted = 1 WHERE id = ?", (evidence.id,))
    assert get_case(store, case.id).evidence == []


def test_evidence_in_case_json(store, add, evidence_dir, receipt):
    from station_app.case_json import case_to_dict

    case = add()
    evidence = attach_evidence(store, evidence_dir, case.id, receipt, owner="RC-MT", note="n")
    (item,) = case_to_dict(get_case(store, case.id))["evidence"]
    assert item == {
        "sha256": evidence.sha256,
        "filename": "购物小票.jpg",
        "size": receipt.stat().st_size,
        "mime": "image/jpeg",
        "note": "n",
    }


def test_evidence_attached_in_the_same_millisecond_keeps_its_order(
    store, add, evidence_dir, tmp_path, monkeypatch
):
    from station_app.store import cases

    case = add()
    monkeypatch.setattr(cases, "utc_now", lambda: "2026-03-02T01:30:00.000Z")
    names = [f"照片{i}.jpg" for i in (3, 1, 4, 1, 5, 9, 2, 6)]
    for i, name in enumerate(names):
        path = tmp_path / f"{i}-{name}"
        path.write_bytes(b"\xff\xd8\xff\xe0" + f"photo {i}".encode())
        attach_evidence(store, evidence_dir, case.id, path, owner="RC-MT")
    listed = [e.filename for e in get_case(store, case.id).evidence]
    assert listed == [f"{i}-{name}" for i, name in enumerate(names)]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", EXE_BYTES),
        ("收据.jpg", EXE_BYTES),  # a program renamed as a photo
        (f"photo{RLO}gpj.exe", EXE_BYTES),  # shown by a careless list as "photoexe.jpg"
        ("run.bat", b"@echo off\r\nformat c:\r\n"),
        ("合同.docx", b"PK\x03\x04" + b"\x00" * 100),  # a zip that is no Word file
        ("安装.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),  # fine: .doc
        ("installer.msi", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
    ],
    ids=["exe", "exe-as-jpg", "rlo", "bat", "fake-docx", "doc", "msi"],
)
def test_only_pictures_pdfs_and_office_documents_are_taken(
    store, add, evidence_dir, tmp_path, name, content
):
    case = add()
    path = tmp_path / name
    path.write_bytes(content)
    if name == "安装.doc":
        evidence = attach_evidence(store, evidence_dir, case.id, path, owner="RC-MT")
        assert evidence.mime == "application/msword"
        return
    outbox_before = store.scalar("SELECT count(*) FROM outbox")
    with pytest.raises(StoreError) as refused:
        attach_evidence(store, evidence_dir, case.id, path, owner="RC-MT")
    message = str(refused.value)
    assert "is not a picture, a PDF or an office document" in message
    assert RLO not in message
    assert _stored_files(evidence_dir) == []
    assert store.scalar("SELECT count(*) FROM evidence") == 0
    assert store.scalar("SELECT count(*) FROM outbox") == outbox_before


def test_office_documents_are_recognised_inside_their_zip(evidence_dir, tmp_path):
    from openpyxl import Workbook

    sheet = tmp_path / "清单.xlsx"
    Workbook().save(sheet)
    evidence = store_evidence_file(evidence_dir, sheet)
    assert evidence.mime.endswith("spreadsheetml.sheet")
    assert detect_evidence_type(sheet, "anything.bin").extension == ".xlsx"


def test_names_are_stored_and_shown_without_control_or_bidi_characters(evidence_dir, tmp_path):
    photo = tmp_path / f"photo{RLO}gpj.exe"
    photo.write_bytes(JPEG_BYTES)
    evidence = store_evidence_file(evidence_dir, photo)
    assert evidence.filename == "photogpj.exe"
    assert evidence.mime == "image/jpeg"
    assert safe_display_name("a\u200bb\u2066c\x07d\u202de  f.pdf") == "abcde f.pdf"
    assert safe_display_name("长" * 300 + ".jpg").endswith("….jpg")
    kind = detect_evidence_type(evidence_path(evidence_dir, evidence.sha256), evidence.filename)
    assert opened_copy_name(evidence.filename, kind) == "photogpj.jpg"
