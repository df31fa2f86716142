"""Evidence files (photos and scans) stored once by their SHA-256 in the data folder.

Only pictures, PDFs and common office documents are taken, recognised by their content (not
their name): a program or script renamed "receipt.jpg" is refused, and a stored file is only
ever handed to the PC's viewer under the extension its content has. Names are shown without
control or bidirectional characters, so "photo\u202egpj.exe" cannot pass for "photoexe.jpg".
In a data folder with a key the stored file is encrypted (file_crypt); it is still named by the
SHA-256 of its content, and its kind is judged on the content, never on the encrypted bytes.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from station_app.domain import Evidence
from station_app.error_report import os_error_reason
from station_app.file_crypt import is_sealed_file, read_stored_file, write_stored_file
from station_app.i18n import _
from station_app.store import Store, StoreError
from station_app.store.cases import add_evidence_row

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class EvidenceType:
    """An allowed kind of evidence file: its MIME type and the extension it is opened under."""

    mime: str
    extension: str


_OLE_EXTENSIONS = {
    ".doc": EvidenceType("application/msword", ".doc"),
    ".xls": EvidenceType("application/vnd.ms-excel", ".xls"),
    ".ppt": EvidenceType("application/vnd.ms-powerpoint", ".ppt"),
    ".wps": EvidenceType("application/vnd.ms-works", ".wps"),
    ".et": EvidenceType("application/vnd.ms-excel", ".et"),
}
_OOXML = {
    "word/": EvidenceType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"
    ),
    "xl/": EvidenceType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
    ),
    "ppt/": EvidenceType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"
    ),
}
_ODF = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")


def _office_zip_type(path: Path | io.BytesIO) -> EvidenceType | None:
    """A Word, Excel or PowerPoint (.docx/.xlsx/.pptx) or OpenDocument file; None for any
    other zip (a .jar, an .apk, a zip of programs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" in names:
                for folder, kind in _OOXML.items():
                    if any(name.startswith(folder) for name in names):
                        return kind
                return None
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                mime = archive.read("mimetype").decode("ascii", "replace").strip()
                if mime in _ODF:
                    return EvidenceType(mime, _ODF[mime])
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def detect_evidence_type(path: Path, name: str) -> EvidenceType | None:
    """The kind of an evidence file by its content, or None when it is not an allowed one.

    Allowed: JPEG, PNG, GIF, WebP, BMP, TIFF and HEIC pictures; PDF; RTF; Word, Excel,
    PowerPoint, WPS and OpenDocument files. Old-format office files (.doc, .xls, .ppt) share
    their container with Windows installers, so they are taken only under their own extension.
    """
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError:
        return None
    return _detect(head, name, lambda: _office_zip_type(path))


def detect_evidence_content(data: bytes, name: str) -> EvidenceType | None:
    """`detect_evidence_type` of a file's content held in memory (a stored file decrypted)."""
    return _detect(data[:16], name, lambda: _office_zip_type(io.BytesIO(data)))


def _detect(
    head: bytes, name: str, zip_type: Callable[[], EvidenceType | None]
) -> EvidenceType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return EvidenceType("image/jpeg", ".jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return EvidenceType("image/png", ".png")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return EvidenceType("image/gif", ".gif")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return EvidenceType("image/webp", ".webp")
    if head.startswith(b"BM") and len(head) >= 14:
        return EvidenceType("image/bmp", ".bmp")
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return EvidenceType("image/tiff", ".tif")
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return EvidenceType("image/heic", ".heic")
    if head.startswith(b"%PDF-"):
        return EvidenceType("application/pdf", ".pdf")
    if head.startswith(b"{\\rtf"):
        return EvidenceType("application/rtf", ".rtf")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _OLE_EXTENSIONS.get(Path(safe_display_name(name)).suffix.lower())
    if head.startswith(b"PK\x03\x04"):
        return zip_type()
    return None


def safe_display_name(name: str) -> str:
    """A file name as it may be shown and stored: without control, format (bidirectional
    overrides, zero-width) or unassigned characters, spaces collapsed, at most MAX_NAME_CHARS
    characters (keeping the extension)."""
    kept = "".join(
        " " if unicodedata.category(ch) == "Zs" or ch in "\t\n\r" else ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in "\t\n\r"
    )
    text = " ".join(kept.split())
    if len(text) > MAX_NAME_CHARS:
        suffix = Path(text).suffix[:12]
        text = text[: MAX_NAME_CHARS - len(suffix) - 1] + "…" + suffix
    return text or "file"


def opened_copy_name(filename: str, kind: EvidenceType) -> str:
    """The name a stored file is copied out under to be opened: its shown name with the
    extension of its content, so the viewer chosen is the one for what the file really is."""
    stem = Path(safe_display_name(filename)).stem.strip(". ") or "file"
    return stem + kind.extension


class EvidenceRefused(StoreError):
    """A file that is not an allowed kind of evidence."""


def refused_message(name: str) -> str:
    return _(
        "{name} is not a picture, a PDF or an office document (judged by its content, not its "
        "name), so it is not taken as evidence and is never opened. Photograph or scan the "
        "paper, or save the document as PDF, and add that file."
    ).format(name=safe_display_name(name))


def evidence_path(evidence_dir: Path, sha256: str) -> Path:
    return evidence_dir / sha256[:2] / sha256


def too_large_message(name: str, size: int) -> str:
    return _(
        "The file {name} is {size} MB; evidence files may be at most {limit} MB. "
        "Scan or photograph it at a lower resolution."
    ).format(
        name=safe_display_name(name),
        size=round(size / 1048576, 1),
        limit=MAX_EVIDENCE_BYTES // 1048576,
    )


def store_evidence_file(evidence_dir: Path, source: Path, key: bytes | None = None) -> Evidence:
    """Copy a file into the content-addressed store (once per content, named by the SHA-256
    of its content) and describe it; encrypted at rest with `key`, the data folder's key
    (`Store.key`; None: a plaintext folder), see file_crypt."""
    try:
        size = source.stat().st_size
    except OSError as error:
        raise StoreError(
            _("The file {name} cannot be read.").format(name=safe_display_name(source.name))
        ) from error
    if size > MAX_EVIDENCE_BYTES:
        raise StoreError(too_large_message(source.name, size))
    try:
        with source.open("rb") as src:
            data = src.read(MAX_EVIDENCE_BYTES + 1)
    except OSError as error:
        raise StoreError(
            _("The file {name} cannot be read.").format(name=safe_display_name(source.name))
        ) from error
    size = len(data)
    if size > MAX_EVIDENCE_BYTES:
        raise StoreError(too_large_message(source.name, size))
    # Judged on the bytes read, so the file cannot change between the check and the store.
    kind = detect_evidence_content(data, source.name)
    if kind is None:
        raise EvidenceRefused(refused_message(source.name))
    sha = hashlib.sha256(data).hexdigest()
    target = evidence_path(evidence_dir, sha)
    with _storing(source.name):
        if not target.exists() or key is not None and not is_sealed_file(target):
            write_stored_file(target, data, key)
    return Evidence(sha256=sha, filename=safe_display_name(source.name), size=size, mime=kind.mime)


def copy_out(evidence_dir: Path, evidence: Evidence, key: bytes | None, target_dir: Path) -> Path:
    """A plaintext copy of a stored evidence file in `target_dir` (a private temporary folder
    of the PC's user), under its name with the extension of its content, to be opened in the
    PC's viewer; decrypted with the folder's `key`. Refused (EvidenceRefused) when its content
    is not an allowed kind, StoreError when it is missing or was changed."""
    source = evidence_path(evidence_dir, evidence.sha256)
    try:
        data = read_stored_file(source, key)
    except FileNotFoundError as error:
        raise StoreError(
            _(
                "The file {name} is missing from the data folder's evidence store. "
                "Ask the city office to restore it from a backup."
            ).format(name=safe_display_name(evidence.filename))
        ) from error
    except OSError as error:
        raise StoreError(
            _("The file {name} cannot be read.").format(name=safe_display_name(evidence.filename))
        ) from error
    kind = detect_evidence_content(data, evidence.filename)
    if kind is None:
        raise EvidenceRefused(refused_message(evidence.filename))
    target = Path(target_dir) / opened_copy_name(evidence.filename, kind)
    with _storing(evidence.filename):
        write_stored_file(target, data, None)
    return target


@contextmanager
def _storing(name: str) -> Iterator[None]:
    """A file written inside that cannot be (disk full, USB stick pulled out) is a StoreError
    with the reason in words."""
    try:
        yield
    except OSError as error:
        raise StoreError(
            _("The file {name} could not be stored: {reason}").format(
                name=safe_display_name(name), reason=os_error_reason(error)
            )
        ) from error


def attach_evidence(
    store: Store, evidence_dir: Path, case_id: str, source: Path, *, owner: str, note: str = ""
) -> Evidence:
    evidence = store_evidence_file(evidence_dir, source, store.key)
    evidence.note = note
    return add_evidence_row(store, case_id, evidence, owner)
