"""USB bundles through the city-server command: imported once, rejected whole when tampered,
truncated or foreign; exported for a station and readable with its secret."""

from __future__ import annotations

import gzip
import json
import subprocess
import uuid
from pathlib import Path

from station_app.sync.protocol import (
    TO_SERVER,
    TO_STATION,
    PushBatch,
    make_bundle,
    open_bundle,
)
from tests.server.live import (
    ROOT,
    City,
    case_insert,
    city_server_command,
    count_rows,
    party_insert,
    server_env,
)


def city_server(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        city_server_command(*args),
        env=server_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _station_bundle(station, tmp_path: Path) -> tuple[Path, list[str]]:  # noqa: ANN001
    cases = [case_insert(station) for _ in range(3)]
    changes = [c for case in cases for c in (case, party_insert(station, case["row_id"]))]
    batches = [
        PushBatch.from_json(
            {"batch_id": str(uuid.uuid4()), "station": station.code, "changes": changes[:4]}
        ),
        PushBatch.from_json(
            {"batch_id": str(uuid.uuid4()), "station": station.code, "changes": changes[4:]}
        ),
    ]
    path = tmp_path / "bundle.ssb"
    path.write_bytes(
        make_bundle(
            station=station.code,
            direction=TO_SERVER,
            secret=station.secret,
            batches=batches,
            attachments={_sha(station.code.encode()): station.code.encode()},
        )
    )
    return path, [c["row_id"] for c in changes]


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_a_bundle_imports_once_and_bad_bundles_are_rejected_whole(
    city: City, backend, tmp_path: Path
) -> None:  # noqa: ANN001
    village = city.village_a
    path, row_ids = _station_bundle(village, tmp_path)
    raw = path.read_bytes()
    changes_before = count_rows(backend.engine, "SELECT count(*) FROM changes")

    # Tampered (one value changed, the tag kept), truncated, foreign (another station's secret).
    document = json.loads(gzip.decompress(raw))
    document["body"]["batches"][0]["changes"][0]["fields"]["facts"] = "篡改的事实"
    tampered = tmp_path / "tampered.ssb"
    tampered.write_bytes(gzip.compress(json.dumps(document, ensure_ascii=False).encode()))
    truncated = tmp_path / "truncated.ssb"
    truncated.write_bytes(raw[: len(raw) // 2])
    foreign = tmp_path / "foreign.ssb"
    batches = [PushBatch.from_json(b) for b in document["body"]["batches"]]
    foreign.write_bytes(
        make_bundle(
            station=village.code, direction=TO_SERVER, secret=city.village_b.secret, batches=batches
        )
    )
    for bad, words in ((tampered, "changed"), (truncated, "truncated"), (foreign, "changed")):
        done = city_server("import-bundle", "--db", backend.db_url, str(bad))
        assert done.returncode == 2, done.stdout
        assert "bundle rejected, nothing imported" in done.stderr and words in done.stderr
    assert count_rows(backend.engine, "SELECT count(*) FROM changes") == changes_before

    done = city_server("import-bundle", "--db", backend.db_url, str(path))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["accepted"] == 6 and result["duplicates"] == 0 and result["attachments_new"] == 1
    after_first = count_rows(backend.engine, "SELECT count(*) FROM changes")
    assert after_first == changes_before + 6
    versions = count_rows(
        backend.engine, "SELECT sum(version) FROM rows WHERE owner_station = :s", s=village.code
    )

    again = city_server("import-bundle", "--db", backend.db_url, str(path))
    assert again.returncode == 0
    assert json.loads(again.stdout)["duplicates"] == 2
    assert count_rows(backend.engine, "SELECT count(*) FROM changes") == after_first
    assert (
        count_rows(
            backend.engine, "SELECT sum(version) FROM rows WHERE owner_station = :s", s=village.code
        )
        == versions
    )
    assert village.get(f"/v1/rows/cases/{row_ids[0]}").status_code == 200


def test_export_bundle_holds_the_stations_scope(city: City, backend, tmp_path: Path) -> None:  # noqa: ANN001
    township = city.township
    case = case_insert(city.village_b)
    assert city.village_b.push([case]).status_code == 200
    out = tmp_path / "to-township.ssb"
    done = city_server(
        "export-bundle", "--db", backend.db_url, "--station", township.code, "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    bundle = open_bundle(
        out.read_bytes(), secret=township.secret, station=township.code, direction=TO_STATION
    )
    assert case["row_id"] in {c["row_id"] for c in bundle.body["changes"]}
    assert bundle.manifest["until"] >= max(c["seq"] for c in bundle.body["changes"])
    # The village of another township gets nothing of it.
    other = tmp_path / "to-other.ssb"
    assert (
        city_server(
            "export-bundle",
            "--db",
            backend.db_url,
            "--station",
            city.other_village.code,
            "--out",
            str(other),
        ).returncode
        == 0
    )
    theirs = open_bundle(
        other.read_bytes(),
        secret=city.other_village.secret,
        station=city.other_village.code,
        direction=TO_STATION,
    )
    assert case["row_id"] not in {c["row_id"] for c in theirs.body["changes"]}
