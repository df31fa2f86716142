"""Attachments (evidence files, issued PDFs): content-addressed by SHA-256, uploaded in
resumable chunks, stored once however many stations send them, size-limited.

Chunks live in the database, so every server process over one PostgreSQL serves them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from sqlalchemy import Connection, delete, func, select, update

from city_server.db import attachment_cases, attachment_chunks, attachments
from city_server.errors import ApiError
from city_server.stations import Hierarchy, Station
from city_server.sync_service import can_read_case
from station_app.sync.protocol import (
    ATTACHMENT_CHUNK_BYTES,
    MAX_ATTACHMENT_BYTES,
    SHA256_HEX,
    utc_now_text,
)


def check_sha256(sha256: str) -> str:
    if not SHA256_HEX.fullmatch(sha256):
        raise ApiError(422, "bad_sha256", "an attachment is named by its SHA-256: 64 hex digits")
    return sha256


def check_filename(filename: str) -> str:
    """A display name only (files are stored by hash); path-like names are refused."""
    if (
        not filename
        or len(filename) > 255
        or any(ch in filename for ch in "/\\:")
        or filename.startswith(".")
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in filename)
    ):
        raise ApiError(
            422, "bad_filename", f"{filename!r} is not a plain file name (no folders, no '..')"
        )
    return filename


def _status(row) -> dict[str, object]:  # noqa: ANN001
    return {
        "sha256": row["sha256"],
        "size": row["size"],
        "received": row["received"],
        "complete": bool(row["complete"]),
    }


def _get(conn: Connection, sha256: str, *, lock: bool = False):  # noqa: ANN202
    query = select(attachments).where(attachments.c.sha256 == sha256)
    if lock and conn.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def start_upload(
    conn: Connection, station: Station, sha256: str, size: int, filename: str
) -> dict[str, object]:
    check_sha256(sha256)
    check_filename(filename)
    if size < 0:
        raise ApiError(422, "bad_size", "size must not be negative")
    if size > MAX_ATTACHMENT_BYTES:
        raise ApiError(
            413,
            "attachment_too_large",
            f"an attachment may be at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MiB; "
            f"this one is {size} bytes",
        )
    found = _get(conn, sha256, lock=True)
    if found is not None:
        if found["size"] != size:
            raise ApiError(
                409, "size_mismatch", f"attachment {sha256} is {found['size']} bytes, not {size}"
            )
        return _status(found)
    conn.execute(
        attachments.insert().values(
            sha256=sha256,
            size=size,
            received=0,
            complete=size == 0 and sha256 == hashlib.sha256(b"").hexdigest(),
            filename=filename,
            uploaded_by=station.code,
            created_at=utc_now_text(),
        )
    )
    return _status(_get(conn, sha256))


def upload_status(conn: Connection, sha256: str) -> dict[str, object]:
    check_sha256(sha256)
    found = _get(conn, sha256)
    if found is None:
        raise ApiError(
            404, "not_found", f"attachment {sha256} is not on the server; start its upload"
        )
    return _status(found)


def put_chunk(conn: Connection, sha256: str, offset: int, data: bytes) -> dict[str, object]:
    """Store a chunk at `offset`. A chunk received before is acknowledged again (a resent
    request); a gap is refused with the offset expected. The last chunk checks the SHA-256."""
    check_sha256(sha256)
    if len(data) > ATTACHMENT_CHUNK_BYTES:
        raise ApiError(
            413, "chunk_too_large", f"a chunk may be at most {ATTACHMENT_CHUNK_BYTES} bytes"
        )
    found = _get(conn, sha256, lock=True)
    if found is None:
        raise ApiError(
            404, "not_found", f"attachment {sha256} is not on the server; start its upload"
        )
    if found["complete"]:
        return _status(found)
    if offset < 0 or offset > found["received"]:
        raise ApiError(
            409,
            "wrong_offset",
            f"the server has {found['received']} bytes of {sha256}; send from offset {found['received']}",
        )
    if offset + len(data) > found["size"]:
        raise ApiError(
            409,
            "beyond_size",
            f"the chunk ends past the attachment's size of {found['size']} bytes",
        )
    if not data:
        raise ApiError(422, "empty_chunk", "an empty chunk adds nothing")
    # Only the part not received yet is new (a resent chunk may overlap).
    skip = found["received"] - offset
    data = data[skip:]
    if data:
        conn.execute(
            attachment_chunks.insert().values(sha256=sha256, offset=found["received"], data=data)
        )
    received = found["received"] + len(data)
    complete = False
    if received == found["size"]:
        digest = hashlib.sha256()
        for piece in read_content(conn, sha256, require_complete=False):
            digest.update(piece)
        if digest.hexdigest() != sha256:
            conn.execute(delete(attachment_chunks).where(attachment_chunks.c.sha256 == sha256))
            conn.execute(
                update(attachments).where(attachments.c.sha256 == sha256).values(received=0)
            )
            raise ApiError(
                409,
                "hash_mismatch",
                "the uploaded content does not match its SHA-256; it was discarded, send it again",
            )
        complete = True
    conn.execute(
        update(attachments)
        .where(attachments.c.sha256 == sha256)
        .values(received=received, complete=complete)
    )
    return _status(_get(conn, sha256))


def check_complete(conn: Connection, sha256: str) -> None:
    found = _get(conn, sha256)
    if found is None or not found["complete"]:
        raise ApiError(409, "incomplete", f"attachment {sha256} is not complete on the server")


def read_content(
    conn: Connection, sha256: str, *, require_complete: bool = True
) -> Iterator[bytes]:
    if require_complete:
        check_complete(conn, sha256)
    offsets = (
        conn.execute(
            select(attachment_chunks.c.offset)
            .where(attachment_chunks.c.sha256 == sha256)
            .order_by(attachment_chunks.c.offset)
        )
        .scalars()
        .all()
    )
    for offset in offsets:
        yield conn.execute(
            select(attachment_chunks.c.data).where(
                attachment_chunks.c.sha256 == sha256, attachment_chunks.c.offset == offset
            )
        ).scalar_one()


_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte a Range header asks for (one range; `bytes=START-`,
    `bytes=START-END`, `bytes=-LAST_N`), None for no header; ApiError 416 for a range this
    file cannot satisfy or one that is not of that form."""
    if header is None:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None or found.group(1) == found.group(2) == "":
        raise ApiError(
            416, "bad_range", "Range must be one range of bytes: bytes=START-END, START- or -N"
        )
    first_text, last_text = found.groups()
    if first_text == "":
        first, last = max(0, size - int(last_text)), size - 1
        if int(last_text) == 0:
            first = size
    else:
        first = int(first_text)
        last = min(int(last_text), size - 1) if last_text else size - 1
        if last_text and int(last_text) < first:
            raise ApiError(416, "bad_range", f"Range {header[:40]!r} ends before it starts")
    if first >= size or first > last:
        raise ApiError(416, "bad_range", f"Range {header[:40]!r} is beyond the file ({size} bytes)")
    return first, last


