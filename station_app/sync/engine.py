"""The station's sync engine: push, attachments, pull, scope check and repair, in one round.

How to call it (the GUI wraps this in a worker thread later; no Qt here)::

    # `folder`: the app's open DataFolder (it holds the folder's lock).
    # In the worker thread (a Store belongs to the thread that opened it):
    cancel = threading.Event()                        # set() from the UI thread to stop
    with folder.open_store() as store:                # a new connection, for this thread
        try:
            engine = connect(store, folder.path)      # server and token from the keyring
            try:
                report = engine.run_with_retries(progress=on_progress, cancel=cancel)
            finally:
                engine.close()
        except SyncError as error:                    # error.message: for the clerk, in
            ...                                       # the interface language (Chinese)
    # Any thread, with its own store: sync_status(store) for the status bar (no network).

`progress` is called in the worker thread with a SyncProgress (stage, done, total, text);
forward it to the UI through a signal. Cancelling stops at the next safe point (between
batches, pages, chunks): everything done so far is stored, and the next round goes on from
there; the report then says cancelled=True. A request in flight is given up as soon as
`cancel` is set (HttpTransport.cancel), so closing the app never waits for the server.

One round (`run_once`), following the sync design of architecture.md:
1. hello: the token is checked (a revoked station stops here with a clear message) and the
   server's clock compared with the PC's (a warning is kept in the sync state).
2. push before pull: the outbox goes in batches. Each batch is kept (UUID and body) before it
   is sent, so after a crash or a cut the same batch is sent again and the server answers
   it as a duplicate; outbox entries go only when the answer is stored. Changes the server
   refuses are set aside with the reason and never block the queue (a batch refused whole is
   split by transaction to find the one at fault); same-field conflicts are kept for review.
3. attachments (evidence files, issued PDFs) are uploaded apart, by SHA-256, in chunks,
   resuming where the server's copy ends; a file the server has already is not sent.
4. pull in pages after the kept cursor; each page is applied in one local transaction with
   the new cursor (store.sync_state.apply_page via store.sync_apply); this station's own
   changes coming back are only remembered (their server version) when the row holds them.
   Then the conflicts the server keeps for this station's review (it owns the record and
   another station's value lost to its own) are read after their own cursor.
5. attachments named by pulled rows are downloaded in chunks (HTTP Range) into a .part file
   that a cut round resumes from its size, checked against their SHA-256 and moved in place.
6. the scope checksum is compared with the server's; a table that differs is resynced from
   the server's rows (repair), local unpushed changes still never overwritten; rows of the
   scope the server does not have are removed here (a copy kept with the set-aside
   records), never a row with unpushed local work. This PC's count and hash come from
   digests the store keeps as rows change (store.sync_state.scope_checksum): a round reads
   only the rows written since; every row is read again once a day and before a table is
   repaired.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from station_app.atomic_files import fsync_directory
from station_app.file_crypt import (
    DownloadPart,
    StoredFileUnreadable,
    read_stored_file,
    write_stored_file,
)
from station_app.i18n import _
from station_app.store import Store, StoreError, driver
from station_app.store import sync_state as state
from station_app.store.accounts import LOCAL_STATION_KEY
from station_app.store.sync_apply import RemoteChange
from station_app.sync.protocol import (
    ATTACHMENT_CHUNK_BYTES,
    CLOCK_WARNING,
    MAX_ATTACHMENT_BYTES,
    MAX_CHANGES_PER_BATCH,
    SYNC_TABLES,
    Change,
    ProtocolError,
    PullPage,
    PushBatch,
    PushResult,
    clock_difference,
    row_digest,
)
from station_app.sync.secrets import load_sync_token
from station_app.sync.transport import HttpTransport, RequestCancelled, SyncError

# Server error codes that refuse a whole batch because of one station transaction in it.
_BATCH_REFUSALS = ("out_of_scope", "not_owner", "wrong_origin", "invalid_request", "too_large")
# The scope checksum reads every local row again at least this often (else only rows written
# since the last round, from the digests the store keeps).
FULL_CHECK_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class SyncProgress:
    """What the engine is doing: stage is one of connect, push, upload, pull, download,
    check, repair, done; `done` of `total` (total None: not known)."""

    stage: str
    done: int
    total: int | None
    text: str


@dataclass
class SyncReport:
    pushed: int = 0
    duplicate_batches: int = 0
    set_aside: int = 0
    conflicts: int = 0
    pulled: int = 0
    pulled_refused: int = 0
    uploaded: int = 0
    downloaded: int = 0
    repaired: int = 0
    removed: int = 0
    checksum_ok: bool | None = None
    mismatched_tables: list[str] = field(default_factory=list)
    clock_offset_seconds: float = 0.0
    clock_warning: str | None = None
    cursor: int = 0
    cancelled: bool = False
    attempts: int = 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows; read with sync_status(store)."""

    enrolled: bool
    station: str | None
    server_url: str | None
    last_success: str | None
    last_attempt: str | None
    last_error: str | None
    pending: int
    in_flight: int
    conflicts: int
    rejected: int
    clock_offset_seconds: float | None
    clock_warning: str | None
    cursor: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Cancelled(Exception):
    pass


