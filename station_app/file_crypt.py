"""The data folder's stored files (evidence photos and scans, issued PDFs) encrypted at rest
(README "Personal data on a shared PC"), when the folder has a key (station_app/data_key.py).

A stored file is written whole with AES-256-GCM:

    MAGIC (8 bytes) | version (1 byte) | nonce (12 bytes) | ciphertext | tag (16 bytes)

The header is authenticated too. The file key is derived from the folder's key with HKDF-SHA256
under a label of its own, so the database key itself never encrypts a file. The cipher is
PyCryptodome's (C, no Rust: `cryptography`'s Rust core needs Windows 10's ProcessPrng, which
neither Windows 8.1, where Python 3.13 still runs, nor wine 8 of the Windows lane has). A file stays named
by the SHA-256 of its plaintext (content addressing, deduplicated across stations by sync).

Reading recognises the header: a file without it is read as it is (a folder without a key, such
as the demo, and files stored before encryption until they are converted, see
`encrypt_stored_files`). A file that was changed, or that another key encrypted, is refused
with `StoredFileUnreadable`, in words for the clerk.

No Qt, no SQL: the callers hand over the folder key (`Store.key`, None for a plaintext folder).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF

from station_app.atomic_files import TEMPORARY_PREFIX, write_bytes_atomically
from station_app.i18n import _
from station_app.store.connection import StoreError

log = logging.getLogger(__name__)

MAGIC = b"STNCRYPT"  # no allowed evidence file (picture, PDF, office file) starts with it
VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = len(MAGIC) + 1 + NONCE_BYTES
OVERHEAD = HEADER_BYTES + TAG_BYTES
_FILE_KEY_LABEL = b"station-app stored files v1"

Progress = Callable[[int, int], None]  # files done, files in all


class StoredFileUnreadable(StoreError):
    """A stored file that was changed or damaged, or that this folder's key does not open."""


def file_key(folder_key: bytes) -> bytes:
    """The key stored files are encrypted with, derived from the data folder's key."""
    # RFC 5869 with no salt: a salt of hash-length zeros.
    return HKDF(folder_key, 32, bytes(32), SHA256, context=_FILE_KEY_LABEL)


def _cipher(folder_key: bytes, header: bytes):  # noqa: ANN202
    cipher = AES.new(file_key(folder_key), AES.MODE_GCM, nonce=header[len(MAGIC) + 1 :])
    cipher.update(header)  # authenticated, not encrypted
    return cipher


def is_sealed(data: bytes) -> bool:
    """The bytes of a stored file are in the encrypted format (by their header)."""
    return data[: len(MAGIC)] == MAGIC


def is_sealed_file(path: Path) -> bool:
    with Path(path).open("rb") as f:
        return is_sealed(f.read(len(MAGIC)))


def seal(data: bytes, folder_key: bytes) -> bytes:
    """`data` in the encrypted format, under a fresh random nonce."""
    header = MAGIC + bytes([VERSION]) + os.urandom(NONCE_BYTES)
    ciphertext, tag = _cipher(folder_key, header).encrypt_and_digest(data)
    return header + ciphertext + tag


def _unreadable(name: str) -> StoredFileUnreadable:
    return StoredFileUnreadable(
        _(
            "The stored file {name} cannot be opened: it was changed or damaged, or it belongs "
            "to another data folder (its key does not open it). Nothing was changed; restore "
            "the file from a backup of this data folder."
        ).format(name=name)
    )


def unseal(data: bytes, folder_key: bytes | None, name: str = "") -> bytes:
    """The plaintext of a stored file's bytes: as they are when not encrypted, decrypted and
    checked when they are. StoredFileUnreadable when they were changed or the key is not
    theirs (or the folder has no key, `folder_key` None)."""
    if not is_sealed(data):
        return data
    if folder_key is None:
        raise StoredFileUnreadable(
            _(
                "The stored file {name} is encrypted, but this data folder's database is not: "
                "the file comes from another data folder. Nothing was changed."
            ).format(name=name)
        )
    version = data[len(MAGIC)] if len(data) > len(MAGIC) else None
    if version != VERSION or len(data) < OVERHEAD:
        raise _unreadable(name)
    header, body, tag = data[:HEADER_BYTES], data[HEADER_BYTES:-TAG_BYTES], data[-TAG_BYTES:]
    try:
        return _cipher(folder_key, header).decrypt_and_verify(body, tag)
    except ValueError as error:  # the tag does not match: changed, or another key
        raise _unreadable(name) from error


def read_stored_file(path: Path, folder_key: bytes | None) -> bytes:
    """The plaintext of the stored file at `path`. OSError when it cannot be read (missing),
    StoredFileUnreadable when it was changed or another key encrypted it."""
    path = Path(path)
    return unseal(path.read_bytes(), folder_key, path.name)


