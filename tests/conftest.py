"""Shared by every test: cheap password hashes (see station_app/passwords.py).

Set in the environment, so the `station-app` processes the CLI tests start inherit it. The
tests of the real cost ask for it explicitly (OWASP_COST)."""

import os

from station_app.passwords import TEST_COST_VALUE, TEST_COST_VARIABLE

os.environ[TEST_COST_VARIABLE] = TEST_COST_VALUE