def clock_warning_text(offset_seconds: float) -> str | None:
    """A loud warning when the PC clock is further than CLOCK_WARNING from the server's."""
    if abs(offset_seconds) <= CLOCK_WARNING.total_seconds():
        return None
    minutes = round(abs(offset_seconds) / 60)
    if offset_seconds > 0:
        text = _("This PC's clock is {minutes} minutes ahead of the city office's server.")
    else:
        text = _("This PC's clock is {minutes} minutes behind the city office's server.")
    return (
        text.format(minutes=minutes)
        + " "
        + _(
            "Dates written on this PC may be wrong; set the clock right (Windows: Settings > "
            "Time). Sync keeps the order of changes regardless."
        )
    )


def sync_status(store: Store) -> SyncStatus:
    """The state of sync on this PC, from the database alone (no network)."""
    values = state.all_state(store)
    counts = state.status_counts(store)
    offset = values.get(state.CLOCK_OFFSET)
    offset_seconds = float(offset) if offset is not None else None
    return SyncStatus(
        enrolled=state.SERVER_URL in values,
        station=values.get(state.STATION) or store.get_setting(LOCAL_STATION_KEY),
        server_url=values.get(state.SERVER_URL),
        last_success=values.get(state.LAST_SUCCESS),
        last_attempt=values.get(state.LAST_ATTEMPT),
        last_error=values.get(state.LAST_ERROR),
        pending=counts["pending"],
        in_flight=counts["in_flight"],
        conflicts=counts["conflicts"],
        rejected=counts["rejected"],
        clock_offset_seconds=offset_seconds,
        clock_warning=None if offset_seconds is None else clock_warning_text(offset_seconds),
        cursor=int(values.get(state.CURSOR, "0")),
    )


def not_enrolled_error() -> SyncError:
    return SyncError(
        "not_enrolled",
        _(
            "This station is not enrolled with the city office's server yet. Run "
            "`station-app enrol --server URL --code CODE` with the code the city office gave."
        ),
    )


def connect(store: Store, data_folder: Path, **options: Any) -> SyncEngine:
    """An engine for the enrolled station: the server from the sync state, the token from
    the OS keyring (SyncError when not enrolled or no secure keyring)."""
    url = state.get_state(store, state.SERVER_URL)
    station = state.get_state(store, state.STATION)
    if not url or not station:
        raise not_enrolled_error()
    token = load_token(station)
    transport = HttpTransport(url, token, ca_file=state.get_state(store, state.CA_FILE))
    return SyncEngine(store, data_folder, transport, **options)


def load_token(station: str) -> str:
    from keyring.errors import KeyringError

    try:
        token = load_sync_token(station)
    except KeyringError as error:
        raise SyncError("keyring", str(error)) from error
    if not token:
        raise SyncError(
            "not_enrolled",
            _(
                "The sync token of station {station} is not in this PC's password store (was "
                "the Windows account changed?). Ask the city office for a new enrolment code "
                "and run `station-app enrol` again."
            ).format(station=station),
        )
    return token


def _safe_filename(name: str, sha256: str) -> str:
    cleaned = re.sub(r"[/\\:\x00-\x1f\x7f]", "_", name or "").lstrip(".")[:200]
    return cleaned or sha256


