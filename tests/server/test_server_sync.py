"""Push and pull against live servers (SQLite and PostgreSQL): idempotent batches, the server's
order, per-field merge and conflicts, rejected records, protocol versions, escalation."""

from __future__ import annotations

import dataclasses

import httpx

from station_app.sync.protocol import (
    PREVIOUS_PROTOCOL_VERSION,
    PROTOCOL_HEADER,
    PullPage,
    PushResult,
    clock_needs_warning,
)
from tests.server.live import (
    City,
    case_insert,
    count_rows,
    new_id,
    party_insert,
    update,
)


def test_the_same_batch_sent_twice_is_a_no_op(city: City, backend) -> None:
    village = city.village_a
    case = case_insert(village)
    changes = [case, party_insert(village, case["row_id"])]
    batch_id = new_id()
    sql = "SELECT count(*) FROM changes WHERE origin_station = :s"
    before = count_rows(backend.engine, sql, s=village.code)
    first = village.push(changes, batch_id)
    assert first.status_code == 200, first.text
    assert count_rows(backend.engine, sql, s=village.code) == before + 2
    again = village.push(changes, batch_id)
    assert again.status_code == 200
    result = PushResult.from_json(again.json())
    assert result.duplicate is True and result.accepted == 2
    assert again.json()["last_seq"] == first.json()["last_seq"]
    assert count_rows(backend.engine, sql, s=village.code) == before + 2
    # The same id with other content is a replay, refused with a reason.
    forged = village.push([case_insert(village)], batch_id)
    assert forged.status_code == 409 and forged.json()["error"] == "batch_reused"


def test_pull_pages_resume_from_the_cursor_and_carry_the_server_clock(city: City) -> None:
    village = city.village_a
    pushed = set()
    for _ in range(5):
        case = case_insert(village)
        party = party_insert(village, case["row_id"])
        assert village.push([case, party]).status_code == 200
        pushed |= {case["row_id"], party["row_id"]}
    everything, end = village.pull_all(limit=1000)
    assert pushed <= {c["row_id"] for c in everything}
    seqs = [c["seq"] for c in everything]
    assert seqs == sorted(seqs)
    # Page by page, stopping after each page (an interrupted sync), reaches the same end.
    after, resumed = 0, []
    while True:
        response = village.get("/v1/pull", params={"after": after, "limit": 3})
        page = PullPage.from_json(response.json())
        assert not clock_needs_warning(response.headers["X-Server-Time"])
        resumed.extend(page.changes)
        after = page.next_cursor
        if not page.has_more:
            break
    assert [c.seq for c in resumed] == seqs and after == end
    assert village.get("/v1/pull", params={"after": end}).json()["changes"] == []


def test_edits_of_different_fields_merge(city: City) -> None:
    village, township = city.village_a, city.township
    case = case_insert(village, facts="原事实", request="退款")
    case_id = case["row_id"]
    assert village.push([case]).status_code == 200
    assert (
        village.push([update("cases", case_id, {"facts": "补充事实"}, {"facts": "原事实"})]).json()[
            "conflicts"
        ]
        == []
    )
    result = township.push(
        [update("cases", case_id, {"request": "退一赔三"}, {"request": "退款"})]
    ).json()
    assert result["conflicts"] == [] and result["accepted"] == 1
    row = township.get(f"/v1/rows/cases/{case_id}").json()
    assert row["fields"]["facts"] == "补充事实" and row["fields"]["request"] == "退一赔三"


def test_a_same_field_conflict_keeps_both_values_and_the_owner_wins(city: City, backend) -> None:
    village, township = city.village_a, city.township
    case = case_insert(village, facts="原事实")
    case_id = case["row_id"]
    assert village.push([case]).status_code == 200
    # The township edits first; the owner village then edits the same field from the old value.
    assert (
        township.push(
            [update("cases", case_id, {"facts": "乡镇的版本"}, {"facts": "原事实"})]
        ).json()["conflicts"]
        == []
    )
    answer = village.push(
        [update("cases", case_id, {"facts": "村的版本"}, {"facts": "原事实"})]
    ).json()
    [conflict] = answer["conflicts"]
    assert conflict["kept"] == "村的版本" and conflict["lost"] == "乡镇的版本"
    assert conflict["kept_station"] == village.code and conflict["lost_station"] == township.code
    assert township.get(f"/v1/rows/cases/{case_id}").json()["fields"]["facts"] == "村的版本"
    # Now the township (not the owner) edits from a stale base: the owner's value stays.
    answer = township.push(
        [update("cases", case_id, {"facts": "乡镇再改"}, {"facts": "乡镇的版本"})]
    ).json()
    [conflict] = answer["conflicts"]
    assert conflict["kept"] == "村的版本" and conflict["lost"] == "乡镇再改"
    assert village.get(f"/v1/rows/cases/{case_id}").json()["fields"]["facts"] == "村的版本"
    # Both losing values wait for review at the owner station, with the value kept.
    review = [c for c in village.get("/v1/conflicts").json() if c["row_id"] == case_id]
    assert {c["lost"] for c in review} == {"乡镇的版本", "乡镇再改"}
    assert (
        count_rows(backend.engine, "SELECT count(*) FROM conflicts WHERE row_id = :r", r=case_id)
        == 2
    )
    assert (
        township.post(
            f"/v1/conflicts/{review[0]['conflict_id']}/resolve", {"note": "看过"}
        ).status_code
        == 403
    )
    done = village.post(
        f"/v1/conflicts/{review[0]['conflict_id']}/resolve", {"note": "保留村的版本"}
    )
    assert done.status_code == 200


