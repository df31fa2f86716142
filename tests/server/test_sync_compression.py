"""Sync bodies travel gzip-compressed between a station and a city server that lists gzip in
its `encodings`, both ways (counted through a proxy); a server from before gzip (no
`encodings`, compressed bodies refused) is still synced with plain JSON."""

from __future__ import annotations

import pytest

from tests.server.sync_support import CuttingProxy, make_city, rows_of

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def backend(sync_backend):
    """This module's own city server (see sync_support.sync_backend)."""
    return sync_backend


def _fill(replica, cases: int = 12) -> set[str]:
    return {
        replica.add_case(name=f"压缩{n}", facts=f"第{n}件 冰箱不制冷" * 5).id for n in range(cases)
    }


def test_push_and_pull_bodies_travel_gzip_when_the_server_lists_it(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    proxy = CuttingProxy(backend.url)
    try:
        village, township = city["village_a"], city["township"]
        for replica in (village, township):
            replica.use_server(proxy.url)
        ids = _fill(village)
        report = village.sync()
        assert report.pushed > 0 and report.checksum_ok
        pushes = [w for w in proxy.wire if w[:2] == ("POST", "/v1/push")]
        assert pushes and all(w[3] == "gzip" for w in pushes), pushes
        pulls = [w for w in proxy.wire if w[:2] == ("GET", "/v1/pull")]
        assert any(w[5] == "gzip" for w in pulls), pulls
        # What travelled is the compressed size: far less than the JSON it carries.
        transport = village.engine.transport
        assert transport.bytes_sent * 3 < transport.plain_bytes_sent, transport.__dict__
        assert transport.bytes_sent == sum(w[2] for w in proxy.wire)
        assert transport.bytes_received == sum(w[4] for w in proxy.wire)
        got = township.sync()
        assert got.checksum_ok and ids <= set(rows_of(township.store, "cases"))
        township_pulls = [w for w in proxy.wire[len(pushes) :] if w[1] == "/v1/pull"]
        assert any(w[5] == "gzip" for w in township_pulls)
    finally:
        proxy.close()
        for replica in city.values():
            replica.close()


def test_a_server_without_encodings_gets_plain_json_and_still_syncs(
    tmp_path, backend, memory_keyring
) -> None:
    city = make_city(tmp_path, backend)
    proxy = CuttingProxy(backend.url)
    proxy.old_server = True
    try:
        village, township = city["village_a"], city["township"]
        for replica in (village, township):
            replica.use_server(proxy.url)
        ids = _fill(village)
        report = village.sync()
        assert report.pushed > 0 and report.checksum_ok, report
        assert not village.engine.transport.gzip_bodies
        assert all(w[3] == "" for w in proxy.wire), proxy.wire
        assert all(w[5] == "" for w in proxy.wire), proxy.wire
        assert [w for w in proxy.wire if w[1] == "/v1/push" and w[2] > 1024]
        got = township.sync()
        assert got.checksum_ok and ids <= set(rows_of(township.store, "cases"))
    finally:
        proxy.close()
        for replica in city.values():
            replica.close()
