"""USB bundles on the station's side (architecture point 11), both ways.

Export (an administrator's act, audited: the bundle holds personal data in full): the outbox
as the *same* batches sync would push (each kept with its UUID before it leaves,
store.sync_state), with the attachments they name, in a file with a manifest and an HMAC with
the station's secret (protocol.make_bundle). The city office imports it
(`city-server import-bundle`); a later online sync sends the same batches again and the server
answers them as duplicates, so nothing is applied twice.

Import: a bundle the city office exported for this station (`city-server export-bundle`):
verified whole first (protocol.open_bundle: tampered, truncated or another station's bundle is
refused with nothing written), then applied like pulled pages; the pull cursor moves only when
the bundle starts at or before it, so a gap is never skipped. Importing twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from keyring.errors import KeyringError

from station_app.account_rules import export_refused, may_export_personal_data
from station_app.atomic_files import write_bytes_atomically
from station_app.domain import User
from station_app.file_crypt import StoredFileUnreadable, read_stored_file, write_stored_file
from station_app.i18n import _
from station_app.store import Store
from station_app.store import sync_state as state
from station_app.store.accounts import LOCAL_STATION_KEY
from station_app.store.audit import log_bundle_export
from station_app.store.sync_apply import RemoteChange
from station_app.sync.engine import file_path, next_batch
from station_app.sync.protocol import (
    ATTACHMENT_FIELDS,
    TO_SERVER,
    TO_STATION,
    BundleError,
    PulledChange,
    PushBatch,
    make_bundle,
    open_bundle,
)
from station_app.sync.secrets import load_bundle_secret
from station_app.sync.transport import SyncError

MAX_BUNDLE_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class BundleReport:
    batches: int = 0
    changes: int = 0
    cases: int = 0  # export: how many cases the changes touch
    attachments: int = 0
    applied: int = 0
    refused: int = 0
    cursor_moved: bool = False


def _secret(store: Store) -> tuple[str, bytes]:
    station = store.get_setting(LOCAL_STATION_KEY)
    if not station:
        raise SyncError(
            "not_enrolled", _("This PC has no station yet: run `station-app init` first.")
        )
    try:
        secret = load_bundle_secret(station)
    except KeyringError as error:
        raise SyncError("keyring", str(error)) from error
    if not secret:
        raise SyncError(
            "not_enrolled",
            _(
                "This station has no bundle key in this PC's password store: enrol it with the "
                "city office's server first (`station-app enrol`)."
            ),
        )
    return station, secret


def export_bundle(
    store: Store, data_folder: Path, target: Path, *, exported_by: User
) -> BundleReport:
    """Write the outbox as batches to `target` (see the module). The bundle carries the
    complainants' names, phones and ID numbers in full, so only a user who may export personal
    data writes one (account_rules.may_export_personal_data), and each export is in the audit
    log (store.audit.log_bundle_export)."""
    if not may_export_personal_data(exported_by):
        raise SyncError("not_allowed", export_refused())
    station, secret = _secret(store)
    while True:
        kept = state.batches_kept(store)
        after = max((b["last_seq"] for b in kept), default=0)
        batch, _aside = next_batch(store, station, batch_size=1000, after_seq=after)
        if batch is None:
            break
    kept = state.batches_kept(store)
    batches = [PushBatch.from_json(json.loads(b["body"])) for b in kept]
    files: dict[str, bytes] = {}
    for batch in batches:
        for change in batch.changes:
            field = ATTACHMENT_FIELDS.get(change.table)
            sha256 = change.fields.get(field) if field else None
            if not isinstance(sha256, str) or sha256 in files:
                continue
            kind = "evidence" if change.table == "evidence" else "document"
            path = file_path(data_folder, kind, sha256)
            if path.is_file():
                try:
                    files[sha256] = read_stored_file(path, store.key)  # the plaintext
                except StoredFileUnreadable:
                    continue  # changed or damaged here: never sent (station check names it)
    data = make_bundle(
        station=station, direction=TO_SERVER, secret=secret, batches=batches, attachments=files
    )
    try:
        write_bytes_atomically(Path(target), data)
    except OSError as error:
        raise SyncError(
            "refused",
            _("The bundle could not be written to {path}: {reason}").format(
                path=target, reason=error.strerror or error
            ),
        ) from error
    report = BundleReport(
        batches=len(batches),
        changes=sum(len(b.changes) for b in batches),
        cases=len({c.case_id for b in batches for c in b.changes if c.case_id}),
        attachments=len(files),
    )
    try:
        log_bundle_export(
            store,
            actor=exported_by.username,
            station_code=station,
            changes=report.changes,
            cases=report.cases,
            path=str(target),
        )
    except BaseException:
        Path(target).unlink(missing_ok=True)  # no bundle leaves without its audit row
        raise
    return report


def import_bundle(store: Store, data_folder: Path, source: Path) -> BundleReport:
    """Apply a bundle the city office made for this station (see the module)."""
    station, secret = _secret(store)
    try:
        if Path(source).stat().st_size > MAX_BUNDLE_BYTES:
            raise SyncError("refused", _("The file is too large to be a bundle."))
        data = Path(source).read_bytes()
    except OSError as error:
        raise SyncError(
            "refused",
            _("The bundle {path} cannot be read: {reason}").format(
                path=source, reason=error.strerror or error
            ),
        ) from error
    try:
        bundle = open_bundle(data, secret=secret, station=station, direction=TO_STATION)
        pulled = [PulledChange(**c) for c in bundle.body.get("changes", [])]
        files = bundle.attachments
    except (BundleError, TypeError, ValueError, KeyError) as error:
        raise SyncError(
            "bundle",
            _("The bundle was refused whole and nothing was imported: {reason}").format(
                reason=error
            ),
        ) from error
    for sha256, content in files.items():
        if hashlib.sha256(content).hexdigest() != sha256:
            raise SyncError("bundle", _("The bundle was refused whole: an attachment is damaged."))
    cursor = int(state.get_state(store, state.CURSOR, "0"))
    after, until = int(bundle.manifest.get("after", 0)), int(bundle.manifest.get("until", 0))
    if after > cursor:
        raise SyncError(
            "bundle",
            _(
                "This bundle starts after what this station has received (it holds changes from "
                "number {after}, the station has up to {cursor}). Nothing was imported: import "
                "the earlier bundle first, or ask the city office for a bundle from {cursor}."
            ).format(after=after, cursor=cursor),
        )
    # Changes up to the cursor are here already (applied in order): never applied again.
    fresh = [c for c in pulled if c.seq > cursor]
    local = set(state.local_tables())
    changes = [
        RemoteChange(c.table, c.row_id, c.op, c.fields, c.row_version, c.origin_station)
        for c in fresh
        if c.table in local
    ]
    foreign = [
        (c.table, c.row_id, None if c.op == "delete" else c.fields)
        for c in fresh
        if c.table not in local
    ]
    moves = until > cursor
    result = state.apply_page(store, changes, cursor=max(until, cursor), foreign=foreign)
    written = 0
    for item in state.attachments(store):
        content = files.get(item["sha256"])
        target = file_path(data_folder, item["kind"], item["sha256"])
        if content is not None and not target.is_file():
            write_stored_file(target, content, store.key)  # encrypted in a keyed folder
            written += 1
    return BundleReport(
        changes=len(fresh),
        attachments=written,
        applied=result.applied,
        refused=len(result.rejected),
        cursor_moved=moves,
    )
