"""Starting the app on the data folder of an earlier version: a dialog shows the migration's
steps and percentage while the database worker migrates, then the login opens."""

from __future__ import annotations

import re
import time
from dataclasses import replace

from PySide6.QtWidgets import QApplication

from station_app.store import migrations
from station_app.store.migrations import LATEST_VERSION
from station_app.ui.app import run_gui
from station_app.ui.login_dialog import LoginDialog
from station_app.ui.migration_dialog import MigrationDialog
from tests.support.upgrade_fixtures import file_schema_version, fixture_versions, unpack
from tests.ui.conftest import driving_the_app


def visible(kind: type):
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None
    )


def _slow_last_migration(monkeypatch, seconds: float) -> None:
    """The last migration takes `seconds` (as a big database's would), so the dialog stays up."""

    def slow(apply):
        def run(conn) -> None:
            apply(conn)
            time.sleep(seconds)

        return run

    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        tuple(
            replace(m, apply=slow(m.apply)) if m.version == LATEST_VERSION else m
            for m in migrations.MIGRATIONS
        ),
    )


def test_a_database_that_needs_migrating_shows_a_progress_dialog(
    qapp, qtbot, tmp_path, monkeypatch
):
    version = fixture_versions()[0]
    data = unpack(version, tmp_path / "data")
    _slow_last_migration(monkeypatch, 1.5)
    seen: dict[str, object] = {}

    def step() -> None:
        dialog = visible(MigrationDialog)
        if dialog is not None:
            seen.setdefault("values", []).append(dialog.value())
            if "dialog" not in seen:
                seen["dialog"] = dialog.labelText()
                seen["modal"] = dialog.isModal()
        login = visible(LoginDialog)
        if login is not None and "login" not in seen:
            seen["login"] = True
            seen["dialog_after_login"] = visible(MigrationDialog) is not None
            reports = [w for w in QApplication.topLevelWidgets() if isinstance(w, MigrationDialog)]
            seen["reports"] = reports[0].reports if reports else []
            login.reject()  # ends the app

    with driving_the_app(step):
        code = run_gui(data)
    assert code == 0
    steps = 1 + (LATEST_VERSION - version) + 1
    assert re.search(rf"Step \d+ of {steps} · \d+ s so far", seen["dialog"])
    assert "do not switch off the PC" in seen["dialog"]
    # the bar moved while the clerk watched (it may also be caught at 100 % just before it
    # closes, when the machine is busy)
    assert any(0 < value < 100 for value in seen["values"]) and seen["modal"]
    assert seen["login"] and not seen["dialog_after_login"]
    reports = seen["reports"]
    assert reports[-1].finished and reports[-1].percent == 100
    assert [r.step for r in reports if not r.heartbeat and not r.finished] == list(
        range(1, steps + 1)
    )  # every step was shown, in order
    slow = [r for r in reports if r.version == LATEST_VERSION and r.kind == "migration"]
    assert any(r.heartbeat for r in slow)  # the dialog heard from the long step while it ran
    assert file_schema_version(data / "station.db") == LATEST_VERSION


def test_a_current_database_opens_without_the_dialog(qapp, qtbot, tmp_path):
    data = unpack(fixture_versions()[0], tmp_path / "data")
    from station_app.data_folder import DataFolder

    with DataFolder(data) as folder, folder.open_store():
        pass  # migrated once
    seen: dict[str, object] = {"dialog": False}

    def step() -> None:
        if visible(MigrationDialog) is not None:
            seen["dialog"] = True
        login = visible(LoginDialog)
        if login is not None:
            login.reject()

    with driving_the_app(step):
        code = run_gui(data)
    assert code == 0 and seen["dialog"] is False
