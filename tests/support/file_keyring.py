"""A keyring backend kept in a JSON file named by STATION_TEST_KEYRING: the tests' stand-in for
Windows Credential Manager when a station is synced by separate `station-app` processes (the
in-memory one lives and dies with one process). For tests only: the file is plain text."""

from __future__ import annotations

import json
import os
from pathlib import Path

from jaraco.classes import properties
from keyring.backend import KeyringBackend

ENV = "STATION_TEST_KEYRING"


class FileKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring's class property
        # Never chosen by keyring's own detection: only when named (PYTHON_KEYRING_BACKEND,
        # with the file in STATION_TEST_KEYRING) or set by a test.
        if ENV not in os.environ:
            raise RuntimeError(f"{ENV} names no keyring file")
        return 1

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__()
        self.path = Path(path or os.environ.get(ENV, "keyring.json"))

    def _read(self) -> dict[str, str]:
        return json.loads(self.path.read_text("utf-8")) if self.path.is_file() else {}

    def set_password(self, service: str, username: str, password: str) -> None:
        values = self._read()
        values[f"{service}\n{username}"] = password
        self.path.write_text(json.dumps(values), "utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\n{username}")

    def delete_password(self, service: str, username: str) -> None:
        values = self._read()
        values.pop(f"{service}\n{username}", None)
        self.path.write_text(json.dumps(values), "utf-8")
