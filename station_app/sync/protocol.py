"""The sync wire format shared by the station and the city server: records, checks, bundles.

Pure Python (no Qt, no server code). Every request carries the protocol version in the
`X-Sync-Protocol` header; the server accepts the current and the previous version and answers
every request with its clock in `X-Server-Time`.

Push: the station sends its outbox as batches (`PushBatch`, a UUID each). The server applies a
batch in one transaction and remembers its UUID, so a batch sent again is a no-op that returns
the first answer. A change is checked per field against the value the edit started from
(`base`); on a same-field conflict the case's owner station wins and the losing value is kept
in a conflict record. Changes of one station transaction (`txid`) are accepted or set aside
(rejected, with the reason) together. The owner station's review of a conflict travels as
a row of RESOLUTIONS_TABLE (protocol 3) in its outbox, like any write: the server marks the
conflict resolved and stations that pull the row mark their copies of it resolved.

Pull: the server orders every accepted change by one sequence. `PullPage` holds the changes
after a cursor, in order; the station applies a page in one transaction and only then keeps
`next_cursor`. Pulled changes include the station's own (they are the server's order of
events; applying them again is harmless); an `insert` of a row the station already has is an
upsert, and an `update` carries only the fields the server applied. A station that gains a
case (escalation) receives its rows again as inserts.

The scope checksum (`row_digest`, `combine_digests`) lets a station compare its rows with the
server's after a pull and resync a table on a mismatch.

Bodies: `encode_body` / `decode_body` make and read a JSON body, gzip-compressed with
`Content-Encoding: gzip` when the other side accepts it. The server says so in `/v1/health`
and `/v1/hello` (`encodings`); a client sends gzip only to a server that lists it, and asks
for gzip answers with `Accept-Encoding` (`ACCEPT_GZIP`). A client that does neither is served
plain JSON as before.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import math
import re
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PROTOCOL_VERSION = 3
# Version 2 had no conflict resolutions (the table RESOLUTIONS_TABLE): a version 2 station
# never sends one, and keeps the ones it pulls as rows of a table it does not know. (Version
# 1, without a transaction id and an origin station in a change, is no longer accepted.)
PREVIOUS_PROTOCOL_VERSION = 2
ACCEPTED_PROTOCOL_VERSIONS = (PROTOCOL_VERSION, PREVIOUS_PROTOCOL_VERSION)

PROTOCOL_HEADER = "X-Sync-Protocol"
SERVER_TIME_HEADER = "X-Server-Time"
# A PC clock further than this from the server's gets a loud warning (dead CMOS batteries).
CLOCK_WARNING = timedelta(minutes=5)

MAX_CHANGES_PER_BATCH = 5000
MAX_PULL_LIMIT = 5000
MAX_FIELDS_PER_ROW = 500
ATTACHMENT_CHUNK_BYTES = 1024 * 1024
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024

OPS = ("insert", "update", "delete")
FIELD_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
ROW_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
STATION_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")
LEVELS = ("village", "township", "city")


@dataclass(frozen=True)
class TableRule:
    """What the server must know about a syncable table to check scope and authority.

    `case_field` names the field that links a row to its case (None: not a case's row; then
    the row belongs to its `owner_station`, or to the station `station_field` names).
    `public` rows are read by every station; `city_only` rows are written by the city only;
    `append_only` rows never conflict and are never deleted; `shared_write` rows (a city-wide
    registry) are written by every station, a same-field conflict going the creator's way.
    """

    case_field: str | None = None
    public: bool = False
    city_only: bool = False
    append_only: bool = False
    station_field: str | None = None
    shared_write: bool = False


# The station's syncable tables (station_app.store.migrations.SYNCABLE_TABLES; a test checks
# that the lists agree). Stations, merchants and holidays are city-wide registries.
SYNC_TABLES: Mapping[str, TableRule] = {
    "stations": TableRule(public=True, station_field="code"),
    "users": TableRule(station_field="station_code"),
    "merchants": TableRule(public=True, shared_write=True),
    "cases": TableRule(case_field="id"),
    "parties": TableRule(case_field="case_id"),
    "evidence": TableRule(case_field="case_id"),
    "case_events": TableRule(case_field="case_id", append_only=True),
    "mediation_sessions": TableRule(case_field="case_id", append_only=True),
    "agreements": TableRule(case_field="case_id"),
    "follow_ups": TableRule(case_field="case_id", append_only=True),
    "audit_log": TableRule(case_field="case_id", append_only=True),
    "holiday_schedules": TableRule(public=True, city_only=True),
    "issued_documents": TableRule(case_field="case_id", append_only=True),
    # Supervision work (surveys, secret visits, sampling): the station that did it owns it;
    # its township and the city read it (their scope includes the station).
    "supervision_records": TableRule(),
    # Reference data the city office sets (city-server set-reference): row id = the kind.
    "reference_data": TableRule(public=True, city_only=True),
    # A same-field conflict resolved at the owner station (protocol 3): which value of which
    # station lost on the server, and the value the owner chose. The server closes its
    # conflict records of that lost value (only the record's owner may) and passes the row on
    # like the record's own rows; a resolution of a public record is public.
    "conflict_resolutions": TableRule(case_field="case_id", append_only=True),
}
RESOLUTIONS_TABLE = "conflict_resolutions"
# Fields whose value is bookkeeping, never a conflict (the PC clock writes them).
NON_CONFLICTING_FIELDS = frozenset({"updated_at"})
# Rows whose fields name a content-addressed attachment (evidence files, issued PDFs).
ATTACHMENT_FIELDS: Mapping[str, str] = {"evidence": "sha256", "issued_documents": "sha256"}
REFERENCE_KINDS = ("holidays", "categories", "abnormal_list", "designations", "authority")


class ProtocolError(ValueError):
    """A message that does not follow the protocol; the text says what is wrong."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ProtocolError(message)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FIELD_NAMES_SEEN: set[str] = set()
