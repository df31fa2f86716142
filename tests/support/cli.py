"""Run `station-app` as a real process against a data folder, and set up a station with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "case.json"


# The password `init_station` gives the administrator; `run` passes it as the acting user's
# password (STATION_APP_PASSWORD) unless `env` names another or None to give none.
ADMIN_PASSWORD = "secret123"


def run(data_dir: Path, *args: str, stdin: str = "", env: dict | None = None):
    full_env = {
        **os.environ,
        "STATION_APP_LANG": "en",
        "PYTHONPATH": str(ROOT),
        "STATION_APP_PASSWORD": ADMIN_PASSWORD,
        # The session's keyring file (tests/conftest.py): the data folder's key made by
        # `init` is found by the next command and by the test itself.
        "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
        **(env or {}),
    }
    full_env = {key: value for key, value in full_env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "-m", "station_app", "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        timeout=120,
        start_new_session=True,  # no controlling terminal: a password prompt fails, never waits
    )


def init_station(data_dir: Path) -> Path:
    """`station-app init` of the township station RC-MT with admin / secret123."""
    done = run(
        data_dir, "init", "--code", "RC-MT", "--name", "码头镇消费者投诉站", "--level",
        "township", "--parent", "RC", "--admin", "admin", stdin=ADMIN_PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["station"] == "RC-MT"
    return data_dir


def set_authority(data_dir: Path) -> None:
    """The deciding authority of the township station, as an administrator sets it."""
    from station_app.store import Store
    from station_app.store.station_settings import save_acting_settings

    with Store(data_dir / "station.db") as store:
        save_acting_settings(
            store,
            {
                "authority.name": "瑞昌市市场监督管理局码头市场监督管理所",
                "authority.prefix": "瑞市监消",
            },
            actor="admin",
        )
