"""`station-app bundle export`: the USB bundle holds names, phones and ID numbers in full, so only
an administrator (password checked) writes one, and each export leaves one audit row; anyone
else gets exit code 2 and no file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from station_app.cli import main
from station_app.domain import IdType, Party, Role, User
from station_app.store import Store
from station_app.store.accounts import add_user
from station_app.sync.bundles import export_bundle
from station_app.sync.protocol import open_bundle
from station_app.sync.secrets import save_bundle_secret
from station_app.sync.transport import SyncError
from tests.core.conftest import ADMIN_PASSWORD, STATION_CODE, VALID_RIC, save_case
from tests.support.memory_keyring import MemoryKeyring

SECRET = bytes(range(32))
CLERK_PASSWORD = "clerk-secret-123"


@pytest.fixture
def bundle_key() -> Iterator[None]:
    """The station's bundle key, as enrolment leaves it, in an in-memory keyring."""
    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    save_bundle_secret(STATION_CODE, SECRET)
    yield
    keyring.set_keyring(before)


@pytest.fixture
def pending(store: Store, admin: User, bundle_key) -> list[str]:
    """Two cases with full personal data waiting to be sent, and a clerk."""
    add_user(store, User("li.clerk", "李登记", Role.CLERK, STATION_CODE), CLERK_PASSWORD)
    cases = [
        save_case(
            store,
            complainants=[
                Party(
                    name="张三",
                    phone="13812346721",
                    id_type=IdType.RESIDENT_ID,
                    id_number=VALID_RIC,
                )
            ],
        ),
        save_case(store, name="李四", phone="13955551234"),
    ]
    return [case.id for case in cases]


def _bundle_exports(store: Store) -> list[tuple[str, str]]:
    return [
        (row["actor"], row["new_value"])
        for row in store.query(
            "SELECT actor, new_value FROM audit_log WHERE kind = 'reveal' AND case_id IS NULL"
            " AND new_value LIKE 'USB bundle%' ORDER BY local_id"
        )
    ]


def _cli(monkeypatch, data_dir: Path, password: str, *args: str) -> int:
    monkeypatch.setenv("STATION_APP_PASSWORD", password)
    return main(["--data-dir", str(data_dir), "--lang", "en", *args])


def test_a_clerk_is_refused_with_exit_code_2_and_no_file(
    store, data_dir, pending, tmp_path, monkeypatch, capsys
) -> None:
    target = tmp_path / "usb" / "20260302.ssb"
    target.parent.mkdir()
    code = _cli(
        monkeypatch, data_dir, CLERK_PASSWORD, "bundle", "export", str(target), "--user", "li.clerk"
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "Only an administrator may export" in err and "Traceback" not in err
    assert list(target.parent.iterdir()) == []
    assert _bundle_exports(store) == []
    # A wrong administrator's password writes nothing either (and is not a refusal by role).
    code = _cli(monkeypatch, data_dir, "wrong-password", "bundle", "export", str(target))
    assert code == 1 and list(target.parent.iterdir()) == []
    assert _bundle_exports(store) == []


def test_an_administrator_writes_the_bundle_and_the_export_is_audited(
    store, data_dir, pending, tmp_path, monkeypatch, capsys
) -> None:
    target = tmp_path / "20260302.ssb"
    code = _cli(
        monkeypatch, data_dir, ADMIN_PASSWORD, "bundle", "export", str(target), "--user", "admin"
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    bundle = open_bundle(
        target.read_bytes(), secret=SECRET, station=STATION_CODE, direction="to_server"
    )
    changes = [change for batch in bundle.batches for change in batch.changes]
    # What makes it an administrator's act: the complainant's ID number and phone in full.
    assert {(c.fields.get("id_number"), c.fields.get("phone")) for c in changes} >= {
        (VALID_RIC, "13812346721")
    }
    exports = _bundle_exports(store)
    assert exports == [
        ("admin", f"USB bundle of {len(changes)} changes of 2 cases to {target}"),
    ]
    assert f"{len(changes)} changes of 2 cases" in out


def test_the_service_itself_refuses_a_clerk(store, data_dir, pending, tmp_path) -> None:
    clerk = User("li.clerk", "李登记", Role.CLERK, STATION_CODE)
    target = tmp_path / "b.ssb"
    with pytest.raises(SyncError, match="Only an administrator"):
        export_bundle(store, data_dir, target, exported_by=clerk)
    assert not target.exists() and _bundle_exports(store) == []


def test_no_bundle_is_left_when_its_audit_row_cannot_be_written(
    store, admin, data_dir, pending, tmp_path, monkeypatch
) -> None:
    from station_app.store import StoreError
    from station_app.sync import bundles

    def audit_fails(*args, **kwargs) -> None:
        raise StoreError("the disk is full")

    monkeypatch.setattr(bundles, "log_bundle_export", audit_fails)
    target = tmp_path / "b.ssb"
    with pytest.raises(StoreError):
        export_bundle(store, data_dir, target, exported_by=admin)
    assert not target.exists()
