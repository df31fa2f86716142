"""Scope and authority on every endpoint: a station never reads or writes another's cases;
a revoked station is stopped at its next request with a clear reason."""

from __future__ import annotations

import hashlib

import httpx

from city_server.stations import revoke_station
from station_app.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.server.live import City, case_insert, enrol_station, new_id, party_insert, update


def _evidence(station, case_id: str, content: bytes) -> tuple[dict, str]:  # noqa: ANN001
    sha = hashlib.sha256(content).hexdigest()
    evidence_id = new_id()
    change = {
        "table": "evidence",
        "row_id": evidence_id,
        "op": "insert",
        "fields": {
            "id": evidence_id,
            "case_id": case_id,
            "sha256": sha,
            "filename": "receipt.jpg",
            "size": len(content),
            "owner_station": station.code,
        },
        "txid": new_id(),
    }
    return change, sha


def test_a_station_never_reads_or_writes_another_villages_cases(city: City) -> None:
    owner, stranger = city.village_a, city.other_village
    case = case_insert(owner)
    case_id = case["row_id"]
    party = party_insert(owner, case_id)
    content = b"receipt of village a " + new_id().encode()
    evidence, sha = _evidence(owner, case_id, content)
    assert owner.push([case, party, evidence]).status_code == 200
    assert (
        owner.post(
            "/v1/attachments", {"sha256": sha, "size": len(content), "filename": "r.jpg"}
        ).status_code
        == 200
    )
    assert owner.put(f"/v1/attachments/{sha}?offset=0", content).json()["complete"] is True
    conflict = city.township.push(
        [update("cases", case_id, {"facts": "乡镇"}, {"facts": "买到过期食品"})]
    )
    assert conflict.status_code == 200
    answer = owner.push(
        [update("cases", case_id, {"facts": "村"}, {"facts": "买到过期食品"})]
    ).json()
    [conflict] = answer["conflicts"]

    # Writing: an update, an insert into the case, a new case in the other's name, a delete.
    attempts = [
        update("cases", case_id, {"facts": "篡改"}, {"facts": "村"}),
        party_insert(stranger, case_id),
        case_insert(owner),
        {"table": "parties", "row_id": party["row_id"], "op": "delete", "txid": new_id()},
    ]
    for change in attempts:
        refused = stranger.push([change])
        assert refused.status_code == 403, change
        assert owner.code in refused.json()["message"]
    # A batch in the other station's name is refused too.
    forged = stranger.post("/v1/push", {"batch_id": new_id(), "station": owner.code, "changes": []})
    assert forged.status_code == 403 and forged.json()["error"] == "wrong_station"

    # Reading: the row, the attachment, the conflict review, the pull, the checksum, repair rows.
    for path in (
        f"/v1/rows/cases/{case_id}",
        f"/v1/rows/parties/{party['row_id']}",
        f"/v1/attachments/{sha}/content",
    ):
        refused = stranger.get(path)
        assert refused.status_code == 403, path
        assert refused.json()["error"] == "out_of_scope" and refused.json()["message"]
    refused = stranger.post(f"/v1/conflicts/{conflict['conflict_id']}/resolve", {"note": ""})
    assert refused.status_code == 403
    assert conflict["conflict_id"] not in {
        c["conflict_id"] for c in stranger.get("/v1/conflicts").json()
    }
    pulled, _ = stranger.pull_all()
    assert case_id not in {c["row_id"] for c in pulled} and case_id not in {
        c["case_id"] for c in pulled
    }
    rows = stranger.get("/v1/scope/rows", params={"table": "cases"}).json()["rows"]
    assert case_id not in {r["row_id"] for r in rows}

    # The township reads its village's case and its file; the city reads everything.
    for reader in (city.township, city.city):
        assert reader.get(f"/v1/rows/cases/{case_id}").status_code == 200
        assert reader.get(f"/v1/attachments/{sha}/content").content == content
        assert case_id in {c["row_id"] for c in reader.pull_all()[0]}
    # The other village's township does not.
    assert city.other_township.get(f"/v1/rows/cases/{case_id}").status_code == 403


def test_reference_data_and_other_stations_rows_written_locally_are_set_aside(city: City) -> None:
    village = city.village_a
    holidays = {
        "table": "holiday_schedules",
        "row_id": new_id(),
        "op": "insert",
        "fields": {"year": 2031, "schedule": "{}", "owner_station": village.code},
        "txid": new_id(),
    }
    case = case_insert(village)
    answer = village.push([holidays, case])
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 1
    assert "city office" in answer.json()["rejected"][0]["reason"]
    # A village may correct a merchant of the city-wide registry that another station created.
    merchant_id = new_id()
    created = city.village_b.push(
        [
            {
                "table": "merchants",
                "row_id": merchant_id,
                "op": "insert",
                "txid": new_id(),
                "fields": {
                    "id": merchant_id,
                    "name": "某超市",
                    "address": "旧址",
                    "owner_station": city.village_b.code,
                    # a whole row, as a station sends it: the other tests' stations that share
                    # this server pull it too
                    "created_at": "2026-05-01T08:00:00Z",
                    "updated_at": "2026-05-01T08:00:00Z",
                },
            }
        ]
    )
    assert created.json()["accepted"] == 1
    fixed = village.push(
        [update("merchants", merchant_id, {"address": "新址"}, {"address": "旧址"})]
    )
    assert fixed.json()["accepted"] == 1
    assert (
        city.other_village.get(f"/v1/rows/merchants/{merchant_id}").json()["fields"]["address"]
        == "新址"
    )


def test_a_revoked_station_is_stopped_with_a_clear_reason(backend) -> None:  # noqa: ANN001
    city_station = enrol_station(backend, "city")
    township = enrol_station(backend, "township", city_station.code)
    assert township.get("/v1/hello").status_code == 200
    with backend.engine.begin() as conn:
        assert revoke_station(conn, township.code) == 1
    for response in (
        township.get("/v1/hello"),
        township.get("/v1/pull"),
        township.push([case_insert(township)]),
        township.post("/v1/attachments", {"sha256": "0" * 64, "size": 1, "filename": "a.jpg"}),
    ):
        assert response.status_code == 401
        body = response.json()
        assert body["error"] == "station_revoked"
        assert "revoked" in body["message"] and township.code in body["message"]
    unknown = httpx.get(
        f"{backend.url}/v1/hello",
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": "Bearer not-a-token"},
    )
    assert unknown.status_code == 401 and unknown.json()["error"] == "token_invalid"
    no_token = httpx.get(f"{backend.url}/v1/pull", headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)})
    assert no_token.status_code == 401 and no_token.json()["error"] == "token_missing"


def test_an_enrolment_code_works_once(backend) -> None:  # noqa: ANN001
    from city_server.stations import add_station

    with backend.engine.begin() as conn:
        code = add_station(conn, "ONCE-" + new_id()[:6].upper(), "一次", "city", None)
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    first = httpx.post(f"{backend.url}/v1/enrol", json={"code": code.lower()}, headers=headers)
    assert first.status_code == 200 and len(first.json()["token"]) >= 40
    again = httpx.post(f"{backend.url}/v1/enrol", json={"code": code}, headers=headers)
    assert again.status_code == 401 and "new one" in again.json()["message"]
    # Only a hash of the token is stored.
    from sqlalchemy import text

    with backend.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM tokens")).scalars().all()
    assert first.json()["token"] not in stored
    assert hashlib.sha256(first.json()["token"].encode()).hexdigest() in stored
