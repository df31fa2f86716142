"""An in-memory keyring backend: the tests' stand-in for Windows Credential Manager."""

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[service, username] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self._secrets.pop((service, username), None)
