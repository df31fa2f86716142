"""The key that is to encrypt a data folder's database at rest (SQLCipher, see README "Personal
data on a shared PC"): made at setup, kept in the OS keyring under the folder's own id, never
in a plaintext keyring, with a recovery key printed once for the administrator.

The store opens the database with it (store/opening.py `folder_key`). A data folder holds a
small `data-key.json` with the folder's id and a check value of its key (an HMAC, which tells a
wrong key from the right one and reveals nothing of it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from station_app.atomic_files import write_bytes_atomically
from station_app.i18n import _
from station_app.sync.secrets import SERVICE_NAME, InsecureKeyringError, secure_keyring

KEY_BYTES = 32
KEY_FILE = "data-key.json"
_CHECK_LABEL = b"station-app data key check v1"
_GROUP = 4  # recovery key characters per group, e.g. ABCD-EFGH-...
# Characters a person misreads from paper, as base32 (A–Z, 2–7) has them.
_MISREAD = str.maketrans({"0": "O", "1": "I", "8": "B"})


class DataKeyProblem(Exception):
    """The key cannot be had: what happened, that nothing was changed, and what to do."""


@dataclass(frozen=True)
class FolderKeyInfo:
    """What the data folder keeps about its key: the folder's id and the key's check value."""

    folder_id: str
    check: str


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_check(key: bytes) -> str:
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()[:32]


def recovery_text(key: bytes) -> str:
    """The key as the administrator writes it down: base32 with a 2-byte checksum, in groups."""
    payload = key + hashlib.sha256(key).digest()[:2]
    text = base64.b32encode(payload).decode("ascii").rstrip("=")
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def key_from_recovery(text: str) -> bytes:
    """The key from its recovery text (spaces, dashes, lower case and 0/1/8 for O/I/B forgiven);
    DataKeyProblem when it was mistyped."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_MISREAD)
    try:
        payload = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except ValueError:
        payload = b""
    if base64.b32encode(payload).decode("ascii").rstrip("=") != cleaned:
        payload = b""  # a mistyped last character can differ only in bits past the key
    key, checksum = payload[:KEY_BYTES], payload[KEY_BYTES:]
    if len(key) != KEY_BYTES or checksum != hashlib.sha256(key).digest()[:2]:
        raise DataKeyProblem(
            _(
                "The recovery key is not right: check each group of four characters against "
                "the paper printed at setup. Nothing was changed."
            )
        )
    return key


def _keyring_name(folder_id: str) -> str:
    return f"data-key#{folder_id}"


def read_folder_info(folder: Path) -> FolderKeyInfo | None:
    path = Path(folder) / KEY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return FolderKeyInfo(str(data["folder_id"]), str(data["check"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataKeyProblem(
            _(
                "The file {name} in the data folder cannot be read ({detail}). Nothing was "
                "changed; restore it from a backup of the data folder."
            ).format(name=KEY_FILE, detail=error)
        ) from error


def create_folder_key(folder: Path) -> str:
    """Make the data folder's key, keep it in the keyring and its check in the folder; returns
    the recovery text to print once. Refused (DataKeyProblem) when the folder has a key, or
    when no secure keyring exists (nothing is then written)."""
    if read_folder_info(folder) is not None:
        raise DataKeyProblem(_("This data folder has a key already; nothing was changed."))
    key = new_data_key()
    info = FolderKeyInfo(str(uuid.uuid4()), key_check(key))
    _save_in_keyring(info.folder_id, key)
    _write_info(folder, info)
    return recovery_text(key)


def load_folder_key(folder: Path) -> bytes:
    """The data folder's key from this PC's keyring. DataKeyProblem, in words for the user,
    when the keyring has none (the folder was copied from another PC) or a wrong one."""
    info = read_folder_info(folder)
    if info is None:
        raise DataKeyProblem(_("This data folder has no key yet; nothing was changed."))
    stored = _keyring().get_password(SERVICE_NAME, _keyring_name(info.folder_id))
    if not stored:
        raise DataKeyProblem(
            _(
                "This PC's password store has no key for this data folder (was the folder "
                "copied from another PC?). The data is intact. An administrator enters the "
                "recovery key printed at setup to open it here."
            )
        )
    try:
        key = bytes.fromhex(stored)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES or not hmac.compare_digest(key_check(key), info.check):
        raise DataKeyProblem(
            _(
                "The key in this PC's password store does not fit this data folder. The data "
                "is intact and nothing was changed. An administrator enters the recovery key "
                "printed at setup to open it."
            )
        )
    return key


def restore_folder_key(folder: Path, recovery: str) -> bytes:
    """Put the key given by its recovery text into this PC's keyring, once it is checked
    against the folder; a wrong recovery key changes nothing."""
    info = read_folder_info(folder)
    if info is None:
        raise DataKeyProblem(_("This data folder has no key yet; nothing was changed."))
    key = key_from_recovery(recovery)
    if not hmac.compare_digest(key_check(key), info.check):
        raise DataKeyProblem(
            _(
                "This recovery key belongs to another data folder. Nothing was changed; use "
                "the paper printed when this station was set up."
            )
        )
    _save_in_keyring(info.folder_id, key)
    return key


def _keyring():
    """The OS keyring; a plaintext one (keyrings.alt on a headless box) is never used."""
    try:
        return secure_keyring()
    except InsecureKeyringError as error:
        raise DataKeyProblem(
            _(
                "No secure password store is available on this PC, so the data folder's key "
                "cannot be kept safely; nothing was changed. On Windows the Credential Manager "
                "is used."
            )
        ) from error


def _save_in_keyring(folder_id: str, key: bytes) -> None:
    _keyring().set_password(SERVICE_NAME, _keyring_name(folder_id), key.hex())


def _write_info(folder: Path, info: FolderKeyInfo) -> None:
    data = {"folder_id": info.folder_id, "check": info.check}
    write_bytes_atomically(
        Path(folder) / KEY_FILE, json.dumps(data, indent=2).encode("utf-8") + b"\n"
    )
