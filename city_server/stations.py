"""Stations of the city: the hierarchy that decides scope, enrolment codes and tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, select, update

from city_server.db import stations, tokens
from city_server.errors import ApiError
from station_app.sync.protocol import LEVELS, STATION_CODE, utc_now_text

ENROL_CODE_VALID = timedelta(days=14)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    level: str
    parent_code: str | None
    revoked: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent_code": self.parent_code,
        }


_HIERARCHIES: dict[str, tuple[tuple, Hierarchy]] = {}  # per database: (mark, hierarchy)


_MARK = select(func.count(), func.sum(case((stations.c.revoked, 1), else_=0)))


class Hierarchy:
    """Who reads and writes whose rows: a village its own; a township its own and its
    villages'; the city everything."""

    def __init__(self, by_code: Mapping[str, Station]) -> None:
        self.by_code = dict(by_code)

    @staticmethod
    def mark_columns() -> tuple:
        """What `load` compares with its last reading, as two scalar subqueries that another
        statement can carry (saving a pull one round trip)."""
        return (
            select(func.count()).select_from(stations).scalar_subquery(),
            select(func.sum(case((stations.c.revoked, 1), else_=0))).scalar_subquery(),
        )

    @classmethod
    def load(cls, conn: Connection, mark: tuple | None = None) -> Hierarchy:
        """The stations. Stations are only ever added or revoked (never deleted, moved or
        relevelled), so the count of each tells whether this process's last reading still
        holds: one small query instead of every station's row on every request. `mark`: the
        values of `mark_columns`, read by the caller in the same transaction."""
        if mark is None:
            mark = tuple(conn.execute(_MARK).one())
        mark = tuple(int(v or 0) for v in mark)
        url = str(conn.engine.url)
        cached = _HIERARCHIES.get(url)
        if cached is not None and cached[0] == mark:
            return cached[1]
        hierarchy = cls._read(conn)
        _HIERARCHIES[url] = (mark, hierarchy)
        return hierarchy

    @classmethod
    def _read(cls, conn: Connection) -> Hierarchy:
        found = conn.execute(select(stations)).mappings()
        return cls(
            {
                r["code"]: Station(
                    r["code"], r["name"], r["level"], r["parent_code"], bool(r["revoked"])
                )
                for r in found
            }
        )

    def visible(self, station: Station) -> set[str]:
        return {station.code} | {
            s.code for s in self.by_code.values() if s.parent_code == station.code
        }

    def can_write(self, station: Station, owner: str) -> bool:
        if station.level == "city" or owner == station.code:
            return True
        owner_station = self.by_code.get(owner)
        return owner_station is not None and owner_station.parent_code == station.code


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_enrol_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _normalise_code(code: str) -> str:
    return code.strip().upper().replace(" ", "")


def add_station(conn: Connection, code: str, name: str, level: str, parent: str | None) -> str:
    """Register a station; returns its one-time enrolment code."""
    if not STATION_CODE.fullmatch(code):
        raise ValueError(f"station code {code!r}: capital letters, digits and '-' only")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if not name.strip():
        raise ValueError("a station needs a name")
    existing = Hierarchy.load(conn).by_code
    if code in existing:
        raise ValueError(f"station {code} exists already")
    if level == "city":
        if parent:
            raise ValueError("a city station has no parent")
    else:
        expected = "city" if level == "township" else "township"
        if not parent or parent not in existing:
            raise ValueError(f"a {level} station needs its {expected} station as --parent")
        if existing[parent].level != expected:
            raise ValueError(f"the parent of a {level} station must be a {expected} station")
    conn.execute(
        stations.insert().values(
            code=code,
            name=name.strip(),
            level=level,
            parent_code=parent or None,
            secret=secrets.token_hex(32),
            revoked=False,
            created_at=utc_now_text(),
        )
    )
    return issue_enrol_code(conn, code)


def issue_enrol_code(conn: Connection, code: str) -> str:
    """A new one-time enrolment code for a station (a new PC, or after a revocation)."""
    enrol_code = _new_enrol_code()
    expires = (datetime.now(UTC) + ENROL_CODE_VALID).isoformat(timespec="seconds")
    done = conn.execute(
        update(stations)
        .where(stations.c.code == code)
        .values(
            enrol_code_hash=_hash(_normalise_code(enrol_code)),
            enrol_code_expires=expires,
            revoked=False,
        )
    )
    if done.rowcount != 1:
        raise ValueError(f"no station {code}")
    return enrol_code


def revoke_station(conn: Connection, code: str) -> int:
    """Revoke every token of a station and its pending enrolment code; returns how many."""
    done = conn.execute(
        update(stations)
        .where(stations.c.code == code)
        .values(revoked=True, enrol_code_hash=None, enrol_code_expires=None)
    )
    if done.rowcount != 1:
        raise ValueError(f"no station {code}")
    revoked = conn.execute(
        update(tokens)
        .where(tokens.c.station_code == code, tokens.c.revoked_at.is_(None))
        .values(revoked_at=utc_now_text())
    )
    return revoked.rowcount


