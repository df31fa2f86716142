"""HTTP transport of the sync client: one httpx client talking to the city server.

Every request carries the protocol version (protocol.PROTOCOL_HEADER) and the station's token
(Bearer; the token comes from the OS keyring, sync/secrets.py, never from a file). TLS is
verified, against the city office's own CA file when one is configured. The server's clock is
read from every answer (`server_time`), so the engine can warn about a PC clock that is off.

Failures become SyncError with a message for the clerk (what happened, what to do) and a
`kind`: 'offline' (no connection; retry later), 'revoked', 'token', 'protocol', 'tls',
'server' (a server fault; retry later), 'refused' (the server refused the request: `code`
says why), 'keyring', 'not_enrolled', 'not_allowed' (the user's role may not do this, e.g.
export a USB bundle). Never a traceback.
"""

from __future__ import annotations

import re
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from station_app.i18n import _
from station_app.sync.protocol import (
    ACCEPT_GZIP,
    COMPRESS_FROM_BYTES,
    GZIP,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SERVER_TIME_HEADER,
    compress,
    encode_body,
)

DEFAULT_TIMEOUT = 60.0
# How often a request in flight looks at the cancel event (HttpTransport.cancel).
CANCEL_POLL_SECONDS = 0.05


class RequestCancelled(Exception):
    """The request in flight was given up because sync was cancelled (closing the app)."""


class SyncError(Exception):
    """A sync that could not go on, with a message for the clerk.

    `kind`: see the module; `retryable`: whether trying again later may help; `code`: the
    server's error code, when the server answered.
    """

    def __init__(self, kind: str, message: str, *, code: str = "", retryable: bool = False):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.retryable = retryable

    @property
    def message(self) -> str:
        return str(self)


def _accepted_versions(detail: str) -> list[int]:
    """The protocol versions a server's refusal says it accepts ("... (it accepts 3, 2) ...")."""
    found = re.search(r"it accepts ([0-9, ]+)", detail)
    if not found:
        return []
    return [int(part) for part in found.group(1).replace(" ", "").split(",") if part.isdigit()]


def _offline(url: str, detail: str) -> SyncError:
    return SyncError(
        "offline",
        _(
            "Cannot reach the city office's server at {url} ({detail}). Nothing is lost: the "
            "changes wait on this PC. Check the network and sync again later."
        ).format(url=url, detail=detail),
        retryable=True,
    )


def _tls_problem(url: str, detail: str) -> SyncError:
    return SyncError(
        "tls",
        _(
            "The server at {url} could not prove it is the city office's server (certificate "
            "check failed: {detail}). Nothing was sent. Ask the city office for its CA file and "
            "enrol with --ca-file."
        ).format(url=url, detail=detail),
    )


def tls_context(ca_file: str | Path | None) -> ssl.SSLContext | bool:
    """Certificate checking for httpx: the system's CAs, or the city office's CA file."""
    if not ca_file:
        return True
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as error:
        raise SyncError(
            "tls",
            _("The CA file {path} cannot be read as certificates: {reason}").format(
                path=ca_file, reason=getattr(error, "strerror", None) or error
            ),
        ) from error


@dataclass
class Answer:
    status: int
    body: Any
    content: bytes


