"""Enrolment: exchange the city office's one-time code for the station's token and secret.

The token and the bundle secret go to the OS keyring only (sync/secrets.py: never a plaintext
fallback); the server's address and CA file go to the sync state. The code must belong to
this PC's station.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keyring.errors import KeyringError

from station_app.i18n import _
from station_app.store import Store
from station_app.store import sync_state as state
from station_app.store.accounts import LOCAL_STATION_KEY
from station_app.sync.protocol import clock_difference
from station_app.sync.secrets import check_backend, save_bundle_secret, save_sync_token
from station_app.sync.transport import HttpTransport, SyncError


@dataclass(frozen=True)
class Enrolled:
    station: str
    name: str
    level: str
    server_url: str
    clock_offset_seconds: float


def enrol(
    store: Store, server_url: str, code: str, *, ca_file: str | Path | None = None
) -> Enrolled:
    """Enrol this PC's station with the server; SyncError with a message otherwise."""
    local = store.get_setting(LOCAL_STATION_KEY)
    if not local:
        raise SyncError(
            "not_enrolled", _("This PC has no station yet: run `station-app init` first.")
        )
    if not server_url.startswith(("https://", "http://")):
        raise SyncError(
            "refused",
            _(
                "The server address must start with https:// (for example https://12315.city.gov.cn)."
            ),
        )
    if ca_file is not None and not Path(ca_file).is_file():
        raise SyncError("tls", _("The CA file {path} does not exist.").format(path=ca_file))
    report = check_backend()
    if not report.secure:
        # Asked before the code is spent: a one-time code must not be used up for nothing.
        raise SyncError("keyring", report.message)
    with HttpTransport(server_url, None, ca_file=ca_file) as transport:
        answer = transport.enrol(code.strip())
        server_time = transport.server_time
    station = answer["station"]
    if station["code"] != local:
        raise SyncError(
            "refused",
            _(
                "The enrolment code belongs to station {other}, but this PC is station "
                "{station}. Ask the city office for this station's code."
            ).format(other=station["code"], station=local),
        )
    try:
        save_sync_token(local, answer["token"])
        save_bundle_secret(local, bytes.fromhex(answer["secret"]))
    except KeyringError as error:
        raise SyncError("keyring", str(error)) from error
    offset = clock_difference(server_time).total_seconds() if server_time else 0.0
    state.set_state(
        store,
        **{
            state.SERVER_URL: server_url.rstrip("/"),
            state.CA_FILE: str(Path(ca_file).resolve()) if ca_file else None,
            state.STATION: local,
            state.CLOCK_OFFSET: f"{offset:.1f}",
        },
    )
    return Enrolled(local, station["name"], station["level"], server_url, offset)