def enrol(conn: Connection, enrol_code: str) -> tuple[Station, str, str]:
    """Exchange a one-time code for a station token; returns (station, token, bundle secret)."""
    code_hash = _hash(_normalise_code(enrol_code))
    row = (
        conn.execute(select(stations).where(stations.c.enrol_code_hash == code_hash))
        .mappings()
        .first()
    )
    refused = ApiError(
        401,
        "enrol_code_invalid",
        "This enrolment code is not valid or was used already: ask the city office for a new one.",
    )
    if row is None or not hmac.compare_digest(row["enrol_code_hash"], code_hash):
        raise refused
    if row["enrol_code_expires"] and datetime.fromisoformat(
        row["enrol_code_expires"]
    ) < datetime.now(UTC):
        raise ApiError(
            401,
            "enrol_code_expired",
            "This enrolment code has expired: ask the city office for a new one.",
        )
    # Used once: cleared in the same transaction that makes the token.
    cleared = conn.execute(
        update(stations)
        .where(stations.c.code == row["code"], stations.c.enrol_code_hash == code_hash)
        .values(enrol_code_hash=None, enrol_code_expires=None)
    )
    if cleared.rowcount != 1:
        raise refused
    token = secrets.token_urlsafe(32)
    conn.execute(
        tokens.insert().values(
            token_hash=_hash(token), station_code=row["code"], created_at=utc_now_text()
        )
    )
    station = Station(row["code"], row["name"], row["level"], row["parent_code"])
    return station, token, row["secret"]


# Built once (every request authenticates; building the statement cost more than running it).
_TOKENS = (
    select(tokens.c.token_hash, tokens.c.revoked_at, stations)
    .join(stations, stations.c.code == tokens.c.station_code)
    .where(tokens.c.token_hash.in_(bindparam("hashes", expanding=True)))
)


def authenticate(conn: Connection, token: str | None) -> Station:
    found = authenticate_many(conn, [token])[token]
    if isinstance(found, ApiError):
        raise found
    return found


def token_query():  # noqa: ANN201
    """The statement that finds stations by token hashes (parameter `hashes`): for a caller
    that reads more columns in the same round trip (`authenticate_with`)."""
    return _TOKENS


def authenticate_with(conn: Connection, token: str | None, query) -> tuple[Station, Any]:  # noqa: ANN001
    """The station of a token (ApiError refuses it, as `authenticate`) read by `query`, which
    is `token_query()` with more columns: returns the station and the row."""
    row = None
    if token:
        row = conn.execute(query, {"hashes": [_hash(token)]}).mappings().first()
    refusal = _refusal(token, row)
    if refusal is not None:
        raise refusal
    return Station(row["code"], row["name"], row["level"], row["parent_code"]), row


def _refusal(token: str | None, row: Any) -> ApiError | None:
    """Why a token is refused (its row: None when unknown), or None when it is good."""
    if not token:
        return ApiError(
            401, "token_missing", "No station token was sent: enrol this station first."
        )
    if row is None:
        return ApiError(
            401,
            "token_invalid",
            "The server does not know this station's token: enrol again with a new code "
            "from the city office.",
        )
    if row["revoked_at"] is not None or row["revoked"]:
        return ApiError(
            401,
            "station_revoked",
            f"The city office revoked the access of station {row['code']}: "
            "sync is stopped; ask the city office for a new enrolment code.",
        )
    return None


def authenticate_many(
    conn: Connection, tokens_sent: Iterable[str | None]
) -> dict[str | None, Station | ApiError]:
    """Each token's station, or the ApiError that refuses it, in one query."""
    out: dict[str | None, Station | ApiError] = {}
    by_hash: dict[str, str] = {}
    for token in tokens_sent:
        if not token:
            out[token] = _refusal(token, None)
        else:
            by_hash[_hash(token)] = token
    found = {}
    hashes = sorted(by_hash)
    for start in range(0, len(hashes), 500):
        for row in conn.execute(_TOKENS, {"hashes": hashes[start : start + 500]}).mappings():
            found[row["token_hash"]] = row
    for token_hash, token in by_hash.items():
        row = found.get(token_hash)
        refusal = _refusal(token, row)
        out[token] = (
            refusal
            if refusal is not None
            else Station(row["code"], row["name"], row["level"], row["parent_code"])
        )
    return out


def station_secret(conn: Connection, code: str) -> bytes:
    secret = conn.execute(select(stations.c.secret).where(stations.c.code == code)).scalar()
    if secret is None:
        raise ValueError(f"no station {code}")
    return bytes.fromhex(secret)