class HttpTransport:
    """The city server's API for one station. Not thread-safe: one per worker thread.

    `server_time` holds the server's clock of the last answer (ISO text), or None.
    Every request asks for gzip answers (Accept-Encoding); JSON bodies are sent gzip once
    hello() has seen the server list gzip in its `encodings` (`gzip_bodies`): a server that
    does not is sent plain JSON. `bytes_sent` / `bytes_received` count the bodies as they
    travelled (compressed), `plain_bytes_sent` the same before compression, for the
    benchmark and the tests.

    `cancel`: an event (set by the engine for a round); once it is set, a request in flight
    is given up at once (RequestCancelled) instead of waiting up to the timeout, so closing
    the app mid-request does not wait. The request itself is made on a helper thread; a
    given-up one may still reach the server, which is harmless (batches are idempotent,
    uploads resume, pulls change nothing there).
    """

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        ca_file: str | Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        protocol: int = PROTOCOL_VERSION,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.protocol = protocol
        self.server_time: str | None = None
        self.gzip_bodies = False
        self.bytes_sent = 0
        self.plain_bytes_sent = 0
        self.bytes_received = 0
        self.cancel: threading.Event | None = None
        self._client = httpx.Client(base_url=self.url, verify=tls_context(ca_file), timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        json_text: str | None = None,
        params: dict[str, Any] | None = None,
        content: bytes | None = None,
        raw: bool = False,
        extra_headers: dict[str, str] | None = None,
        whole_response: bool = False,
    ) -> Any:
        headers = {PROTOCOL_HEADER: str(self.protocol), **ACCEPT_GZIP}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if json is not None or json_text is not None:
            if json_text is not None:
                content, body_headers = json_text.encode(), {"Content-Type": "application/json"}
            else:
                content, body_headers = encode_body(json, compress_body=False)
            plain = len(content)
            if self.gzip_bodies and plain >= COMPRESS_FROM_BYTES:
                content = compress(content)
                body_headers["Content-Encoding"] = GZIP
            headers.update(body_headers)
        else:
            plain = len(content or b"")
            if content is not None:
                headers["Content-Type"] = "application/octet-stream"
        if extra_headers:
            headers.update(extra_headers)
        try:
            response = self._send(method, path, params=params, content=content, headers=headers)
        except httpx.ConnectError as error:
            text = str(error)
            if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
                raise _tls_problem(self.url, text) from error
            raise _offline(self.url, text or type(error).__name__) from error
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as error:
            raise _offline(self.url, str(error) or type(error).__name__) from error
        except httpx.HTTPError as error:
            raise _offline(self.url, str(error) or type(error).__name__) from error
        self.bytes_sent += len(content or b"")
        self.plain_bytes_sent += plain
        self.bytes_received += response.num_bytes_downloaded
        stamp = response.headers.get(SERVER_TIME_HEADER)
        if stamp:
            self.server_time = stamp
        if response.status_code >= 400:
            raise self._failure(response)
        if whole_response:
            return response
        if raw:
            return response.content
        try:
            return orjson.loads(response.content)
        except ValueError as error:
            raise SyncError(
                "server",
                _("The server's answer could not be read. Try again later."),
                retryable=True,
            ) from error

    def _failure(self, response: httpx.Response) -> SyncError:
        try:
            body = response.json()
            code, detail = str(body.get("error", "")), str(body.get("message", ""))
        except (ValueError, AttributeError):
            code, detail = "", response.text[:200]
        status = response.status_code
        if status == 401 and code == "station_revoked":
            return SyncError(
                "revoked",
                _(
                    "The city office has revoked this station's access, so nothing was sent "
                    "or received. The changes stay on this PC. Call the city office; once they "
                    "give a new enrolment code, run `station-app enrol` again."
                ),
                code=code,
            )
        if status == 401:
            return SyncError(
                "token",
                _(
                    "The server does not accept this station's token ({detail}). Ask the city "
                    "office for a new enrolment code and run `station-app enrol` again."
                ).format(detail=detail),
                code=code,
            )
        if status in (400, 426) and code.startswith("protocol"):
            accepted = _accepted_versions(detail)
            if accepted and max(accepted) < self.protocol:
                # This PC was updated before the city office's server.
                return SyncError(
                    "protocol",
                    _(
                        "The city office's server is older than this station-app (it speaks "
                        "sync protocol {server}, this PC {mine}). Ask the city office to update "
                        "the server; the changes wait on this PC until then."
                    ).format(server=max(accepted), mine=self.protocol),
                    code=code,
                )
            return SyncError(
                "protocol",
                _(
                    "This version of station-app speaks a sync protocol the server no longer "
                    "accepts ({detail}). Install the current version of station-app, then sync."
                ).format(detail=detail),
                code=code,
            )
        if status >= 500 or status in (502, 503, 504):
            return SyncError(
                "server",
                _(
                    "The city office's server had a fault (HTTP {status}). Nothing is lost; sync "
                    "again later, and tell the city office if it keeps happening."
                ).format(status=status),
                code=code,
                retryable=True,
            )
        return SyncError(
            "refused",
            _("The server refused the request: {detail}").format(detail=detail or status),
            code=code,
        )

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        cancel = self.cancel
        if cancel is None:
            return self._client.request(method, path, **options)
        if cancel.is_set():
            raise RequestCancelled
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def send() -> None:
            try:
                outcome["response"] = self._client.request(method, path, **options)
            except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
                outcome["error"] = error
            finally:
                done.set()

        threading.Thread(target=send, name="sync-request", daemon=True).start()
        while not done.wait(CANCEL_POLL_SECONDS):
            if cancel.is_set():
                raise RequestCancelled
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]

    # -- the API -------------------------------------------------------------------------------

    def enrol(self, code: str) -> dict[str, Any]:
        return self.request("POST", "/v1/enrol", json={"code": code})

    def hello(self) -> dict[str, Any]:
        answer = self.request("GET", "/v1/hello")
        encodings = answer.get("encodings") if isinstance(answer, dict) else None
        self.gzip_bodies = isinstance(encodings, list) and GZIP in encodings
        return answer

    def push(self, body: dict[str, Any] | str) -> dict[str, Any]:
        """Send a batch: its JSON value, or the exact JSON text kept for it (sent as is)."""
        if isinstance(body, str):
            return self.request("POST", "/v1/push", json_text=body)
        return self.request("POST", "/v1/push", json=body)

    def pull(self, after: int, limit: int) -> dict[str, Any]:
        return self.request("GET", "/v1/pull", params={"after": after, "limit": limit})

    def checksum(self, tables: dict[str, list[str]]) -> dict[str, Any]:
        return self.request("POST", "/v1/scope/checksum", json={"tables": tables})

    def scope_rows(self, table: str, after: str, limit: int) -> dict[str, Any]:
        return self.request(
            "GET", "/v1/scope/rows", params={"table": table, "after": after, "limit": limit}
        )

    def conflicts(self, after: int, limit: int) -> list[dict[str, Any]]:
        """Same-field conflicts the server kept for review at their owner station."""
        return self.request("GET", "/v1/conflicts", params={"after": after, "limit": limit})

    def start_upload(self, sha256: str, size: int, filename: str) -> dict[str, Any]:
        return self.request(
            "POST", "/v1/attachments", json={"sha256": sha256, "size": size, "filename": filename}
        )

    def put_chunk(self, sha256: str, offset: int, data: bytes) -> dict[str, Any]:
        return self.request(
            "PUT", f"/v1/attachments/{sha256}", params={"offset": offset}, content=data
        )

    def download(self, sha256: str) -> bytes:
        return self.request("GET", f"/v1/attachments/{sha256}/content", raw=True)

    def download_part(self, sha256: str, first: int, last: int) -> tuple[int, bytes, int | None]:
        """Part of a file: (where the bytes start, the bytes, the whole file's size or None).
        Asks for bytes first..last; a server without Range support sends the whole file
        (it then starts at 0)."""
        response = self.request(
            "GET",
            f"/v1/attachments/{sha256}/content",
            extra_headers={"Range": f"bytes={first}-{last}"},
            whole_response=True,
        )
        if response.status_code == 206:
            span, _slash, total = response.headers.get("Content-Range", "").rpartition("/")
            start = span.removeprefix("bytes ").partition("-")[0]
            return (
                int(start) if start.isdigit() else first,
                response.content,
                int(total) if total.isdigit() else None,
            )
        return 0, response.content, len(response.content)
