"""Shared by every test: cheap password hashes (see station_app/passwords.py).

Set in the environment, so the `station-app` processes the CLI tests start inherit it. The
tests of the real cost ask for it explicitly (OWASP_COST)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import keyring

from station_app.passwords import TEST_COST_VALUE, TEST_COST_VARIABLE
from tests.support.file_keyring import ENV as KEYRING_FILE_VARIABLE
from tests.support.file_keyring import FileKeyring

os.environ[TEST_COST_VARIABLE] = TEST_COST_VALUE

# The data folder's key (station_app/data_key.py) lives in the OS keyring, and this machine
# may have none (a headless Linux box). Every test, and every `station-app` process a test
# starts through tests/support/cli.py, shares one keyring file for the session, so a station
# set up by `station-app init` opens in the test process and in the next command alike.
_KEYRING_DIR = Path(tempfile.mkdtemp(prefix="station-test-keyring-"))
os.environ[KEYRING_FILE_VARIABLE] = str(_KEYRING_DIR / "keyring.json")
keyring.set_keyring(FileKeyring(_KEYRING_DIR / "keyring.json"))
atexit.register(shutil.rmtree, _KEYRING_DIR, ignore_errors=True)
