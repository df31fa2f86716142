"""The sync token goes only into a secure keyring; insecure backends are refused, not used."""

import keyring
import pytest
from keyring.backends import chainer, fail

from station_app.sync import secrets
from tests.support.memory_keyring import MemoryKeyring


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_token_round_trips_through_a_secure_backend(memory_keyring):
    secrets.save_sync_token("RC-MT", "tok-123")
    assert secrets.load_sync_token("RC-MT") == "tok-123"
    assert memory_keyring.get_password(secrets.SERVICE_NAME, "RC-MT") == "tok-123"


def test_the_fail_backend_is_reported_and_refused():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        report = secrets.check_backend()
        assert not report.secure
        assert "fail.Keyring" in report.name
        with pytest.raises(secrets.InsecureKeyringError):
            secrets.save_sync_token("RC-MT", "tok")
    finally:
        keyring.set_keyring(previous)


def test_a_plaintext_file_backend_inside_a_chain_is_refused(monkeypatch):
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    PlaintextKeyring.__qualname__ = "PlaintextKeyring"
    chain = chainer.ChainerBackend()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring(), PlaintextKeyring()])
    report = secrets.check_backend(chain)
    assert not report.secure
    assert "keyrings.alt.file.PlaintextKeyring" in report.name


def test_an_empty_chain_is_refused(monkeypatch):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert not secrets.check_backend(chainer.ChainerBackend()).secure
