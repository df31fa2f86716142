"""Bad input: malformed JSON, wrong types, huge payloads, unknown tables or fields, replays:
a 4xx with a reason, never a 500, nothing partly applied."""

from __future__ import annotations

import httpx

from tests.server.live import City, case_insert, count_rows, new_id, party_insert


def _count_changes(backend) -> int:  # noqa: ANN001
    return count_rows(backend.engine, "SELECT count(*) FROM changes")


def test_bad_requests_get_a_reason_and_change_nothing(city: City, backend) -> None:  # noqa: ANN001
    village = city.village_a
    good_case = case_insert(village)
    before = _count_changes(backend)
    bodies = {
        "malformed JSON": b'{"batch_id": "x", "station": ',
        "not an object": b"[1, 2, 3]",
        "wrong types": (
            '{"batch_id": 5, "station": ["' + village.code + '"], "changes": "all"}'
        ).encode(),
        "a lone surrogate in a value": (
            '{"batch_id": "' + new_id() + '", "station": "' + village.code + '", "changes": ['
            '{"table": "parties", "row_id": "' + new_id() + '", "op": "insert", '
            '"fields": {"name": "\\ud800"}}]}'
        ).encode(),
    }
    for what, body in bodies.items():
        answer = httpx.post(
            f"{village.url}/v1/push",
            content=body,
            headers=village.headers(**{"Content-Type": "application/json"}),
        )
        assert answer.status_code == 422, what
        assert answer.json()["error"] == "invalid_request" and answer.json()["message"], what
    # One malformed change spoils the whole batch: nothing of it is applied.
    bad_changes = {
        "unknown table": {
            "table": "sqlite_master",
            "row_id": new_id(),
            "op": "insert",
            "fields": {},
        },
        "a field name that is not one": {
            **party_insert(village, good_case["row_id"]),
            "fields": {"name; DROP TABLE": "x"},
        },
        "a nested value": {
            **party_insert(village, good_case["row_id"]),
            "fields": {"name": {"a": 1}},
        },
        "an unknown key": {**party_insert(village, good_case["row_id"]), "sneaky": 1},
        "an unknown op": {**party_insert(village, good_case["row_id"]), "op": "truncate"},
        "a path as row id": {**party_insert(village, good_case["row_id"]), "row_id": "../../x"},
        "a NUL in a transaction id": {
            **party_insert(village, good_case["row_id"]),
            "txid": "a\x00b",
        },
        # Written as the escape \u0000: the one way JSON writes a NUL.
        "a NUL in a value": {
            **party_insert(village, good_case["row_id"]),
            "fields": {**party_insert(village, good_case["row_id"])["fields"], "name": "王\x00五"},
        },
    }
    for what, change in bad_changes.items():
        answer = village.push([good_case, change])
        assert answer.status_code == 422, (what, answer.text)
        assert answer.json()["message"], what
    assert (
        village.post(
            "/v1/push", {"batch_id": "not-a-uuid", "station": village.code, "changes": []}
        ).status_code
        == 422
    )
    assert _count_changes(backend) == before
    assert (
        count_rows(
            backend.engine, "SELECT count(*) FROM rows WHERE row_id = :r", r=good_case["row_id"]
        )
        == 0
    )


def test_a_huge_payload_is_refused_unread(city: City, backend) -> None:  # noqa: ANN001
    village = city.village_a
    before = _count_changes(backend)
    huge = case_insert(village, facts="事" * (6 * 1024 * 1024))
    answer = village.push([huge])
    assert answer.status_code == 413 and "at most" in answer.json()["message"]
    too_many = [case_insert(village) for _ in range(5001)]
    answer = village.push(too_many)
    assert answer.status_code == 422
    assert _count_changes(backend) == before


def test_unknown_query_values_are_refused_with_a_reason(city: City) -> None:
    village = city.village_a
    for path, params in (
        ("/v1/pull", {"after": "-1"}),
        ("/v1/pull", {"limit": "100000"}),
        ("/v1/pull", {"after": "abc"}),
        ("/v1/scope/rows", {"table": "secrets"}),
        ("/v1/scope/rows", {"table": "cases", "after": "x\x00"}),
    ):
        answer = village.get(path, params=params)
        assert 400 <= answer.status_code < 500, (path, params)
        assert answer.json()["message"]
    assert village.get("/v1/rows/no_such_table/abc").status_code == 422
    checksum = village.post("/v1/scope/checksum", {"tables": {"cases": ["id", "bad name"]}})
    assert checksum.status_code == 422


def test_odd_values_in_linking_fields_are_set_aside_not_a_server_error(city: City) -> None:
    village = city.village_a
    case = case_insert(village)
    assert village.push([case]).json()["accepted"] == 1
    odd = [
        {**party_insert(village, case["row_id"]), "fields": {"case_id": 12345, "name": "x"}},
        {**party_insert(village, case["row_id"]), "fields": {"case_id": "c" * 500, "name": "x"}},
        {
            **party_insert(village, case["row_id"]),
            "fields": {"case_id": case["row_id"], "owner_station": 7},
        },
        {
            "table": "users",
            "row_id": new_id(),
            "op": "insert",
            "fields": {"username": "u", "station_code": 5, "owner_station": 9},
        },
        {
            "table": "evidence",
            "row_id": new_id(),
            "op": "insert",
            "fields": {
                "case_id": case["row_id"],
                "sha256": "f" * 300,
                "owner_station": village.code,
            },
        },
    ]
    for change in odd:
        change["txid"] = new_id()
        answer = village.push([change])
        assert answer.status_code == 200, (change, answer.text)
