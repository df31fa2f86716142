"""JSON on the server's hot paths (push and pull bodies, stored rows) with orjson.

The wire format is plain JSON (station_app.sync.protocol, standard library only); the server
reads and writes it with orjson, several times faster. Differences: orjson refuses lone
surrogates and invalid UTF-8 (a 4xx, as the protocol's own checks would), and reads an
integer beyond 64 bits as a float (no station database holds one); writing such an integer
falls back to the standard library.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from station_app.sync.protocol import ProtocolError, canonical_json

Fragment = orjson.Fragment  # stored JSON text written into an answer as it is


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode("utf-8")


def canonical_bytes(value: Any) -> bytes:
    """Sorted keys, no spaces: the text of protocol.canonical_json as UTF-8 (the same for
    everything but floats written with an exponent)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return canonical_json(value).encode("utf-8")


def loads(data: bytes | str) -> Any:
    """Parse JSON; ProtocolError when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ProtocolError(f"the body is not JSON: {error}") from error


def strings_valid(raw: bytes) -> bool:
    """Whether every string that `loads(raw)` returned is text every database stores (valid
    Unicode without NUL), so it need not be checked again one by one: orjson refuses lone
    surrogates and invalid UTF-8, and JSON can write NUL only as the escape \\u0000."""
    return b"\\u0000" not in raw