def test_a_bad_record_is_set_aside_with_its_reason_and_the_rest_applies(
    city: City, backend
) -> None:
    village, township = city.village_a, city.township
    good = case_insert(village)
    orphan = party_insert(village, new_id())  # its case never reached the server
    orphan["txid"] = new_id()
    answer = village.push([good, orphan]).json()
    assert answer["accepted"] == 1
    [rejection] = answer["rejected"]
    assert rejection["index"] == 1 and "not known to the server" in rejection["reason"]
    listed = village.get("/v1/rejected").json()
    assert any(
        r["row_id"] == orphan["row_id"] and r["reason"] == rejection["reason"] for r in listed
    )
    # One writer of a case's status: the township may edit its village's case, not its status.
    answer = township.push(
        [update("cases", good["row_id"], {"status": "accepted"}, {"status": "registered"})]
    ).json()
    assert answer["accepted"] == 0 and "owner station" in answer["rejected"][0]["reason"]
    # A station transaction is set aside whole.
    case = case_insert(village)
    bad = {"table": "case_events", "row_id": new_id(), "op": "delete", "txid": case["txid"]}
    answer = village.push([case, bad]).json()
    assert answer["accepted"] == 0 and len(answer["rejected"]) == 2
    assert (
        count_rows(backend.engine, "SELECT count(*) FROM rows WHERE row_id = :r", r=case["row_id"])
        == 0
    )


def test_unknown_fields_are_kept_and_passed_on(city: City) -> None:
    village = city.village_a
    case = case_insert(village, future_column="新字段")
    assert village.push([case]).status_code == 200
    pulled, _ = city.township.pull_all()
    [mine] = [c for c in pulled if c["row_id"] == case["row_id"]]
    assert mine["fields"]["future_column"] == "新字段"


def test_the_previous_protocol_is_accepted_and_an_unknown_one_refused(city: City) -> None:
    village = dataclasses.replace(city.village_a, protocol=PREVIOUS_PROTOCOL_VERSION)
    case = case_insert(village)
    answer = village.push([case])
    assert answer.status_code == 200 and answer.json()["accepted"] == 1
    # Two versions back (1: no transaction ids) is refused like an unknown one.
    village.protocol = PREVIOUS_PROTOCOL_VERSION - 1
    refused = village.push([case_insert(village)])
    assert refused.status_code == 426 and "update station-app" in refused.json()["message"]
    village.protocol = 99
    refused = village.get("/v1/pull")
    assert refused.status_code == 426
    assert "update station-app" in refused.json()["message"]
    missing = httpx.get(
        f"{village.url}/v1/pull", headers={"Authorization": f"Bearer {village.token}"}
    )
    assert missing.status_code == 400 and PROTOCOL_HEADER in missing.json()["message"]


def test_escalation_moves_the_case_to_its_new_owner(city: City) -> None:
    village, township, city_station = city.village_a, city.township, city.city
    case = case_insert(village)
    case_id = case["row_id"]
    party = party_insert(village, case_id)
    assert village.push([case, party]).status_code == 200
    _, other_cursor = city.other_township.pull_all()
    # Only the owner escalates: the township may not take its village's case.
    taken = township.push(
        [
            update(
                "cases", case_id, {"owner_station": township.code}, {"owner_station": village.code}
            )
        ]
    )
    assert taken.status_code == 403 and taken.json()["error"] == "not_owner"
    moved = village.push(
        [
            update(
                "cases",
                case_id,
                {"owner_station": city.other_township.code},
                {"owner_station": village.code},
            )
        ]
    )
    assert moved.status_code == 200 and moved.json()["accepted"] == 1, moved.text
    _, village_cursor = village.pull_all()
    # The new owner, whose cursor was past the case's first entries, receives its rows again.
    pulled, _ = city.other_township.pull_all(after=other_cursor)
    assert {c["row_id"] for c in pulled} >= {case_id, party["row_id"]}
    # The new owner now writes the case; the old owner still reads it but may not write it.
    answer = city.other_township.push(
        [update("cases", case_id, {"status": "accepted"}, {"status": "registered"})]
    )
    assert answer.json()["accepted"] == 1
    assert village.get(f"/v1/rows/cases/{case_id}").json()["fields"]["status"] == "accepted"
    # ... and pulls what the new owner writes, though the case is out of its scope now.
    after_move, _ = village.pull_all(after=village_cursor)
    assert [(c["row_id"], c["fields"].get("status")) for c in after_move] == [(case_id, "accepted")]
    refused = village.push([update("cases", case_id, {"facts": "改"}, {"facts": "买到过期食品"})])
    assert refused.status_code == 403
    assert city_station.get(f"/v1/rows/cases/{case_id}").status_code == 200
