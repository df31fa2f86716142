"""Attachments: chunked upload resumed after a cut, deduplicated by SHA-256, size-limited,
plain names only."""

from __future__ import annotations

import hashlib
import os

from sqlalchemy import text

from station_app.sync.protocol import ATTACHMENT_CHUNK_BYTES, MAX_ATTACHMENT_BYTES
from tests.server.live import City, count_rows


def test_an_upload_cut_midway_resumes_where_the_server_stopped(city: City, backend) -> None:  # noqa: ANN001
    village = city.village_a
    content = os.urandom(2 * ATTACHMENT_CHUNK_BYTES + 12345)
    sha = hashlib.sha256(content).hexdigest()
    started = village.post(
        "/v1/attachments", {"sha256": sha, "size": len(content), "filename": "发票.jpg"}
    )
    assert started.json() == {"sha256": sha, "size": len(content), "received": 0, "complete": False}
    first = village.put(f"/v1/attachments/{sha}?offset=0", content[:ATTACHMENT_CHUNK_BYTES])
    assert first.json()["received"] == ATTACHMENT_CHUNK_BYTES
    # The link drops; the station asks how much arrived and goes on from there.
    status = village.get(f"/v1/attachments/{sha}").json()
    assert status["received"] == ATTACHMENT_CHUNK_BYTES and not status["complete"]
    # A chunk sent again after the cut (its answer was lost) is acknowledged, not stored twice.
    resent = village.put(f"/v1/attachments/{sha}?offset=0", content[:ATTACHMENT_CHUNK_BYTES])
    assert resent.json()["received"] == ATTACHMENT_CHUNK_BYTES
    gap = village.put(f"/v1/attachments/{sha}?offset={2 * ATTACHMENT_CHUNK_BYTES}", content[-10:])
    assert gap.status_code == 409 and str(ATTACHMENT_CHUNK_BYTES) in gap.json()["message"]
    offset = status["received"]
    while offset < len(content):
        answer = village.put(
            f"/v1/attachments/{sha}?offset={offset}",
            content[offset : offset + ATTACHMENT_CHUNK_BYTES],
        )
        assert answer.status_code == 200, answer.text
        offset = answer.json()["received"]
    assert answer.json()["complete"] is True
    assert village.get(f"/v1/attachments/{sha}/content").content == content
    stored = count_rows(
        backend.engine, "SELECT count(*) FROM attachment_chunks WHERE sha256 = :s", s=sha
    )
    assert stored == 3

    # Another station with the same file: the server has it already, nothing is sent again.
    again = city.village_b.post(
        "/v1/attachments", {"sha256": sha, "size": len(content), "filename": "copy.jpg"}
    )
    assert again.json()["complete"] is True and again.json()["received"] == len(content)
    assert (
        count_rows(backend.engine, "SELECT count(*) FROM attachments WHERE sha256 = :s", s=sha) == 1
    )


def test_content_that_does_not_match_its_hash_is_discarded(city: City, backend) -> None:  # noqa: ANN001
    village = city.village_a
    claimed = hashlib.sha256(b"the real receipt").hexdigest()
    assert (
        village.post(
            "/v1/attachments", {"sha256": claimed, "size": 16, "filename": "a.jpg"}
        ).status_code
        == 200
    )
    wrong = village.put(f"/v1/attachments/{claimed}?offset=0", b"a forged receipt")
    assert wrong.status_code == 409 and "SHA-256" in wrong.json()["message"]
    assert village.get(f"/v1/attachments/{claimed}").json()["received"] == 0
    with backend.engine.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM attachment_chunks WHERE sha256 = :s"), {"s": claimed}
        ).scalar()
    assert left == 0


def test_size_limit_and_names(city: City) -> None:
    village = city.village_a
    sha = hashlib.sha256(b"x").hexdigest()
    too_big = village.post(
        "/v1/attachments", {"sha256": sha, "size": MAX_ATTACHMENT_BYTES + 1, "filename": "big.mp4"}
    )
    assert too_big.status_code == 422 and str(MAX_ATTACHMENT_BYTES) in too_big.json()["message"]
    for name in ("../../etc/passwd", "C:\\Windows\\x.jpg", "a/b.jpg", "..", "bad\x00.jpg"):
        refused = village.post("/v1/attachments", {"sha256": sha, "size": 1, "filename": name})
        assert refused.status_code == 422, name
        assert (
            "file name" in refused.json()["message"] or refused.json()["error"] == "invalid_request"
        )
    for bad_sha in ("..%2F..%2Fetc%2Fpasswd", "ABC", "g" * 64):
        refused = village.get(f"/v1/attachments/{bad_sha}")
        assert refused.status_code in (404, 422), bad_sha
        assert refused.status_code != 500
    assert (
        village.post(
            "/v1/attachments", {"sha256": sha, "size": 1, "filename": "ok.jpg"}
        ).status_code
        == 200
    )
    past_the_end = village.put(f"/v1/attachments/{sha}?offset=0", b"xy")
    assert past_the_end.status_code == 409 and "size" in past_the_end.json()["message"]


def _uploaded(village, content: bytes) -> str:  # noqa: ANN001
    sha = hashlib.sha256(content).hexdigest()
    village.post("/v1/attachments", {"sha256": sha, "size": len(content), "filename": "照片.jpg"})
    offset = 0
    while offset < len(content):
        answer = village.put(
            f"/v1/attachments/{sha}?offset={offset}",
            content[offset : offset + ATTACHMENT_CHUNK_BYTES],
        )
        offset = answer.json()["received"]
    return sha


def test_a_download_asks_for_a_range_of_bytes(city: City) -> None:
    import httpx

    village = city.village_a
    content = os.urandom(ATTACHMENT_CHUNK_BYTES + 5000)
    size = len(content)
    sha = _uploaded(village, content)
    url = f"{village.url}/v1/attachments/{sha}/content"

    def get(value: str | None) -> httpx.Response:
        extra = {} if value is None else {"Range": value}
        return httpx.get(url, headers=village.headers(**extra), timeout=60)

    whole = get(None)
    assert whole.status_code == 200 and whole.content == content
    assert whole.headers["Accept-Ranges"] == "bytes"
    # Within a stored chunk, across two chunks, to the end, the last bytes, past the end.
    edge = ATTACHMENT_CHUNK_BYTES
    for asked, first, last in (
        ("bytes=0-9", 0, 9),
        (f"bytes={edge - 100}-{edge + 99}", edge - 100, edge + 99),
        (f"bytes={edge + 10}-", edge + 10, size - 1),
        ("bytes=-7", size - 7, size - 1),
        (f"bytes=5-{size + 1000}", 5, size - 1),
    ):
        part = get(asked)
        assert part.status_code == 206, (asked, part.text)
        assert part.headers["Content-Range"] == f"bytes {first}-{last}/{size}", asked
        assert part.content == content[first : last + 1], asked
    for bad in (f"bytes={size}-", "bytes=9-2", "bytes=-0", "items=0-1", "bytes=0-1,5-6", "x"):
        refused = get(bad)
        assert refused.status_code == 416, (bad, refused.status_code)
        assert refused.headers["Content-Range"] == f"bytes */{size}", bad
        assert refused.json()["error"] == "bad_range", bad
    # Range never lets a station read what it may not.
    other = city.other_township
    outside = httpx.get(url, headers=other.headers(Range="bytes=0-9"), timeout=60)
    assert outside.status_code == 403
