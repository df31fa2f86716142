"""The wire format shared by the station and the server: tables, records, clocks, bundles."""

from __future__ import annotations

import dataclasses
import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from station_app.store.migrations import SYNCABLE_TABLES
from station_app.sync.protocol import (
    SYNC_TABLES,
    TO_SERVER,
    BundleError,
    Change,
    ProtocolError,
    PushBatch,
    clock_needs_warning,
    combine_digests,
    make_bundle,
    open_bundle,
    row_digest,
)

SECRET = b"k" * 32


def test_the_server_knows_every_syncable_table_of_the_station() -> None:
    assert set(SYNCABLE_TABLES) <= set(SYNC_TABLES)
    assert set(SYNC_TABLES) - set(SYNCABLE_TABLES) == {"reference_data"}


def _change(**overrides) -> dict:  # noqa: ANN003
    return {
        "table": "cases",
        "row_id": str(uuid.uuid4()),
        "op": "update",
        "fields": {"facts": "x"},
        **overrides,
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"table": "sqlite_master"},
        {"op": "drop"},
        {"row_id": "../x"},
        {"fields": {"Bad Name": 1}},
        {"fields": {"facts": [1]}},
        {"fields": {"amount": float("nan")}},
        {"fields": {"facts": "\ud800"}},
        {"txid": "a\nb"},
        {"row_version": -1},
        {"row_version": True},
        {"unknown": 1},
    ],
)
def test_a_malformed_change_is_refused(overrides: dict) -> None:
    with pytest.raises(ProtocolError):
        Change.from_json(_change(**overrides))


@pytest.mark.parametrize(
    "overrides",
    [
        {"txid": "a\nb"},
        {"txid": ["t1"]},  # not hashable: refused, not a crash
        {"origin_station": {"V1": 1}},
        {"case_id": "../x"},
        {"owner_station": ["V1"]},
        {"fields": {"facts": [1]}},
        {"fields": {"Bad Name": "x"}},
    ],
)
def test_a_batch_read_as_checked_text_still_refuses_a_bad_change_after_good_ones(
    overrides: dict,
) -> None:
    """A batch repeats its transaction ids, stations and times, each checked once; a later
    change that differs is checked on its own (and read through orjson, its text)."""
    good = _change(txid="t1", origin_station="V1", case_id="c1", owner_station="V1")
    body = {
        "batch_id": str(uuid.uuid4()),
        "station": "V1",
        "changes": [good, good, {**good, **overrides}],
    }
    assert (
        len(PushBatch.from_json(json.loads(json.dumps({**body, "changes": [good, good]}))).changes)
        == 2
    )
    for text_checked in (False, True):
        with pytest.raises(ProtocolError, match=r"changes\[2\]"):
            PushBatch.from_json(json.loads(json.dumps(body)), text_checked=text_checked)


def test_a_change_round_trips_and_keeps_unknown_fields() -> None:
    data = _change(fields={"facts": "事实", "added_later": 3}, base={"facts": "旧"}, txid="t1")
    change = Change.from_json(data)
    assert Change.from_json(change.to_json()) == change
    assert change.fields["added_later"] == 3


def test_clock_warning() -> None:
    server = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    text = server.isoformat().replace("+00:00", "Z")
    assert not clock_needs_warning(text, server + timedelta(minutes=2))
    assert clock_needs_warning(text, datetime(2000, 1, 1, tzinfo=UTC))
    assert clock_needs_warning(text, server + timedelta(days=365))


def test_checksums_do_not_depend_on_order() -> None:
    rows = [("a", {"x": 1, "y": "甲"}), ("b", {"x": 2})]
    one = combine_digests(row_digest("cases", i, f, ["x", "y"]) for i, f in rows)
    two = combine_digests(row_digest("cases", i, f, ["y", "x"]) for i, f in reversed(rows))
    assert one == two and one[0] == 2
    changed = combine_digests(row_digest("cases", i, {**f, "x": 9}, ["x", "y"]) for i, f in rows)
    assert changed != one


def _bundle() -> bytes:
    batch = PushBatch.from_json(
        {"batch_id": str(uuid.uuid4()), "station": "RC-MT", "changes": [_change(op="insert")]}
    )
    return make_bundle(
        station="RC-MT", direction=TO_SERVER, secret=SECRET, batches=[batch], attachments={}
    )


def test_a_bundle_opens_with_its_stations_secret_only() -> None:
    data = _bundle()
    bundle = open_bundle(data, secret=SECRET, station="RC-MT", direction=TO_SERVER)
    assert len(bundle.batches) == 1 and bundle.manifest["change_count"] == 1
    with pytest.raises(BundleError, match="changed"):
        open_bundle(data, secret=b"other" * 8, station="RC-MT", direction=TO_SERVER)
    with pytest.raises(BundleError, match="belongs to station"):
        open_bundle(data, secret=SECRET, station="RC-XX", direction=TO_SERVER)
    with pytest.raises(BundleError, match="truncated"):
        open_bundle(data[:-20], secret=SECRET, station="RC-MT", direction=TO_SERVER)
    document = json.loads(gzip.decompress(data))
    document["manifest"]["change_count"] = 0
    with pytest.raises(BundleError):
        open_bundle(
            gzip.compress(json.dumps(document).encode()),
            secret=SECRET,
            station="RC-MT",
            direction=TO_SERVER,
        )


def test_the_protocol_module_is_pure_python() -> None:
    import ast
    import sys

    import station_app.sync.protocol as protocol

    tree = ast.parse(open(protocol.__file__, encoding="utf-8").read())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)


def test_a_change_read_from_json_is_the_change_itself_and_stays_frozen() -> None:
    # from_json makes the change without the dataclass's __init__ (it is the hot path of a
    # push): the result must be the same value, as immutable as any other.
    data = {
        "table": "parties",
        "row_id": "p-1",
        "op": "update",
        "fields": {"name": "张三", "phone": "13800000000"},
        "base": {"name": "张山"},
        "row_version": 3.0,
        "txid": "tx 1",
        "origin_station": "V01",
        "case_id": "c-1",
        "owner_station": "V01",
        "changed_at": "2026-11-30T10:00:00Z",
    }
    change = Change.from_json(data)
    made = Change(**{**data, "row_version": 3})
    assert change == made and change.to_json() == made.to_json()
    assert type(change.row_version) is int
    assert change.__dict__ == made.__dict__
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.op = "delete"  # type: ignore[misc]
    for bad in ("tx\n1", "tx\x7f", "x" * 81):
        with pytest.raises(ProtocolError, match="txid"):
            Change.from_json({**data, "txid": bad})
    assert Change.from_json({**data, "txid": "交易 1"}).txid == "交易 1"
