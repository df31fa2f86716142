"""A station's download of an attachment cut in the middle resumes from its .part file,
fetching none of what it had again; the file is checked against its SHA-256 and put in place
whole; a part that turns out wrong is dropped and fetched again."""

from __future__ import annotations

import hashlib
import os

import pytest
from sqlalchemy import text

from station_app.data_key import create_folder_key
from station_app.evidence_files import attach_evidence, evidence_path
from station_app.file_crypt import is_sealed_file, read_stored_file
from station_app.store import Store
from station_app.sync.engine import part_path
from station_app.sync.transport import SyncError
from tests.server.sync_support import CuttingProxy, make_city

pytestmark = pytest.mark.usefixtures("english")

CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def backend(sync_backend):
    """This module's own city server (see sync_support.sync_backend)."""
    return sync_backend


def _photo(tmp_path, village) -> tuple[bytes, str]:  # noqa: ANN001
    case = village.add_case()
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg " + os.urandom(5 * CHUNK - 100))
    attach_evidence(village.store, village.folder / "evidence", case.id, photo, owner=village.code)
    assert village.sync().uploaded == 1
    return photo.read_bytes(), hashlib.sha256(photo.read_bytes()).hexdigest()


def test_a_download_cut_in_the_middle_resumes_without_fetching_again(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    proxy = CuttingProxy(backend.url)
    try:
        village, township = city["village_a"], city["township"]
        content, sha = _photo(tmp_path, village)
        township.use_server(proxy.url)
        engine = township.connect(chunk_bytes=CHUNK)
        downloads = iter(range(100))

        def third_part_cut(method: str, path: str):
            if path.endswith("/content") and next(downloads) == 2:
                return {"when": "after"}  # the server sends it, the answer never arrives
            return None

        proxy._rule = third_part_cut  # type: ignore[method-assign]
        with pytest.raises(SyncError):
            engine.run_once()
        target = evidence_path(township.folder / "evidence", sha)
        part = part_path(township.folder, sha)
        assert not target.exists()
        assert part.read_bytes() == content[: 2 * CHUNK]
        report = engine.run_once()
        assert report.downloaded == 1
        assert target.read_bytes() == content and not part.exists()
        asked = [r for p, r in proxy.ranges if p.endswith("/content")]
        starts = [int(r.removeprefix("bytes=").partition("-")[0]) for r in asked]
        # 0, 64K, then the cut one; the next round goes on from 128K: nothing twice but the
        # part whose answer was lost.
        assert starts == [0, CHUNK, 2 * CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK], asked
        delivered = sum(w[4] for w in proxy.wire if w[1].endswith("/content"))
        assert delivered == len(content)
        assert township.sync().downloaded == 0
    finally:
        proxy.close()
        for replica in city.values():
            replica.close()


def test_a_wrong_part_is_dropped_and_the_file_fetched_again(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    try:
        village, township = city["village_a"], city["township"]
        content, sha = _photo(tmp_path, village)
        part = part_path(township.folder, sha)
        part.parent.mkdir(parents=True)
        part.write_bytes(b"not the photo at all")  # a part left by something else
        township.connect(chunk_bytes=CHUNK)
        first = township.sync()
        target = evidence_path(township.folder / "evidence", sha)
        assert first.downloaded == 0 and not target.exists() and not part.exists()
        assert township.sync().downloaded == 1
        assert target.read_bytes() == content
    finally:
        for replica in city.values():
            replica.close()


def _keyed(replica) -> None:  # noqa: ANN001
    """The replica's data folder gets its key (as `station-app key create` gives it): the
    database, and every file stored from now on, encrypted at rest."""
    replica.store.close()
    create_folder_key(replica.folder)
    replica.store = Store(replica.folder / "station.db")
    assert replica.store.key is not None


def test_an_encrypted_station_sends_and_receives_the_plaintext(
    tmp_path, backend, memory_keyring
) -> None:
    """Sync deduplicates by the SHA-256 of the plaintext and the server keeps plaintext: the
    village sends its encrypted photo decrypted; the township checks what arrives against that
    hash and stores it encrypted with its own folder's key."""
    city = make_city(tmp_path, backend)
    try:
        village, township = city["village_a"], city["township"]
        _keyed(village)
        _keyed(township)
        case = village.add_case()
        photo = tmp_path / "身份证.jpg"
        photo.write_bytes(b"\xff\xd8\xff\xe0 ID 11010519491231002X " + os.urandom(3 * CHUNK))
        content, sha = photo.read_bytes(), hashlib.sha256(photo.read_bytes()).hexdigest()
        attach_evidence(
            village.store, village.folder / "evidence", case.id, photo, owner=village.code
        )
        mine = evidence_path(village.folder / "evidence", sha)
        assert is_sealed_file(mine) and b"11010519491231002X" not in mine.read_bytes()
        assert village.sync().uploaded == 1
        with backend.engine.connect() as conn:
            chunks = conn.execute(
                text('SELECT data FROM attachment_chunks WHERE sha256 = :s ORDER BY "offset"'),
                {"s": sha},
            ).scalars()
            received = b"".join(bytes(c) for c in chunks)
        assert received == content and hashlib.sha256(received).hexdigest() == sha
        assert township.sync().downloaded == 1
        theirs = evidence_path(township.folder / "evidence", sha)
        assert is_sealed_file(theirs) and b"11010519491231002X" not in theirs.read_bytes()
        assert read_stored_file(theirs, township.store.key) == content
        assert not part_path(township.folder, sha).exists()
    finally:
        for replica in city.values():
            replica.close()


def test_an_encrypted_stations_download_in_progress_holds_no_plaintext(
    tmp_path, backend, memory_keyring
) -> None:
    """In a folder with a key the part is kept encrypted chunk by chunk; a chunk torn by a
    power cut is cut off and fetched again, the rest is not."""
    city = make_city(tmp_path, backend)
    proxy = CuttingProxy(backend.url)
    try:
        village, township = city["village_a"], city["township"]
        _keyed(township)
        marker = b"ID 11010519491231002X "
        case = village.add_case()
        photo = tmp_path / "身份证.jpg"
        photo.write_bytes(b"\xff\xd8\xff\xe0 " + (marker + os.urandom(2000)) * 150)
        content, sha = photo.read_bytes(), hashlib.sha256(photo.read_bytes()).hexdigest()
        attach_evidence(
            village.store, village.folder / "evidence", case.id, photo, owner=village.code
        )
        assert village.sync().uploaded == 1
        assert len(content) > 4 * CHUNK
        township.use_server(proxy.url)
        engine = township.connect(chunk_bytes=CHUNK)
        downloads = iter(range(100))

        def third_part_cut(method: str, path: str):
            if path.endswith("/content") and next(downloads) == 2:
                return {"when": "after"}
            return None

        proxy._rule = third_part_cut  # type: ignore[method-assign]
        with pytest.raises(SyncError):
            engine.run_once()
        part = part_path(township.folder, sha)
        held = part.read_bytes()
        assert len(held) > 2 * CHUNK  # two chunks, each sealed with its length before it
        assert marker not in held and content[:CHUNK][-4096:] not in held
        # A power cut in the middle of writing the third chunk's record.
        with part.open("ab") as torn:
            torn.write((CHUNK + 37).to_bytes(4, "big") + b"STNCRYPT\x01" + os.urandom(100))
        assert engine.run_once().downloaded == 1
        asked = [r for p, r in proxy.ranges if p.endswith("/content")]
        starts = [int(r.removeprefix("bytes=").partition("-")[0]) for r in asked]
        assert starts[:4] == [0, CHUNK, 2 * CHUNK, 2 * CHUNK], asked
        theirs = evidence_path(township.folder / "evidence", sha)
        assert is_sealed_file(theirs) and marker not in theirs.read_bytes()
        assert read_stored_file(theirs, township.store.key) == content
        assert not part.exists()
    finally:
        proxy.close()
        for replica in city.values():
            replica.close()


def test_a_usb_bundle_of_an_encrypted_station_carries_the_plaintext(
    tmp_path, backend, memory_keyring
) -> None:
    """The USB bundle goes the same way as sync: out with the plaintext the server keeps, in
    checked against its hash and stored encrypted with the receiving folder's key."""
    from city_server.admin import export_bundle as city_export
    from city_server.admin import import_bundle as city_import
    from station_app.domain import Role, User
    from station_app.sync.bundles import export_bundle, import_bundle

    city = make_city(tmp_path, backend)
    try:
        village, township = city["village_a"], city["township"]
        _keyed(village)
        _keyed(township)
        case = village.add_case()
        photo = tmp_path / "小票.jpg"
        photo.write_bytes(b"\xff\xd8\xff\xe0 ID 11010519491231002X " + os.urandom(2000))
        content, sha = photo.read_bytes(), hashlib.sha256(photo.read_bytes()).hexdigest()
        attach_evidence(
            village.store, village.folder / "evidence", case.id, photo, owner=village.code
        )
        out = tmp_path / "to-city.bundle"
        admin = User(village.user, "管理员", Role.ADMIN, village.code)
        assert export_bundle(village.store, village.folder, out, exported_by=admin).attachments == 1
        with backend.engine.begin() as conn:
            assert city_import(conn, out.read_bytes())["attachments_new"] == 1
        with backend.engine.connect() as conn:
            chunks = conn.execute(
                text('SELECT data FROM attachment_chunks WHERE sha256 = :s ORDER BY "offset"'),
                {"s": sha},
            ).scalars()
            assert b"".join(bytes(c) for c in chunks) == content
        with backend.engine.begin() as conn:
            back = city_export(conn, township.code, 0)
        incoming = tmp_path / "to-township.bundle"
        incoming.write_bytes(back)
        assert import_bundle(township.store, township.folder, incoming).attachments == 1
        theirs = evidence_path(township.folder / "evidence", sha)
        assert is_sealed_file(theirs) and b"11010519491231002X" not in theirs.read_bytes()
        assert read_stored_file(theirs, township.store.key) == content
    finally:
        for replica in city.values():
            replica.close()