class SyncEngine:
    """One station's sync with the city server. Use it in one thread (the store's)."""

    def __init__(
        self,
        store: Store,
        data_folder: Path,
        transport: HttpTransport,
        *,
        batch_size: int = 1000,
        page_size: int = 1000,
        chunk_bytes: int = ATTACHMENT_CHUNK_BYTES,
        clock: Callable[[], datetime] | None = None,
        full_check_every: timedelta = FULL_CHECK_EVERY,
    ) -> None:
        self.store = store
        self.data_folder = Path(getattr(data_folder, "path", data_folder))
        self.transport = transport
        self.batch_size = max(1, min(batch_size, MAX_CHANGES_PER_BATCH))
        self.page_size = page_size
        self.chunk_bytes = chunk_bytes
        self.clock = clock or (lambda: datetime.now(UTC))
        self.full_check_every = full_check_every
        code = store.get_setting(LOCAL_STATION_KEY)
        if not code:
            raise SyncError(
                "not_enrolled", _("This PC has no station yet: run `station-app init` first.")
            )
        self.station: str = code
        self._progress: Callable[[SyncProgress], None] | None = None
        self._cancel: threading.Event | None = None

    def close(self) -> None:
        self.transport.close()

    # -- rounds ------------------------------------------------------------------------------

    def run_with_retries(
        self,
        progress: Callable[[SyncProgress], None] | None = None,
        cancel: threading.Event | None = None,
        *,
        attempts: int = 5,
        base_delay: float = 2.0,
        max_delay: float = 300.0,
    ) -> SyncReport:
        """run_once, again after a failure that may pass (no connection, a server fault),
        waiting 2, 4, 8 ... seconds (with jitter, at most max_delay); cancel stops the wait.
        A failure that waiting does not cure (revoked, wrong protocol) is raised at once."""
        cancel = cancel or threading.Event()
        for attempt in range(1, attempts + 1):
            try:
                report = self.run_once(progress, cancel)
                report.attempts = attempt
                return report
            except SyncError as error:
                if not error.retryable or attempt == attempts:
                    raise
                delay = min(max_delay, base_delay * 2 ** (attempt - 1))
                delay *= 0.75 + random.random() / 2
                self._say("connect", attempt, attempts, error.message)
                if cancel.wait(delay):
                    return SyncReport(cancelled=True, attempts=attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def run_once(
        self,
        progress: Callable[[SyncProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> SyncReport:
        """One full round (see the module). Raises SyncError (message for the clerk); what
        was done before the failure stays done and is not done twice."""
        self._progress = progress
        self._cancel = cancel
        self.transport.cancel = cancel
        report = SyncReport()
        state.set_state(self.store, **{state.LAST_ATTEMPT: self._now_text()})
        try:
            self._hello(report)
            self._push(report)
            self._upload(report)
            self._pull(report)
            self._owner_conflicts(report)
            self._download(report)
            self._check(report)
        except (_Cancelled, RequestCancelled):
            report.cancelled = True
            self._say("done", 0, None, _("Sync cancelled; what was done is kept."))
            return report
        except SyncError as error:
            state.set_state(self.store, **{state.LAST_ERROR: error.message})
            raise
        except StoreError as error:
            state.set_state(self.store, **{state.LAST_ERROR: str(error)})
            raise SyncError("store", str(error)) from error
        except driver.DatabaseError as error:
            # A received change this database refused (e.g. a row whose case is not here):
            # the page was not kept (its transaction rolled back); the cursor did not move.
            message = _(
                "A received change could not be stored ({reason}); nothing of it was kept and "
                "the next sync tries again. Tell the city office if this keeps happening."
            ).format(reason=error)
            state.set_state(self.store, **{state.LAST_ERROR: message})
            raise SyncError("store", message, retryable=False) from error
        report.cursor = int(state.get_state(self.store, state.CURSOR, "0"))
        state.set_state(
            self.store, **{state.LAST_SUCCESS: self._now_text(), state.LAST_ERROR: None}
        )
        self._say("done", 1, 1, _("Sync finished."))
        return report

    # -- helpers -----------------------------------------------------------------------------

    def _now_text(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def _say(self, stage: str, done: int, total: int | None, text: str) -> None:
        if self._progress is not None:
            self._progress(SyncProgress(stage, done, total, text))

    def _check_cancel(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise _Cancelled

    def _note_clock(self, report: SyncReport) -> None:
        server_time = self.transport.server_time
        if not server_time:
            return
        offset = clock_difference(server_time, self.clock()).total_seconds()
        report.clock_offset_seconds = offset
        report.clock_warning = clock_warning_text(offset)
        state.set_state(
            self.store, **{state.CLOCK_OFFSET: f"{offset:.1f}", state.SERVER_TIME: server_time}
        )

    # -- 1. hello ------------------------------------------------------------------------------

    def _hello(self, report: SyncReport) -> None:
        self._say("connect", 0, None, _("Connecting to the city office's server…"))
        answer = self.transport.hello()
        self._note_clock(report)
        code = answer.get("station", {}).get("code")
        if code != self.station:
            raise SyncError(
                "token",
                _(
                    "The token on this PC belongs to station {other}, not to {station}. Enrol "
                    "this station again with its own code."
                ).format(other=code, station=self.station),
            )
        if report.clock_warning:
            self._say("connect", 0, None, report.clock_warning)

    # -- 2. push -------------------------------------------------------------------------------

    def _push(self, report: SyncReport) -> None:
        total = state.pending_count(self.store)
        sent = 0
        while True:
            self._check_cancel()
            batch = state.batch_in_flight(self.store) or self._new_batch(report)
            if batch is None:
                break
            # A batch just made comes with its value; one kept from an earlier round is read.
            body = batch.get("value") or json.loads(batch["body"])
            count = len(body["changes"])
            try:
                answer = self.transport.push(batch["body"])
            except SyncError as error:
                if error.kind == "refused" and error.code in _BATCH_REFUSALS:
                    self._refused_whole(batch, body, error, report)
                    continue
                if error.kind == "refused" and error.code == "batch_reused":
                    # The server holds other content under this UUID: never ours to reuse.
                    state.drop_batch(self.store, batch["batch_id"])
                    continue
                raise
            self._note_clock(report)
            self._store_answer(batch, body, PushResult.from_json(answer), report)
            sent += count
            self._say(
                "push",
                sent,
                max(total, sent),
                _("Sent {done} of {total} changes.").format(done=sent, total=max(total, sent)),
            )
        state.set_state(self.store, **{state.NARROW_UNTIL: None})

    def _new_batch(self, report: SyncReport) -> dict[str, Any] | None:
        narrow = int(state.get_state(self.store, state.NARROW_UNTIL, "0"))
        batch, set_aside = next_batch(
            self.store, self.station, batch_size=self.batch_size, narrow=narrow
        )
        report.set_aside += set_aside
        return batch

    def _refused_whole(
        self, batch: dict[str, Any], body: dict[str, Any], error: SyncError, report: SyncReport
    ) -> None:
        """A batch the server refused whole (nothing of it was applied): split it by station
        transaction until the one at fault is alone; that one is set aside with the reason."""
        txids = {c.get("txid") for c in body["changes"]}
        if len(txids) > 1:
            state.drop_batch(self.store, batch["batch_id"])
            state.set_state(self.store, **{state.NARROW_UNTIL: batch["last_seq"]})
            return
        aside = [
            state.SetAside(c["table"], c["row_id"], c["op"], c, error.message)
            for c in body["changes"]
        ]
        state.finish_batch(self.store, batch["batch_id"], set_aside=aside)
        report.set_aside += len(aside)

    def _store_answer(
        self, batch: dict[str, Any], body: dict[str, Any], result: PushResult, report: SyncReport
    ) -> None:
        changes = body["changes"]
        aside = [
            state.SetAside(r.table, r.row_id, changes[r.index]["op"], changes[r.index], r.reason)
            for r in result.rejected
            if 0 <= r.index < len(changes)
        ]
        conflicts, fixes = [], []
        for c in result.conflicts:
            if c.lost_station == self.station and c.kept_station != self.station:
                conflicts.append(
                    state.PushConflict(
                        c.table, c.row_id, c.field, c.lost, c.kept, c.kept_station, lost_here=True
                    )
                )
                if c.table in state.local_tables():
                    # The owner's value stays on the server: this PC takes it too.
                    fixes.append(
                        RemoteChange(
                            c.table, c.row_id, "update", {c.field: c.kept}, 0, c.kept_station
                        )
                    )
            else:
                conflicts.append(
                    state.PushConflict(c.table, c.row_id, c.field, c.kept, c.lost, c.lost_station)
                )
        state.finish_batch(
            self.store, batch["batch_id"], set_aside=aside, conflicts=conflicts, fixes=fixes
        )
        report.pushed += result.accepted
        report.set_aside += len(aside)
        report.conflicts += len(conflicts)
        if result.duplicate:
            report.duplicate_batches += 1

    # -- 3. attachments up ---------------------------------------------------------------------

    def _file_path(self, kind: str, sha256: str) -> Path:
        return file_path(self.data_folder, kind, sha256)

    def _upload(self, report: SyncReport) -> None:
        done = state.files_confirmed(self.store)
        todo = [a for a in state.attachments(self.store) if a["sha256"] not in done]
        for index, item in enumerate(todo):
            self._check_cancel()
            path = self._file_path(item["kind"], item["sha256"])
            if not path.is_file():
                continue  # a pulled row's file: downloaded, not uploaded
            try:
                data = read_stored_file(path, self.store.key)  # the server keeps plaintext
            except StoredFileUnreadable:
                continue  # changed or damaged here: never sent (station check names it)
            if self._upload_one(data, item):
                report.uploaded += 1
            state.confirm_file(self.store, item["sha256"])
            self._say(
                "upload",
                index + 1,
                len(todo),
                _("Sent {done} of {total} files.").format(done=index + 1, total=len(todo)),
            )

    def _upload_one(self, data: bytes, item: dict[str, Any]) -> bool:
        """Send one file's plaintext from where the server's copy ends; False when it had it
        whole."""
        sha256 = item["sha256"]
        size = len(data)
        status = self.transport.start_upload(sha256, size, _safe_filename(item["filename"], sha256))
        if status["complete"]:
            return False
        offset = int(status["received"])
        while offset < size:
            self._check_cancel()
            chunk = data[offset : offset + self.chunk_bytes]
            status = self.transport.put_chunk(sha256, offset, chunk)
            offset = int(status["received"])
            if status["complete"]:
                break
        return True

    # -- 4. pull -------------------------------------------------------------------------------

    def _pull(self, report: SyncReport) -> None:
        local = set(state.local_tables())
        while True:
            self._check_cancel()
            cursor = int(state.get_state(self.store, state.CURSOR, "0"))
            page = PullPage.from_json(self.transport.pull(cursor, self.page_size))
            self._note_clock(report)
            changes, foreign = [], []
            for c in page.changes:
                if c.table in local:
                    changes.append(
                        RemoteChange(
                            c.table, c.row_id, c.op, c.fields, c.row_version, c.origin_station
                        )
                    )
                else:
                    # A table this version does not have: kept untouched; a delete forgets it.
                    foreign.append((c.table, c.row_id, None if c.op == "delete" else c.fields))
            result = state.apply_page(
                self.store, changes, cursor=max(page.next_cursor, cursor), foreign=foreign
            )
            report.pulled += len(page.changes)
            report.pulled_refused += len(result.rejected)
            report.conflicts += len(result.conflicts)
            self._say(
                "pull",
                report.pulled,
                None,
                _("Received {done} changes.").format(done=report.pulled),
            )
            if not page.has_more:
                return

    def _owner_conflicts(self, report: SyncReport) -> None:
        """The conflicts the server kept for this station's review: another station's value
        lost to this station's (the owner's) when that station pushed after this one, or to a
        third station's (a township's value kept over the city's on this village's case)."""
        after = int(state.get_state(self.store, state.CONFLICT_CURSOR, "0"))
        while True:
            self._check_cancel()
            found = self.transport.conflicts(after, 200)
            if not found:
                return
            theirs = [
                state.PushConflict(
                    c["table"], c["row_id"], c["field"], c["kept"], c["lost"], c["lost_station"]
                )
                for c in found
                if not c.get("resolved")
            ]
            after = max(int(c["conflict_id"]) for c in found)
            report.conflicts += state.keep_owner_conflicts(
                self.store, theirs, cursor=after, station=self.station
            )
            if len(found) < 200:
                return

    # -- 5. attachments down -------------------------------------------------------------------

    def _download(self, report: SyncReport) -> None:
        missing = [
            a
            for a in state.attachments(self.store)
            if not self._file_path(a["kind"], a["sha256"]).is_file()
        ]
        for index, item in enumerate(missing):
            self._check_cancel()
            try:
                whole = self._download_one(item)
            except SyncError as error:
                if error.kind == "refused":
                    # Not on the server yet (its station has not sent it): next time.
                    part = part_path(self.data_folder, item["sha256"])
                    if part.is_file() and not part.stat().st_size:
                        part.unlink()
                    continue
                raise
            if not whole:
                continue
            state.confirm_file(self.store, item["sha256"])
            report.downloaded += 1
            self._say(
                "download",
                index + 1,
                len(missing),
                _("Received {done} of {total} files.").format(done=index + 1, total=len(missing)),
            )

    def _download_one(self, item: dict[str, Any]) -> bool:
        """Fetch one file in chunks into `<sha256>.part` (in the data folder's
        sync-downloads), going on from the part's size after a cut; checked against its
        SHA-256, then moved in place atomically. False when what arrived is not that file
        (the part is dropped and fetched again next time)."""
        sha256 = item["sha256"]
        part_file = part_path(self.data_folder, sha256)
        # Encrypted chunk by chunk when the folder has a key (file_crypt.DownloadPart).
        with DownloadPart(part_file, self.store.key) as part:
            size: int | None = None
            offset = part.size
            while size is None or offset < size:
                self._check_cancel()
                try:
                    start, data, size = self.transport.download_part(
                        sha256, offset, offset + self.chunk_bytes - 1
                    )
                except SyncError as error:
                    if error.code == "bad_range":
                        break  # nothing after `offset`: the part holds the whole file
                    raise
                if start != offset:
                    if start:
                        raise SyncError(
                            "server",
                            _("The server sent another part of a file. Try again later."),
                            retryable=True,
                        )
                    part.restart()  # a server without Range support: the whole file
                    offset = 0
                part.append(data)
                offset += len(data)
                if not data or offset > MAX_ATTACHMENT_BYTES:
                    break
            try:
                data = part.content()
            except StoredFileUnreadable:  # changed on the disk since: fetched again
                data = b""
        if hashlib.sha256(data).hexdigest() != sha256:
            part_file.unlink()
            return False
        # Stored encrypted when the folder has a key (file_crypt), then the part is dropped.
        write_stored_file(self._file_path(item["kind"], sha256), data, self.store.key)
        part_file.unlink()
        fsync_directory(part_file.parent)
        return True

    # -- 6. scope checksum and repair ----------------------------------------------------------

    def _tables(self) -> list[str]:
        return [t for t in state.local_tables() if t in SYNC_TABLES]

    def _check(self, report: SyncReport) -> None:
        if state.pending_count(self.store):
            return  # edits made during this round: compared at the next one
        self._check_cancel()
        self._say("check", 0, None, _("Comparing this station's records with the server…"))
        names = {table: state.checksum_fields(self.store, table) for table in self._tables()}
        theirs = self.transport.checksum(names)["tables"]
        # This PC's side comes from the digests the store keeps as rows change; once a day
        # (full_check_every) every row is read again, and a table that differs is read again
        # before it is repaired, so a kept digest can neither hide nor cause a repair.
        last_full = state.get_state(self.store, state.LAST_FULL_CHECKSUM)
        now = self.clock().astimezone(UTC)
        full = not last_full or not (
            timedelta(0) <= now - datetime.fromisoformat(last_full) < self.full_check_every
        )
        mismatched = []
        for table, fields in names.items():
            mine = state.scope_checksum(self.store, table, fields, row_digest, full=full)
            if not full and theirs.get(table) != _checksum_json(mine):
                mine = state.scope_checksum(self.store, table, fields, row_digest, full=True)
            if theirs.get(table) != _checksum_json(mine):
                mismatched.append(table)
        if full:
            state.set_state(self.store, **{state.LAST_FULL_CHECKSUM: now.isoformat()})
        report.mismatched_tables = mismatched
        report.checksum_ok = not mismatched
        local_only = []
        for table in mismatched:
            repaired, missing = self._repair(table, names[table])
            report.repaired += repaired
            local_only.append((table, missing))
        # Rows of this PC's scope the server does not have go last, children before their
        # parents (a case after its parties); unpushed local rows are never among them.
        for table, missing in reversed(local_only):
            if missing:
                report.removed += state.remove_local_only(self.store, table, missing)

    def _repair(self, table: str, fields: list[str]) -> tuple[int, list[str]]:
        """Take the server's rows of `table` where this PC's differ (a repair resync);
        returns how many were taken and the ids of the rows this PC holds (in the scope the
        server should have) that the server does not."""
        self._say("repair", 0, None, _("Repairing {table} from the server…").format(table=table))
        local = {row_id: row for row_id, row in state.checksum_rows(self.store, table)}
        after, repaired = "", 0
        seen: set[str] = set()
        while True:
            self._check_cancel()
            page = self.transport.scope_rows(table, after, self.page_size)
            changes = []
            for item in page["rows"]:
                row_id, values = item["row_id"], item["fields"]
                seen.add(row_id)
                mine = local.get(row_id)
                if mine is not None and row_digest(table, row_id, mine, fields) == row_digest(
                    table, row_id, values, fields
                ):
                    continue
                station = values.get("owner_station")
                changes.append(
                    RemoteChange(
                        table,
                        row_id,
                        "insert",
                        values,
                        0,
                        station if isinstance(station, str) and station else self.station,
                    )
                )
            if changes:
                result = state.apply_repair(self.store, changes)
                repaired += result.applied
            if not page["has_more"]:
                return repaired, sorted(set(local) - seen)
            after = page["next_after"]


def _checksum_json(checksum: tuple[int, str]) -> dict[str, Any]:
    return {"count": checksum[0], "hash": checksum[1]}


def part_path(data_folder: Path, sha256: str) -> Path:
    """Where a download in progress is kept (resumed from its size after a cut)."""
    return Path(data_folder) / "sync-downloads" / f"{sha256}.part"


def file_path(data_folder: Path, kind: str, sha256: str) -> Path:
    """Where an attachment lives in the data folder: an evidence file or an issued PDF."""
    from station_app.document_issuing import document_path
    from station_app.evidence_files import evidence_path

    if kind == "evidence":
        return evidence_path(Path(data_folder) / "evidence", sha256)
    return document_path(Path(data_folder), sha256)


def next_batch(
    store: Store, station: str, *, batch_size: int, narrow: int = 0, after_seq: int = 0
) -> tuple[dict[str, Any] | None, int]:
    """Make the next push batch from the outbox (entries after `after_seq`) and keep it
    before it leaves (UUID and body); returns it ({batch_id, first_seq, last_seq, body}) or
    None, and the number of changes set aside here (ones the protocol would refuse)."""
    set_aside = 0

    while True:
        entries = state.read_outbox(
            store, max_changes=batch_size, one_transaction_until=narrow, after_seq=after_seq
        )
        if not entries:
            return None, set_aside
        changes, bad = [], []
        for entry in entries:
            change = Change(
                table=entry.table,
                row_id=entry.row_id,
                op=entry.op,
                fields=entry.fields,
                base=entry.base,
                row_version=entry.row_version,
                txid=entry.txid,
                origin_station=entry.origin_station or station,
                case_id=entry.case_id,
                owner_station=entry.owner_station,
                changed_at=entry.changed_at[:80],
            )
            try:
                # The protocol's own check: a change the server would refuse (and with it
                # the whole batch) is set aside here, with the reason.
                Change.from_json(change.to_json())
            except ProtocolError as error:
                bad.append((entry, change, str(error)))
                continue
            changes.append((entry, change))
        if bad:
            txids = {entry.txid for entry, _c, _r in bad}
            aside = [(e, c, r) for e, c, r in bad] + [
                (e, c, _("set aside with another change of the same transaction"))
                for e, c in changes
                if e.txid in txids
            ]
            # Only the bad transactions go (kept with the reason); the rest stay queued.
            state.set_aside_entries(
                store,
                [(e.seq, state.SetAside(e.table, e.row_id, e.op, c.to_json(), r))
                 for e, c, r in aside],
            )  # fmt: skip
            set_aside += len(aside)
            continue
        batch = PushBatch(str(uuid.uuid4()), station, tuple(c for _e, c in changes))
        value = batch.to_json()
        body = orjson.dumps(value).decode()
        state.keep_batch(store, batch.batch_id, entries[0].seq, entries[-1].seq, body)
        return {
            "batch_id": batch.batch_id,
            "first_seq": entries[0].seq,
            "last_seq": entries[-1].seq,
            "body": body,
            "value": value,
        }, set_aside
