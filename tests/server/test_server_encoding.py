"""Compressed bodies (negotiated, old clients served as before) and grouped pushes (several
batches in one transaction) against live servers on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from city_server import sync_service
from city_server.errors import ApiError
from city_server.stations import authenticate
from station_app.sync.protocol import (
    ACCEPT_GZIP,
    COMPRESS_FROM_BYTES,
    ProtocolError,
    PushBatch,
    PushResult,
    accepts_gzip,
    decode_body,
    encode_body,
)
from tests.server.live import City, case_insert, count_rows, new_id, party_insert


def _batch(station, changes, batch_id=None) -> dict:  # noqa: ANN001
    return {"batch_id": batch_id or new_id(), "station": station.code, "changes": changes}


def _cases(station, n: int) -> list[dict]:  # noqa: ANN001
    out = []
    for _ in range(n):
        case = case_insert(station)
        out += [case, party_insert(station, case["row_id"])]
    return out


# -- the protocol's helpers ----------------------------------------------------------------


def test_encode_body_compresses_large_bodies_and_decode_body_reads_both() -> None:
    small = {"a": "b"}
    data, headers = encode_body(small)
    assert "Content-Encoding" not in headers and json.loads(data) == small
    large = {"facts": ["买到过期食品"] * 500}
    data, headers = encode_body(large)
    assert headers["Content-Encoding"] == "gzip" and len(data) < COMPRESS_FROM_BYTES
    assert decode_body(data, headers) == large
    assert decode_body(gzip.decompress(data), {}) == large
    plain, headers = encode_body(large, compress_body=False)
    assert "Content-Encoding" not in headers and decode_body(plain, headers) == large


@pytest.mark.parametrize(
    ("data", "headers", "message"),
    [
        (b"\x1f\x8b\x08garbage", {"content-encoding": "gzip"}, "damaged"),
        (gzip.compress(b"{}")[:-4], {"Content-Encoding": "gzip"}, "truncated"),
        (gzip.compress(b" " * 5000), {"Content-Encoding": "gzip"}, "more than"),
        (b"{}", {"Content-Encoding": "br"}, "not supported"),
        (b"{", {}, "not JSON"),
    ],
)
def test_decode_body_refuses_what_it_cannot_read(data, headers, message) -> None:  # noqa: ANN001
    with pytest.raises(ProtocolError, match=message):
        decode_body(data, headers, limit=4000)


def test_accept_encoding_is_read_with_its_quality() -> None:
    assert accepts_gzip("gzip, deflate") and accepts_gzip("br;q=1.0, gzip;q=0.5")
    assert accepts_gzip("*") and not accepts_gzip("gzip;q=0") and not accepts_gzip(None)
    assert not accepts_gzip("identity")


# -- against live servers --------------------------------------------------------------------


def test_the_server_lists_its_encodings(city: City) -> None:
    assert city.village_a.get("/v1/hello").json()["encodings"] == ["gzip"]


def test_a_gzip_push_is_applied_and_a_gzip_answer_is_sent_when_asked(city: City, backend) -> None:
    village = city.village_a
    changes = _cases(village, 20)
    body, headers = encode_body(_batch(village, changes))
    assert headers["Content-Encoding"] == "gzip"
    answer = httpx.post(
        f"{village.url}/v1/push",
        content=body,
        headers={**village.headers(**headers), **ACCEPT_GZIP},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert PushResult.from_json(answer.json()).accepted == 40
    ids = [c["row_id"] for c in changes]
    stored = count_rows(
        backend.engine,
        "SELECT count(*) FROM rows WHERE row_id IN (" + ",".join(f"'{i}'" for i in ids) + ")",
    )
    assert stored == 40
    pulled = httpx.get(
        f"{village.url}/v1/pull",
        params={"after": answer.json()["last_seq"] - 40},
        headers={**village.headers(), **ACCEPT_GZIP},
        timeout=60,
    )
    assert pulled.headers["content-encoding"] == "gzip"
    assert {c["row_id"] for c in pulled.json()["changes"]} >= set(ids)


def test_an_old_client_gets_plain_json(city: City) -> None:
    """A client that sends plain JSON and asks for no encoding is served as before."""
    village = city.village_a
    changes = _cases(village, 20)
    answer = httpx.post(
        f"{village.url}/v1/push",
        content=json.dumps(_batch(village, changes)).encode(),
        headers=village.headers(
            **{"Content-Type": "application/json", "Accept-Encoding": "identity"}
        ),
        timeout=60,
    )
    assert answer.status_code == 200 and "content-encoding" not in answer.headers
    pulled = httpx.get(
        f"{village.url}/v1/pull",
        params={"after": answer.json()["last_seq"] - 40},
        headers=village.headers(**{"Accept-Encoding": "identity"}),
        timeout=60,
    )
    assert "content-encoding" not in pulled.headers
    assert len(pulled.content) > COMPRESS_FROM_BYTES
    assert {c["row_id"] for c in pulled.json()["changes"]} >= {c["row_id"] for c in changes}


@pytest.mark.parametrize(
    ("body", "encoding", "status", "error"),
    [
        (b"\x1f\x8b\x08 not gzip at all", "gzip", 400, "bad_encoding"),
        (gzip.compress(b"{}")[:-6], "gzip", 400, "bad_encoding"),
        (gzip.compress(b" " * (17 * 1024 * 1024)), "gzip", 413, "too_large"),
        (b"{}", "br", 415, "unsupported_encoding"),
    ],
)
def test_a_body_the_server_cannot_unpack_is_refused_with_a_reason(
    city: City, body: bytes, encoding: str, status: int, error: str
) -> None:
    answer = httpx.post(
        f"{city.village_a.url}/v1/push",
        content=body,
        headers=city.village_a.headers(
            **{"Content-Type": "application/json", "Content-Encoding": encoding}
        ),
        timeout=60,
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error and answer.json()["message"]


def test_pushes_at_the_same_moment_are_each_answered_and_ordered_without_gaps(
    city: City, backend
) -> None:
    """Thirty batches at once (the server groups those that wait together): every one
    answered for itself, a refused one leaves nothing, and the server's order has no gap."""
    stations = [city.village_a, city.village_b, city.other_village, city.township]
    jobs = []
    for i in range(30):
        station = stations[i % len(stations)]
        jobs.append((station, _batch(station, _cases(station, 3))))
    # One batch names a case of another township's village: refused whole, with a reason.
    intruder_case = jobs[2][1]["changes"][0]["row_id"]
    bad = _batch(city.village_a, [party_insert(city.village_a, intruder_case)])
    before = count_rows(backend.engine, "SELECT coalesce(max(seq), 0) FROM changes")

    def send(job):  # noqa: ANN001, ANN202
        station, batch = job
        body, headers = encode_body(batch)
        return httpx.post(
            f"{station.url}/v1/push", content=body, headers=station.headers(**headers), timeout=120
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        first = list(pool.map(send, jobs))
        refused = send((city.village_a, bad))
    assert all(a.status_code == 200 for a in first), [a.text for a in first if a.status_code != 200]
    assert all(a.json()["accepted"] == 6 and not a.json()["duplicate"] for a in first)
    assert refused.status_code == 403 and refused.json()["error"] == "out_of_scope"
    after = count_rows(backend.engine, "SELECT coalesce(max(seq), 0) FROM changes")
    assert after - before == 180
    assert (
        count_rows(backend.engine, "SELECT count(*) FROM changes WHERE seq > :b", b=before) == 180
    )
    assert (
        count_rows(
            backend.engine,
            "SELECT count(*) FROM rows WHERE row_id = :r",
            r=bad["changes"][0]["row_id"],
        )
        == 0
    )
    # Sent again, all at once: every one a duplicate with its first answer, nothing new.
    with ThreadPoolExecutor(max_workers=16) as pool:
        again = list(pool.map(send, jobs))
    assert [a.json()["last_seq"] for a in again] == [a.json()["last_seq"] for a in first]
    assert all(a.json()["duplicate"] for a in again)
    assert count_rows(backend.engine, "SELECT coalesce(max(seq), 0) FROM changes") == after


def test_a_group_of_batches_sees_the_batches_before_it(city: City, backend) -> None:
    """push_group in one transaction: a later batch adds a party to a case of an earlier one,
    the same batch twice is applied once, a refused batch and an unknown token leave the
    others."""
    village = city.village_b
    case = case_insert(village)
    first = PushBatch.from_json(_batch(village, [case]))
    second = PushBatch.from_json(_batch(village, [party_insert(village, case["row_id"])]))
    foreign = PushBatch.from_json(
        _batch(city.other_village, [party_insert(city.other_village, case["row_id"])])
    )
    with backend.engine.begin() as conn:
        other = authenticate(conn, city.other_village.token)
        answers = sync_service.push_group(
            conn,
            [
                (village.token, first, 2),
                (other, foreign, 2),
                (village.token, second, 2),
                (village.token, first, 2),
                ("not-a-token", second, 2),
            ],
        )
    assert answers[0]["accepted"] == 1 and not answers[0]["duplicate"]
    assert isinstance(answers[1], ApiError) and answers[1].status == 403
    assert answers[2]["accepted"] == 1 and answers[2]["last_seq"] == answers[0]["last_seq"] + 1
    assert answers[3]["duplicate"] and answers[3]["last_seq"] == answers[0]["last_seq"]
    assert isinstance(answers[4], ApiError) and answers[4].status == 401
    assert (
        count_rows(backend.engine, "SELECT count(*) FROM rows WHERE case_id = :c", c=case["row_id"])
        == 2
    )
    assert (
        count_rows(
            backend.engine, "SELECT count(*) FROM batches WHERE batch_id = :b", b=first.batch_id
        )
        == 1
    )
    again = sync_service.push_group  # the stored answer is the first one, as a duplicate
    with backend.engine.begin() as conn:
        (repeat,) = again(conn, [(village.token, second, 2)])
    assert repeat["duplicate"] and repeat["last_seq"] == answers[2]["last_seq"]


def test_the_push_writer_answers_each_batch_and_skips_a_request_that_went_away(
    city: City, backend
) -> None:
    """GroupedPushes run in this thread over one queue: two batches answered from one group,
    a cancelled request's batch not applied, a bad token refused alone."""
    from concurrent.futures import Future

    from city_server.pushes import GroupedPushes

    village = city.village_a
    writer = GroupedPushes(backend.engine)
    batches = [PushBatch.from_json(_batch(village, _cases(village, 1))) for _ in range(3)]
    futures = [Future() for _ in range(4)]
    futures[1].cancel()
    for batch, future in zip(batches, futures, strict=False):
        writer._queue.put((village.token, batch, 2, future))  # noqa: SLF001
    writer._queue.put(("wrong", batches[0], 2, futures[3]))  # noqa: SLF001
    writer._queue.put(None)  # noqa: SLF001
    writer._run()  # noqa: SLF001 - returns at the None
    first, third = futures[0].result(), futures[2].result()
    assert first["accepted"] == 2 and third["accepted"] == 2
    assert third["last_seq"] == first["last_seq"] + 2
    assert futures[1].cancelled()
    assert isinstance(futures[3].exception(), ApiError) and futures[3].exception().status == 401
    stored = "SELECT count(*) FROM batches WHERE batch_id = :b"
    assert count_rows(backend.engine, stored, b=batches[1].batch_id) == 0
    assert count_rows(backend.engine, stored, b=batches[2].batch_id) == 1