def read_range(conn: Connection, sha256: str, first: int, last: int) -> bytes:
    """Bytes first..last (inclusive) of a complete attachment, reading only the chunks that
    hold them."""
    length = func.length(attachment_chunks.c.data)
    parts = conn.execute(
        select(attachment_chunks.c.offset, attachment_chunks.c.data)
        .where(
            attachment_chunks.c.sha256 == sha256,
            attachment_chunks.c.offset <= last,
            attachment_chunks.c.offset + length > first,
        )
        .order_by(attachment_chunks.c.offset)
    ).all()
    out = bytearray()
    for offset, data in parts:
        out += bytes(data)[max(0, first - offset) : last + 1 - offset]
    return bytes(out)


def check_download(conn: Connection, station: Station, sha256: str) -> None:
    """A station downloads a file it uploaded, or one named by a case it may read."""
    check_sha256(sha256)
    found = _get(conn, sha256)
    if found is None:
        raise ApiError(404, "not_found", f"attachment {sha256} is not on the server")
    if station.level == "city" or found["uploaded_by"] == station.code:
        return
    hierarchy = Hierarchy.load(conn)
    case_ids = (
        conn.execute(select(attachment_cases.c.case_id).where(attachment_cases.c.sha256 == sha256))
        .scalars()
        .all()
    )
    if any(can_read_case(conn, station, hierarchy, case_id) for case_id in case_ids):
        return
    raise ApiError(
        403,
        "out_of_scope",
        f"station {station.code} may not read attachment {sha256}: no case of its scope names it",
    )


def store_whole(conn: Connection, station: Station, sha256: str, data: bytes) -> bool:
    """Store a complete file (from a USB bundle); False when the server had it already."""
    check_sha256(sha256)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ApiError(422, "hash_mismatch", f"content does not match {sha256}")
    found = _get(conn, sha256, lock=True)
    if found is not None and found["complete"]:
        return False
    if found is not None:
        conn.execute(delete(attachment_chunks).where(attachment_chunks.c.sha256 == sha256))
        conn.execute(delete(attachments).where(attachments.c.sha256 == sha256))
    conn.execute(
        attachments.insert().values(
            sha256=sha256,
            size=len(data),
            received=len(data),
            complete=True,
            filename=sha256,
            uploaded_by=station.code,
            created_at=utc_now_text(),
        )
    )
    for offset in range(0, len(data), ATTACHMENT_CHUNK_BYTES):
        conn.execute(
            attachment_chunks.insert().values(
                sha256=sha256, offset=offset, data=data[offset : offset + ATTACHMENT_CHUNK_BYTES]
            )
        )
    return True


def total_bytes(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.sum(attachments.c.received), 0))).scalar())