_READ_SCALARS = frozenset({str, int, float, bool, type(None)})


def _check_fields(
    values: Any, where: Any, part: str, *, text_checked: bool = False
) -> dict[str, Any]:
    """`values` checked as row values; `where` (a text, or a change's index) and `part` name
    them in a message (composed only when one is needed). `text_checked`: every string is
    known to be valid Unicode without NUL already (see `PushBatch.from_json`)."""
    if not isinstance(values, dict):
        raise ProtocolError(f"{_where(where)}.{part} must be an object")
    if len(values) > MAX_FIELDS_PER_ROW:
        raise ProtocolError(f"{_where(where)}.{part}: at most {MAX_FIELDS_PER_ROW} fields")
    if text_checked and _READ_SCALARS.issuperset(map(type, values.values())):
        # Valid text (see above) and numbers a JSON reader made, which are finite; the
        # object is the reader's own, so it is not copied.
        if _FIELD_NAMES_SEEN.issuperset(values):
            return values
    if not _FIELD_NAMES_SEEN.issuperset(values):
        for name in values:
            if name not in _FIELD_NAMES_SEEN:
                if not (isinstance(name, str) and FIELD_NAME.fullmatch(name)):
                    raise ProtocolError(f"{_where(where)}.{part}: {name!r} is not a field name")
                if len(_FIELD_NAMES_SEEN) < 10_000:
                    _FIELD_NAMES_SEEN.add(name)
    for name, value in values.items():
        kind = type(value)
        if kind is str:
            if text_checked:
                continue
            if "\x00" in value or not (value.isascii() or _is_text(value)):
                raise ProtocolError(f"{_where(where)}.{part}.{name}: not valid text")
        elif kind is int or value is None or kind is bool:
            continue
        elif kind is float:
            if not math.isfinite(value):
                raise ProtocolError(f"{_where(where)}.{part}.{name}: not a finite number")
        else:
            raise ProtocolError(
                f"{_where(where)}.{part}.{name}: only strings, numbers, booleans and null "
                "are row values"
            )
    return dict(values)


def _where(where: Any) -> str:
    return f"changes[{where}]" if isinstance(where, int) else str(where)


