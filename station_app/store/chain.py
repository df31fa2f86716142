"""The tamper-evident record: audit_log and case_events rows chained by hash, per station.

Each row written on this PC gets, before its transaction commits, the next number of its
station's chain (chain_seq), the hash of the row before it (prev_hash) and the SHA-256 of its
own content with that previous hash (row_hash). The rows are append-only (triggers) and the
seal is the one change ever allowed, once. An edited row no longer matches its hash; a deleted
row leaves a gap in the numbers; an inserted row either has no seal or breaks the link of the
row after it. The hash itself is defined once, in station_app/chain_hash.py, which the city
server uses to check the same chain as the rows arrive by sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from station_app.chain_hash import CHAINED_COLUMNS, GENESIS, row_hash
from station_app.i18n import _
from station_app.store.connection import ORIGIN_MIGRATION, Store

__all__ = ["CHAINED_COLUMNS", "GENESIS", "row_hash", "seal_pending", "verify_chains", "verify_rows"]


def _label(table: str) -> str:
    return _("audit log") if table == "audit_log" else _("case events")


def seal_pending(store: Store) -> int:
    """Seal the rows queued in `unsealed` (written by this transaction), in the order they were
    written; returns how many. Runs inside the transaction, before COMMIT."""
    conn = store.conn
    pending = conn.execute(
        "SELECT table_name, local_id FROM unsealed ORDER BY table_name, local_id"
    ).fetchall()
    if not pending:
        return 0
    heads: dict[tuple[str, str], tuple[int, str]] = {}
    columns = {table: ", ".join(cols) for table, cols in CHAINED_COLUMNS.items()}
    for table, local_id in pending:
        cursor = conn.execute(
            f"SELECT {columns[table]} FROM {table} WHERE local_id = ?", (local_id,)
        )
        names = [d[0] for d in cursor.description]
        found = cursor.fetchone()
        if found is None:
            continue
        row = dict(zip(names, found, strict=True))
        station = row["owner_station"]
        key = (table, station)
        if key not in heads:
            last = conn.execute(
                f"SELECT chain_seq, row_hash FROM {table}"
                " WHERE owner_station = ? AND chain_seq IS NOT NULL"
                " ORDER BY chain_seq DESC LIMIT 1",
                (station,),
            ).fetchone()
            heads[key] = (last[0], last[1]) if last else (0, GENESIS)
        seq, previous = heads[key]
        row["chain_seq"], row["prev_hash"] = seq + 1, previous
        digest = row_hash(table, row)
        conn.execute(
            f"UPDATE {table} SET chain_seq = ?, prev_hash = ?, row_hash = ? WHERE local_id = ?",
            (seq + 1, previous, digest, local_id),
        )
        heads[key] = (seq + 1, digest)
        if store.origin == ORIGIN_MIGRATION:
            # A row recorded before the chain existed is still queued with its old content.
            conn.execute(
                "UPDATE outbox SET new_values = json_set(new_values, '$.chain_seq', ?,"
                " '$.prev_hash', ?, '$.row_hash', ?) WHERE table_name = ? AND row_id = ?"
                " AND op = 'insert'",
                (seq + 1, previous, digest, table, row["id"]),
            )
    conn.execute("DELETE FROM unsealed")
    return len(pending)


def verify_rows(table: str, rows: Iterable[Mapping[str, object]], *, complete: bool) -> list[str]:
    """Problems of one station's chain: `rows` in chain_seq order, each with the columns of
    CHAINED_COLUMNS[table] and row_hash. `complete`: the rows are the station's whole chain
    (its own PC, or the city server), so a gap or a first row other than 1 is a problem; a
    station holding only some of another's rows checks each row and the links it has."""
    problems: list[str] = []
    label = _label(table)
    previous: Mapping[str, object] | None = None
    for row in rows:
        seq = int(row["chain_seq"])  # type: ignore[call-overload]
        names = {"record": label, "seq": seq, "station": row["owner_station"]}
        if row_hash(table, row) != row["row_hash"]:
            problems.append(
                _(
                    "{record}: entry {seq} of station {station} was changed after it was written."
                ).format(**names)
            )
        before = None if previous is None else int(previous["chain_seq"])  # type: ignore[call-overload]
        if before is None:
            if complete and seq != 1:
                problems.append(
                    _(
                        "{record}: entries {first} to {last} of station {station} are missing."
                    ).format(first=1, last=seq - 1, **names)
                )
            elif seq == 1 and row["prev_hash"] != GENESIS:
                problems.append(_not_following(names))
        elif seq == before:
            problems.append(
                _("{record}: entry {seq} of station {station} appears twice.").format(**names)
            )
        elif seq != before + 1:
            if complete:
                problems.append(
                    _(
                        "{record}: entries {first} to {last} of station {station} are missing."
                    ).format(first=before + 1, last=seq - 1, **names)
                )
        elif previous is not None and row["prev_hash"] != previous["row_hash"]:
            problems.append(_not_following(names))
        previous = row
    return problems


def _not_following(names: Mapping[str, object]) -> str:
    return _(
        "{record}: entry {seq} of station {station} does not follow the entry before it"
        " (an entry was inserted, removed or changed)."
    ).format(**names)


def verify_chains(store: Store) -> list[str]:
    """Every problem of the audit log's and the case events' hash chains, in words for the
    administrator; an empty list when the record is intact. The local station's chain must be
    whole; the rows of other stations (pulled by sync) are checked as far as they go."""
    local = store.scalar("SELECT value FROM settings WHERE key = 'local_station_code'")
    problems: list[str] = []
    for table, columns in CHAINED_COLUMNS.items():
        label = _label(table)
        unsealed = store.scalar(
            f"SELECT count(*) FROM {table} WHERE row_hash IS NULL"
            f" AND local_id NOT IN (SELECT local_id FROM unsealed WHERE table_name = '{table}')"
            + (" AND origin = 'local'" if table == "audit_log" else "")
            + " AND owner_station = ?",
            (local,),
        )
        if unsealed:
            problems.append(
                _("{record}: {count} entries of this station were written outside the app.").format(
                    record=label, count=unsealed
                )
            )
        stations = [
            row[0]
            for row in store.execute(
                f"SELECT DISTINCT owner_station FROM {table} WHERE chain_seq IS NOT NULL"
            )
        ]
        for station in stations:
            cursor = store.execute(
                f"SELECT {', '.join(columns)}, row_hash FROM {table}"
                " WHERE owner_station = ? AND chain_seq IS NOT NULL ORDER BY chain_seq, local_id",
                (station,),
            )
            names: Sequence[str] = [d[0] for d in cursor.description]
            rows = (dict(zip(names, found, strict=True)) for found in cursor)
            problems.extend(verify_rows(table, rows, complete=station == local))
    return problems
