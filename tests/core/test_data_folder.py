"""The data folder: where it is, and only one copy of the app at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from station_app import data_folder
from station_app.data_folder import (
    ENV_VARIABLE,
    LOCK_FILENAME,
    DataFolder,
    FolderInUse,
    default_data_dir,
)
from station_app.store import DATABASE_FILENAME, StoreError
from station_app.store.migrations import LATEST_VERSION, schema_version

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STATION_APP_LANG": "en"}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


TRY_OPEN = """
    import sys
    from pathlib import Path
    from station_app.data_folder import DataFolder, FolderInUse
    try:
        folder = DataFolder(Path(sys.argv[1]))
    except FolderInUse as error:
        print("IN USE:", error)
        sys.exit(3)
    folder.close()
    print("OPENED")
"""

HOLD_OPEN = """
    import os, sys
    from pathlib import Path
    from station_app.data_folder import DataFolder
    folder = DataFolder(Path(sys.argv[1]))
    print("LOCKED", flush=True)
    command = sys.stdin.readline().strip()
    if command == "crash":
        os._exit(9)  # no close, no clean-up: as when the PC loses power or the app is killed
    folder.close()
    print("RELEASED", flush=True)
"""


def test_second_data_folder_in_the_same_process_is_refused(data_dir):
    first = DataFolder(data_dir)
    try:
        with pytest.raises(FolderInUse) as caught:
            DataFolder(data_dir)
        assert "already running" in str(caught.value)
        assert str(data_dir) in str(caught.value)
        assert isinstance(caught.value, StoreError)
    finally:
        first.close()
    second = DataFolder(data_dir)
    second.close()


def test_context_manager_releases_the_lock(data_dir):
    with DataFolder(data_dir):
        with pytest.raises(FolderInUse):
            DataFolder(data_dir)
    with DataFolder(data_dir):
        pass


def test_second_process_is_refused_while_the_first_holds_the_folder(data_dir):
    with DataFolder(data_dir):
        other = _python(TRY_OPEN, str(data_dir))
        out, err = other.communicate(timeout=60)
        assert other.returncode == 3, err
        assert out.startswith("IN USE:")
        assert "already running" in out
    again = _python(TRY_OPEN, str(data_dir))
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert out.strip() == "OPENED"


def test_folder_held_by_another_process_is_refused_here_until_it_closes(data_dir):
    holder = _python(HOLD_OPEN, str(data_dir))
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        with pytest.raises(FolderInUse):
            DataFolder(data_dir)
        holder.stdin.write("close\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "RELEASED"
        assert holder.wait(timeout=60) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    with DataFolder(data_dir):
        pass


def test_lock_of_a_crashed_process_does_not_block_the_folder(data_dir):
    holder = _python(HOLD_OPEN, str(data_dir))
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        with pytest.raises(FolderInUse):
            DataFolder(data_dir)
        holder.stdin.write("crash\n")
        holder.stdin.flush()
        assert holder.wait(timeout=60) == 9
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    with DataFolder(data_dir):
        pass


def test_data_folder_is_created_with_its_paths(tmp_path):
    path = tmp_path / "station"
    with DataFolder(path) as folder:
        assert path.is_dir()
        assert folder.path == path
        assert folder.database_path == path / DATABASE_FILENAME
        assert folder.evidence_dir == path / "evidence"
        assert folder.backup_dir == path / "backups"
        assert (path / LOCK_FILENAME).exists()


def test_open_store_gives_a_migrated_database_in_the_folder(data_dir):
    with DataFolder(data_dir) as folder:
        first = folder.open_store()
        second = folder.open_store()  # one connection per thread
        try:
            assert folder.database_path.exists()
            assert schema_version(first.conn) == LATEST_VERSION
            first.set_setting("k", "v")
            assert second.get_setting("k") == "v"
        finally:
            first.close()
            second.close()


def test_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError) as caught:
        DataFolder(blocker / "station")
    assert "cannot be created" in str(caught.value)
    assert not isinstance(caught.value, FolderInUse)


def test_env_variable_overrides_the_default_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VARIABLE, str(tmp_path / "从U盘运行"))
    assert default_data_dir() == tmp_path / "从U盘运行"
    assert ENV_VARIABLE == "STATION_APP_DATA"


def expected_default(tmp_path: Path) -> Path:
    """XDG_DATA_HOME on Linux (set by these tests); on Windows (scripts/windows-check.sh) the
    user's AppData\\Local, e.g. C:\\Users\\张三\\AppData\\Local\\station-app."""
    if sys.platform == "win32":
        return Path(os.environ["LOCALAPPDATA"]) / "station-app"
    return tmp_path / "xdg" / "station-app"


def test_default_folder_without_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    path = default_data_dir()
    assert path.name == "station-app"
    assert path == expected_default(tmp_path)


def test_empty_env_variable_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(ENV_VARIABLE, "")
    assert default_data_dir() == expected_default(tmp_path)


def test_env_variable_is_read_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VARIABLE, str(tmp_path / "one"))
    assert data_folder.default_data_dir() == tmp_path / "one"
    monkeypatch.setenv(ENV_VARIABLE, str(tmp_path / "two"))
    assert data_folder.default_data_dir() == tmp_path / "two"
