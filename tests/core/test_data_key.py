"""The data folder's key (for the database at rest): kept in the OS keyring, never in a
plaintext one, recoverable from the key printed at setup; a missing or wrong key is told in
words and changes nothing."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import null

from station_app.data_key import (
    KEY_FILE,
    DataKeyProblem,
    create_folder_key,
    key_from_recovery,
    load_folder_key,
    read_folder_info,
    recovery_text,
    restore_folder_key,
)
from tests.support.memory_keyring import MemoryKeyring


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_the_key_is_in_the_keyring_and_the_folder_holds_only_its_check(memory_keyring, tmp_path):
    recovery = create_folder_key(tmp_path)
    key = load_folder_key(tmp_path)
    assert len(key) == 32
    assert key.hex() not in (tmp_path / KEY_FILE).read_text(encoding="utf-8")
    assert [v for v in memory_keyring._secrets.values()] == [key.hex()]
    assert key_from_recovery(recovery) == key
    # As typed from paper: lower case, spaces for dashes, 0 for O.
    typed = recovery.lower().replace("-", " ").replace("o", "0")
    assert key_from_recovery(typed) == key
    with pytest.raises(DataKeyProblem):
        create_folder_key(tmp_path)  # never a second key over the first


def test_a_folder_copied_to_another_pc_opens_with_the_recovery_key(memory_keyring, tmp_path):
    recovery = create_folder_key(tmp_path)
    key = load_folder_key(tmp_path)
    memory_keyring._secrets.clear()  # another PC: its keyring knows nothing of the folder
    with pytest.raises(DataKeyProblem, match="copied from another PC"):
        load_folder_key(tmp_path)
    wrong = recovery_text(bytes(32))
    with pytest.raises(DataKeyProblem, match="another data folder"):
        restore_folder_key(tmp_path, wrong)
    mistyped = recovery[:-1] + ("A" if recovery[-1] != "A" else "B")
    with pytest.raises(DataKeyProblem, match="recovery key is not right"):
        restore_folder_key(tmp_path, mistyped)
    assert memory_keyring._secrets == {}  # nothing stored by a wrong key
    assert restore_folder_key(tmp_path, recovery) == key
    assert load_folder_key(tmp_path) == key


def test_a_wrong_key_in_the_keyring_is_told_and_changes_nothing(memory_keyring, tmp_path):
    create_folder_key(tmp_path)
    info = read_folder_info(tmp_path)
    before = (tmp_path / KEY_FILE).read_bytes()
    for (service, name), _value in list(memory_keyring._secrets.items()):
        memory_keyring._secrets[service, name] = bytes(32).hex()
    with pytest.raises(DataKeyProblem, match="does not fit"):
        load_folder_key(tmp_path)
    assert (tmp_path / KEY_FILE).read_bytes() == before and read_folder_info(tmp_path) == info


def test_a_plaintext_or_missing_keyring_is_never_used(tmp_path):
    before = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        with pytest.raises(DataKeyProblem, match="No secure password store"):
            create_folder_key(tmp_path)
    finally:
        keyring.set_keyring(before)
    assert not (tmp_path / KEY_FILE).exists()


def test_a_damaged_key_file_is_told_in_words(memory_keyring, tmp_path):
    (tmp_path / KEY_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(DataKeyProblem, match="cannot be read"):
        load_folder_key(tmp_path)


def test_every_mistyped_last_character_is_caught():
    # 34 bytes fill 54 characters and 3 bits of the 55th: a typo there used to pass unnoticed
    # when it touched only the unused bits.
    text = recovery_text(bytes(range(32)))
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567":
        if ch == text[-1]:
            assert key_from_recovery(text[:-1] + ch) == bytes(range(32))
            continue
        with pytest.raises(DataKeyProblem, match="recovery key is not right"):
            key_from_recovery(text[:-1] + ch)