def write_stored_file(target: Path, data: bytes, folder_key: bytes | None) -> None:
    """`data` at `target`, whole or not at all: encrypted when the folder has a key."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(target, data if folder_key is None else seal(data, folder_key))


def encrypt_in_place(path: Path, folder_key: bytes) -> bool:
    """Encrypt one plaintext stored file in place (atomically: after a power cut the file is
    either the plaintext or the encrypted one, both readable). False when it was encrypted
    already."""
    path = Path(path)
    data = path.read_bytes()
    if is_sealed(data):
        return False
    write_bytes_atomically(path, seal(data, folder_key))
    return True


def stored_files(roots: Iterable[Path]) -> list[Path]:
    """Every stored file under the content-addressed folders `roots` (`ab/ab12…`)."""
    found: list[Path] = []
    for root in roots:
        if Path(root).is_dir():
            found += sorted(
                p
                for p in Path(root).glob("*/*")
                if p.is_file() and not p.name.startswith(TEMPORARY_PREFIX)
            )
    return found


def plaintext_stored_files(roots: Iterable[Path]) -> list[Path]:
    """The stored files under `roots` not yet encrypted (backup.stored_file_roots: a data
    folder's and its backups folder's)."""
    found = []
    for path in stored_files(roots):
        try:
            if not is_sealed_file(path):
                found.append(path)
        except OSError:
            log.warning("could not read the stored file %s", path, exc_info=True)
    return found


def encrypt_stored_files(
    files: Iterable[Path], folder_key: bytes, progress: Progress | None = None
) -> tuple[int, list[Path]]:
    """Encrypt plaintext stored files (`plaintext_stored_files`), one at a time, each
    atomically. Run again after an interruption it goes on where it stopped (an encrypted file
    is skipped). Returns how many were encrypted and the files that could not be (left as they
    are, read as plaintext, tried again at the next start)."""
    files = list(files)
    done, failed = 0, []
    for index, path in enumerate(files):
        try:
            if encrypt_in_place(path, folder_key):
                done += 1
        except OSError:
            log.warning("could not encrypt the stored file %s", path, exc_info=True)
            failed.append(path)
        if progress is not None:
            progress(index + 1, len(files))
    if done:
        log.info("%d stored files encrypted at rest", done)
    return done, failed


# -- a download in progress (sync-downloads/<sha256>.part) ---------------------------------------
#
# In a folder with a key, a part holds each chunk as it arrived, encrypted on its own: a record
# of its length (4 bytes, big-endian) and the chunk in the stored format. A power cut in the
# middle of a record leaves a torn last record, which `open_part` cuts off (that chunk is
# fetched again); nothing of a file being downloaded is on the disk in plaintext.

_RECORD_LENGTH = 4


class DownloadPart:
    """An attachment being downloaded, kept across cuts: `size` plaintext bytes held."""

    def __init__(self, path: Path, folder_key: bytes | None) -> None:
        self.path = Path(path)
        self.key = folder_key
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a+b")
        self.size = self._recover()

    def _recover(self) -> int:
        """The plaintext bytes held, a torn or foreign tail cut off."""
        end = self._file.seek(0, os.SEEK_END)
        if self.key is None:
            return end
        self._file.seek(0)
        good, size = 0, 0
        while good < end:
            head = self._file.read(_RECORD_LENGTH)
            length = int.from_bytes(head, "big") if len(head) == _RECORD_LENGTH else -1
            record = self._file.read(length) if length >= OVERHEAD else b""
            if len(record) != length or not is_sealed(record):
                break
            try:
                size += len(unseal(record, self.key, self.path.name))
            except StoredFileUnreadable:
                break
            good += _RECORD_LENGTH + length
        if good < end:
            self._file.truncate(good)
        self._file.seek(0, os.SEEK_END)
        return size

    def append(self, data: bytes) -> None:
        """Add a chunk, on disk (flushed and synced) when this returns."""
        if self.key is None:
            self._file.write(data)
        else:
            record = seal(data, self.key)
            self._file.write(len(record).to_bytes(_RECORD_LENGTH, "big") + record)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.size += len(data)

    def restart(self) -> None:
        """Drop what is held (the server sends the whole file from its start)."""
        self._file.truncate(0)
        self._file.seek(0)
        self.size = 0

    def content(self) -> bytes:
        """The plaintext held, whole."""
        self._file.seek(0)
        raw = self._file.read()
        self._file.seek(0, os.SEEK_END)
        if self.key is None:
            return raw
        chunks, at = [], 0
        while at < len(raw):
            length = int.from_bytes(raw[at : at + _RECORD_LENGTH], "big")
            chunks.append(unseal(raw[at + _RECORD_LENGTH : at + _RECORD_LENGTH + length], self.key))
            at += _RECORD_LENGTH + length
        return b"".join(chunks)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DownloadPart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