def _is_text(value: str, *, single_line: bool = False) -> bool:
    """Text that every database stores: valid Unicode, no NUL (and no control characters at
    all for identifiers)."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    if single_line:
        return _CONTROL.search(value) is None
    return "\x00" not in value


@dataclass(frozen=True)
class Change:
    """One insert, update or delete of a row, as the station's outbox recorded it.

    `fields`: the new values (insert: the whole row; update: the changed fields; delete:
    empty). `base`: the values the edit started from (update: the old values of the changed
    fields). Unknown fields are kept by the server and passed on. `case_id` and
    `owner_station` are what the station believes; the server checks them against its own.
    """

    table: str
    row_id: str
    op: str
    fields: dict[str, Any] = field(default_factory=dict)
    base: dict[str, Any] = field(default_factory=dict)
    row_version: int = 0
    txid: str = ""
    origin_station: str = ""
    case_id: str | None = None
    owner_station: str | None = None
    changed_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row_id": self.row_id,
            "op": self.op,
            "fields": self.fields,
            "base": self.base,
            "row_version": self.row_version,
            "txid": self.txid,
            "origin_station": self.origin_station,
            "case_id": self.case_id,
            "owner_station": self.owner_station,
            "changed_at": self.changed_at,
        }

    @classmethod
    def from_json(
        cls,
        data: Any,
        where: str | int = "change",
        *,
        text_checked: bool = False,
        seen: tuple[set[str], set[str]] | None = None,
    ) -> Change:
        """A change checked field by field; `where` names it in a message (an int: its
        index in a batch). `text_checked`: as in `PushBatch.from_json`. `seen`: the lines of
        text and the ids found valid in the changes before (a batch repeats its station, its
        transactions and their times), so that each is checked once."""
        lines_ok, ids_ok = seen if seen is not None else (set(), set())
        if not isinstance(data, dict):
            raise ProtocolError(f"{_where(where)} must be an object")
        if not _CHANGE_KEYS.issuperset(data):
            raise ProtocolError(f"{_where(where)}: unknown keys {sorted(set(data) - _CHANGE_KEYS)}")
        get = data.get  # each key read once
        table = get("table")
        if not (isinstance(table, str) and table in SYNC_TABLES):
            raise ProtocolError(f"{_where(where)}: unknown table {table!r}")
        row_id = get("row_id")
        if not (isinstance(row_id, str) and ROW_ID.fullmatch(row_id)):
            raise ProtocolError(f"{_where(where)}: row_id must be 1-64 letters, digits, '-' or '_'")
        op = get("op")
        if op not in OPS:
            raise ProtocolError(f"{_where(where)}: op must be one of {', '.join(OPS)}")
        row_version = get("row_version", 0)
        if type(row_version) is float and row_version.is_integer():
            row_version = int(row_version)
        if type(row_version) is not int or not 0 <= row_version < 2**31:
            raise ProtocolError(f"{_where(where)}: row_version must be a whole number")
        txid, origin, changed_at = get("txid", ""), get("origin_station", ""), get("changed_at", "")
        for key, value in (("txid", txid), ("origin_station", origin), ("changed_at", changed_at)):
            if type(value) is str and value in lines_ok:
                continue
            if not (
                isinstance(value, str)
                and len(value) <= 80
                # printable ASCII (the usual ids and times) is a line of text at once
                and ((value.isascii() and value.isprintable()) or _is_text(value, single_line=True))
            ):
                raise ProtocolError(
                    f"{_where(where)}: {key} must be a line of text of at most 80 characters"
                )
            lines_ok.add(value)
        case_id, owner = get("case_id"), get("owner_station")
        for key, value in (("case_id", case_id), ("owner_station", owner)):
            if value is None or (type(value) is str and value in ids_ok):
                continue
            if not (isinstance(value, str) and ROW_ID.fullmatch(value)):
                raise ProtocolError(f"{_where(where)}: {key} must be an id or null")
            ids_ok.add(value)
        # Every value is checked above, so the change is made without the frozen dataclass's
        # __init__ (a setattr through object per field: a quarter of reading a large batch).
        change = object.__new__(cls)
        change.__dict__.update(
            table=table,
            row_id=row_id,
            op=op,
            fields=_check_fields(get("fields", {}), where, "fields", text_checked=text_checked),
            base=_check_fields(get("base", {}), where, "base", text_checked=text_checked),
            row_version=row_version,
            txid=txid,
            origin_station=origin,
            case_id=case_id,
            owner_station=owner,
            changed_at=changed_at,
        )
        return change


_CHANGE_KEYS = frozenset(Change.__dataclass_fields__)


@dataclass(frozen=True)
class PushBatch:
    batch_id: str
    station: str
    changes: tuple[Change, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "station": self.station,
            "changes": [c.to_json() for c in self.changes],
        }

    @classmethod
    def from_json(cls, data: Any, *, text_checked: bool = False) -> PushBatch:
        """A batch checked change by change. `text_checked`: the batch was parsed from JSON
        by a reader that refuses invalid Unicode (orjson: no lone surrogates) from a text
        that writes no NUL (no `\\u0000` in it), so the row values' strings need no check
        (and its numbers are finite: orjson refuses 1e999, and JSON writes no NaN)."""
        _require(isinstance(data, dict), "a batch must be an object")
        extra = set(data) - {"batch_id", "station", "changes"}
        _require(not extra, f"batch: unknown keys {sorted(extra)}")
        batch_id = data.get("batch_id")
        _require(
            isinstance(batch_id, str) and UUID_TEXT.fullmatch(batch_id) is not None,
            "batch_id must be a UUID",
        )
        _require(
            isinstance(data.get("station"), str)
            and STATION_CODE.fullmatch(data["station"]) is not None,
            "station must be a station code",
        )
        changes = data.get("changes")
        _require(isinstance(changes, list), "changes must be a list")
        _require(
            len(changes) <= MAX_CHANGES_PER_BATCH,
            f"a batch holds at most {MAX_CHANGES_PER_BATCH} changes",
        )
        seen: tuple[set[str], set[str]] = (set(), set())
        return cls(
            batch_id=str(uuid.UUID(data["batch_id"])),
            station=data["station"],
            changes=tuple(
                Change.from_json(c, i, text_checked=text_checked, seen=seen)
                for i, c in enumerate(changes)
            ),
        )


@dataclass(frozen=True)
class ConflictRecord:
    """A same-field conflict: `kept` is the value now on the server (the owner's), `lost` the
    other one, kept for a person to review."""

    conflict_id: int
    table: str
    row_id: str
    field: str
    kept: Any
    lost: Any
    kept_station: str
    lost_station: str
    case_id: str | None = None
    resolved: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Rejection:
    """A change set aside by the server, with its reason; it never blocks the queue."""

    index: int
    table: str
    row_id: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class PushResult:
    batch_id: str
    accepted: int
    conflicts: tuple[ConflictRecord, ...]
    rejected: tuple[Rejection, ...]
    duplicate: bool
    server_time: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PushResult:
        return cls(
            batch_id=data["batch_id"],
            accepted=data["accepted"],
            conflicts=tuple(ConflictRecord(**c) for c in data["conflicts"]),
            rejected=tuple(Rejection(**r) for r in data["rejected"]),
            duplicate=data["duplicate"],
            server_time=data["server_time"],
        )


@dataclass(frozen=True)
class PulledChange:
    """A change as the server accepted it: `seq` is its place in the server's order, `fields`
    the values applied (update: only those; insert: the whole row)."""

    seq: int
    table: str
    row_id: str
    op: str
    fields: dict[str, Any]
    origin_station: str
    owner_station: str | None
    case_id: str | None
    row_version: int


@dataclass(frozen=True)
class PullPage:
    changes: tuple[PulledChange, ...]
    next_cursor: int
    has_more: bool
    server_time: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PullPage:
        return cls(
            changes=tuple(PulledChange(**c) for c in data["changes"]),
            next_cursor=data["next_cursor"],
            has_more=data["has_more"],
            server_time=data["server_time"],
        )


# -- bodies -----------------------------------------------------------------------------------

GZIP = "gzip"
ENCODINGS = (GZIP,)  # what the server reads in Content-Encoding (besides none)
ACCEPT_GZIP = {"Accept-Encoding": GZIP}
# Bodies shorter than this are sent plain: gzip would save nothing.
COMPRESS_FROM_BYTES = 1024
# A compressed body may not unpack to more than this (a "zip bomb" is refused).
MAX_BODY_BYTES = 64 * 1024 * 1024


def dumps_bytes(value: Any) -> bytes:
    """Compact JSON as UTF-8 bytes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> Any:
    """Parse JSON; ProtocolError when it is not JSON (or not UTF-8)."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"the body is not JSON: {error}") from error


def compress(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def decompress(data: bytes, encoding: str | None, *, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body as sent before its Content-Encoding (none or gzip); ProtocolError for an
    unknown encoding, a damaged stream or one that unpacks to more than `limit` bytes."""
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding != GZIP:
        raise ProtocolError(f"Content-Encoding {encoding[:20]!r} is not supported (gzip is)")
    unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = unpacker.decompress(data, limit + 1)
    except zlib.error as error:
        raise ProtocolError(f"the gzip body is damaged: {error}") from error
    if len(out) > limit:
        raise ProtocolError(f"the body unpacks to more than {limit} bytes")
    if not unpacker.eof or unpacker.unused_data:
        raise ProtocolError("the gzip body is truncated or followed by other data")
    return out


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def encode_body(value: Any, *, compress_body: bool = True) -> tuple[bytes, dict[str, str]]:
    """A JSON body and its headers; gzip when `compress_body` (only for a server that lists
    gzip in its `encodings`) and the body is large enough to gain from it."""
    data = dumps_bytes(value)
    headers = {"Content-Type": "application/json"}
    if compress_body and len(data) >= COMPRESS_FROM_BYTES:
        data = compress(data)
        headers["Content-Encoding"] = GZIP
    return data, headers


def decode_body(
    data: bytes, headers: Mapping[str, str] | None = None, *, limit: int = MAX_BODY_BYTES
) -> Any:
    """The JSON value of a body, undoing its Content-Encoding; ProtocolError when it is not."""
    encoding = _header(headers or {}, "Content-Encoding")
    return loads(decompress(data, encoding, limit=limit))


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header value allows gzip (q=0 refuses it)."""
    for part in (accept_encoding or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in (GZIP, "*"):
            q = params.strip().lower()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


# -- clocks -----------------------------------------------------------------------------------


def utc_now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_server_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def clock_difference(server_time: str, local_now: datetime | None = None) -> timedelta:
    """How far the PC clock is ahead of the server's (negative: behind)."""
    local = local_now or datetime.now(UTC)
    if local.tzinfo is None:
        local = local.astimezone()
    return local - parse_server_time(server_time)


def clock_needs_warning(server_time: str, local_now: datetime | None = None) -> bool:
    return abs(clock_difference(server_time, local_now)) > CLOCK_WARNING


# -- scope checksum ---------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_digest(table: str, row_id: str, fields: Mapping[str, Any], names: Iterable[str]) -> int:
    """A row's contribution to a checksum: its id and the named fields (absent = null)."""
    picked = {name: fields.get(name) for name in names}
    text = f"{table}\x1f{row_id}\x1f{canonical_json(picked)}"
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:16], "big")


