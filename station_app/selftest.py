"""`station-app selftest`: can this PC run the app? Qt, a Chinese font, the database, the keyring."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from station_app.assets import asset_path
from station_app.i18n import _
from station_app.store import DATABASE_FILENAME, Store, StoreError
from station_app.sync.secrets import check_backend


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def _qt_probe() -> dict:
    if getattr(sys, "frozen", False):
        command = [sys.executable, "_qtcheck"]
    else:
        command = [sys.executable, "-m", "station_app.ui.selfcheck"]
    env = dict(os.environ)
    if (
        not env.get("DISPLAY")
        and not env.get("WAYLAND_DISPLAY")
        and sys.platform.startswith("linux")
    ):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"qt_ok": False, "error": str(error)}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"qt_ok": False, "error": " / ".join(tail) or f"exit code {done.returncode}"}
    return json.loads(lines[-1])


def check_qt_and_fonts() -> list[CheckResult]:
    probe = _qt_probe()
    if not probe.get("qt_ok"):
        detail = _("Qt cannot start: {error}").format(error=probe.get("error", ""))
        return [
            CheckResult(_("Qt display platform"), False, detail),
            CheckResult(_("Chinese font"), False, _("Not checked because Qt cannot start.")),
        ]
    results = [CheckResult(_("Qt display platform"), True, probe.get("platform", ""))]
    fonts = probe.get("cjk_fonts", [])
    if fonts:
        results.append(CheckResult(_("Chinese font"), True, ", ".join(fonts[:3])))
    else:
        results.append(
            CheckResult(
                _("Chinese font"),
                False,
                _(
                    "No font with Chinese characters was found; text would show as empty boxes. "
                    "Install a Chinese font (e.g. fonts-wqy-microhei) or reinstall the app."
                ),
            )
        )
    return results


def check_document_font() -> CheckResult:
    from station_app.documents.fonts import check_document_font as problem_with_document_font

    problem = problem_with_document_font()
    if problem is None:
        return CheckResult(_("Document font"), True, str(asset_path("fonts", "wqy-microhei.ttc")))
    return CheckResult(_("Document font"), False, problem)


def check_database(data_dir: Path) -> CheckResult:
    from station_app.data_folder import check_database_file

    path = data_dir / DATABASE_FILENAME
    try:
        check_database_file(data_dir)
    except StoreError as error:
        return CheckResult(_("Database"), False, str(error))
    if not path.exists():
        return CheckResult(
            _("Database"),
            True,
            _("No database yet in {path}; it is made at first start.").format(path=data_dir),
        )
    try:
        with Store(path, migrate=False) as store:
            verdict = store.integrity_check()
    except StoreError as error:
        return CheckResult(_("Database"), False, str(error))
    if verdict != "ok":
        return CheckResult(
            _("Database"),
            False,
            _(
                "The database is damaged ({detail}). Restore the newest backup from {folder} "
                "with `station-app restore FILE`."
            ).format(detail=verdict.splitlines()[0], folder=data_dir / "backups"),
        )
    return CheckResult(_("Database"), True, _("Integrity check passed: {path}").format(path=path))


def check_file_encryption() -> CheckResult:
    """The stored files' encryption (file_crypt: AES-256-GCM from PyCryptodome) works in this
    build: a sample is encrypted and read back."""
    name = _("Encryption of stored files")
    try:
        from station_app.file_crypt import seal, unseal

        key, sample = os.urandom(32), os.urandom(64)
        ok = unseal(seal(sample, key), key) == sample
    except Exception as error:  # a library missing from the build: reported, not raised
        return CheckResult(name, False, str(error))
    return CheckResult(name, ok, "AES-256-GCM")


def check_keyring() -> CheckResult:
    report = check_backend()
    return CheckResult(
        _("Password store for the sync token"), report.secure, report.message + f" ({report.name})"
    )


def run_selftest(data_dir: Path) -> list[CheckResult]:
    return [
        *check_qt_and_fonts(),
        check_document_font(),
        check_database(data_dir),
        check_file_encryption(),
        check_keyring(),
    ]
