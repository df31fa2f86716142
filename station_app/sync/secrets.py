"""The station's sync token in the OS keyring, and refusing insecure keyring backends."""

from __future__ import annotations

from dataclasses import dataclass

import keyring
import keyring.backend
from keyring.errors import KeyringError

from station_app.i18n import _

SERVICE_NAME = "station-app"

# Backends that would store the token in plain text, or not at all. keyrings.alt is chosen
# silently on a headless Linux box, which is exactly what must not happen to a sync token.
INSECURE_BACKENDS = {
    "keyrings.alt.file.PlaintextKeyring",
    "keyrings.alt.file.EncryptedKeyring",
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
}


class InsecureKeyringError(KeyringError):
    """No secure credential store is available on this PC."""


@dataclass(frozen=True)
class BackendReport:
    secure: bool
    name: str
    message: str


def _qualified_name(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _usable_backends(
    backend: keyring.backend.KeyringBackend,
) -> list[keyring.backend.KeyringBackend]:
    inner = getattr(backend, "backends", None)
    return list(inner) if inner is not None else [backend]


def check_backend(backend: keyring.backend.KeyringBackend | None = None) -> BackendReport:
    """Whether the keyring in use keeps secrets safely (Windows Credential Manager, macOS
    Keychain, Secret Service, or a test backend), with a message for the user."""
    backend = backend or keyring.get_keyring()
    chosen = _usable_backends(backend)
    names = [_qualified_name(b) for b in chosen]
    if not chosen or any(name in INSECURE_BACKENDS for name in names):
        return BackendReport(
            False,
            ", ".join(names) or _qualified_name(backend),
            _(
                "No secure password store is available on this PC, so the sync token cannot be "
                "kept safely. On Windows the Credential Manager is used; on Linux install and "
                "unlock a Secret Service keyring (e.g. GNOME Keyring)."
            ),
        )
    return BackendReport(
        True, ", ".join(names), _("Secure password store: {name}").format(name=names[0])
    )


def _secure_keyring() -> keyring.backend.KeyringBackend:
    backend = keyring.get_keyring()
    report = check_backend(backend)
    if not report.secure:
        raise InsecureKeyringError(report.message)
    return backend


def secure_keyring() -> keyring.backend.KeyringBackend:
    """The keyring in use, or InsecureKeyringError when it would not keep a secret safely."""
    return _secure_keyring()


def save_sync_token(station_code: str, token: str) -> None:
    _secure_keyring().set_password(SERVICE_NAME, station_code, token)


def load_sync_token(station_code: str) -> str | None:
    return _secure_keyring().get_password(SERVICE_NAME, station_code)


# The HMAC key of the station's USB bundles is a secret too: kept beside the token.
def _bundle_key(station_code: str) -> str:
    return f"{station_code}#bundle"


def save_bundle_secret(station_code: str, secret: bytes) -> None:
    _secure_keyring().set_password(SERVICE_NAME, _bundle_key(station_code), secret.hex())


def load_bundle_secret(station_code: str) -> bytes | None:
    value = _secure_keyring().get_password(SERVICE_NAME, _bundle_key(station_code))
    return bytes.fromhex(value) if value else None