def combine_digests(digests: Iterable[int]) -> tuple[int, str]:
    """Count and order-free hash (sum modulo 2**128) of row digests."""
    count = 0
    total = 0
    for digest in digests:
        count += 1
        total = (total + digest) % (1 << 128)
    return count, f"{total:032x}"


# -- USB bundles ------------------------------------------------------------------------------

BUNDLE_FORMAT = "station-sync-bundle"
BUNDLE_FORMAT_VERSION = 1
TO_SERVER = "to_server"  # a station's outbox batches (and attachments), for import-bundle
TO_STATION = "to_station"  # the server's changes in a station's scope, for the station


class BundleError(ValueError):
    """A bundle that is tampered, truncated, foreign or malformed; rejected whole."""


def _bundle_mac(secret: bytes, manifest: Mapping[str, Any], body: Mapping[str, Any]) -> str:
    message = canonical_json({"manifest": manifest, "body": body}).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Bundle:
    """A file carried on a USB stick: gzip of JSON {manifest, body, hmac}.

    `body` holds `batches` (push batches, to_server) or `changes` (pulled changes, to_station,
    from `after` to `until`), and `attachments` ({sha256, data: base64}). The HMAC-SHA256 with
    the station's secret covers manifest and body, so a changed byte or a bundle of another
    station fails; a cut file fails to decompress. Either way the whole bundle is refused.
    """

    manifest: dict[str, Any]
    body: dict[str, Any]

    @property
    def station(self) -> str:
        return self.manifest["station"]

    @property
    def direction(self) -> str:
        return self.manifest["direction"]

    @property
    def batches(self) -> list[PushBatch]:
        return [PushBatch.from_json(b) for b in self.body.get("batches", [])]

    @property
    def attachments(self) -> dict[str, bytes]:
        return {a["sha256"]: base64.b64decode(a["data"]) for a in self.body.get("attachments", [])}


def make_bundle(
    *,
    station: str,
    direction: str,
    secret: bytes,
    batches: Iterable[PushBatch] = (),
    changes: Iterable[Mapping[str, Any]] = (),
    attachments: Mapping[str, bytes] | None = None,
    after: int = 0,
    until: int = 0,
) -> bytes:
    if direction not in (TO_SERVER, TO_STATION):
        raise ValueError(direction)
    body: dict[str, Any] = {
        "batches": [b.to_json() for b in batches],
        "changes": [dict(c) for c in changes],
        "attachments": [
            {"sha256": sha, "data": base64.b64encode(data).decode("ascii")}
            for sha, data in sorted((attachments or {}).items())
        ],
    }
    manifest = {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_FORMAT_VERSION,
        "protocol": PROTOCOL_VERSION,
        "bundle_id": str(uuid.uuid4()),
        "station": station,
        "direction": direction,
        "created_at": utc_now_text(),
        "batch_count": len(body["batches"]),
        "change_count": sum(len(b["changes"]) for b in body["batches"]) + len(body["changes"]),
        "attachment_count": len(body["attachments"]),
        "after": after,
        "until": until,
    }
    document = {"manifest": manifest, "body": body, "hmac": _bundle_mac(secret, manifest, body)}
    return gzip.compress(canonical_json(document).encode("utf-8"), mtime=0)


def read_bundle_manifest(data: bytes) -> dict[str, Any]:
    """The manifest of a bundle, unverified: to find whose secret checks it."""
    return _parse_bundle(data)["manifest"]


def _parse_bundle(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(gzip.decompress(data).decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as error:
        raise BundleError(f"the bundle is truncated or not a bundle ({error})") from error
    if not isinstance(document, dict) or set(document) != {"manifest", "body", "hmac"}:
        raise BundleError("the bundle is not a station sync bundle")
    manifest = document["manifest"]
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise BundleError("the bundle is not a station sync bundle")
    if manifest.get("format_version") != BUNDLE_FORMAT_VERSION:
        raise BundleError(f"bundle format version {manifest.get('format_version')!r} is unknown")
    if manifest.get("protocol") not in ACCEPTED_PROTOCOL_VERSIONS:
        raise BundleError(f"bundle protocol version {manifest.get('protocol')!r} is not accepted")
    if not isinstance(document["body"], dict) or not isinstance(document["hmac"], str):
        raise BundleError("the bundle is malformed")
    return document


def open_bundle(data: bytes, *, secret: bytes, station: str, direction: str) -> Bundle:
    """Verify and read a bundle meant for `station` in `direction`; BundleError otherwise."""
    document = _parse_bundle(data)
    manifest, body = document["manifest"], document["body"]
    if manifest.get("station") != station:
        raise BundleError(
            f"the bundle belongs to station {manifest.get('station')!r}, not {station!r}"
        )
    if manifest.get("direction") != direction:
        raise BundleError(f"the bundle goes {manifest.get('direction')!r}, not {direction!r}")
    if not hmac.compare_digest(_bundle_mac(secret, manifest, body), document["hmac"]):
        raise BundleError("the bundle's authentication tag does not match: it was changed")
    batches = body.get("batches", [])
    changes = body.get("changes", [])
    attachments = body.get("attachments", [])
    if not (
        isinstance(batches, list) and isinstance(changes, list) and isinstance(attachments, list)
    ):
        raise BundleError("the bundle is malformed")
    counted = sum(len(b.get("changes", [])) for b in batches) + len(changes)
    if manifest.get("batch_count") != len(batches) or manifest.get("change_count") != counted:
        raise BundleError("the bundle's manifest does not match its content")
    try:
        parsed = [PushBatch.from_json(b) for b in batches]
    except ProtocolError as error:
        raise BundleError(f"the bundle holds a malformed batch: {error}") from error
    if any(b.station != station for b in parsed):
        raise BundleError("the bundle holds a batch of another station")
    for item in attachments:
        if not isinstance(item, dict) or not SHA256_HEX.fullmatch(str(item.get("sha256", ""))):
            raise BundleError("the bundle holds a malformed attachment")
        content = base64.b64decode(item.get("data", ""))
        if hashlib.sha256(content).hexdigest() != item["sha256"]:
            raise BundleError("an attachment in the bundle does not match its SHA-256")
    return Bundle(manifest=manifest, body=body)
