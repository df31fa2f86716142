"""The HTTP API of the city server (FastAPI; OpenAPI at /openapi.json, docs at /docs).

Stateless: every request opens its own transaction on the database, so several processes
over one PostgreSQL serve the same stations. Every request names the protocol version in
`X-Sync-Protocol`; every response carries the server's clock in `X-Server-Time`; every
refusal is a 4xx with {"error": code, "message": reason}.
"""

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal, TypeVar

from anyio import to_thread
from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from city_server import attachments as attachment_store
from city_server import stations as station_store
from city_server import sync_service
from city_server.collector import collector_paused
from city_server.db import is_postgresql, make_engine
from city_server.errors import ApiError
from city_server.jsonio import dumps_bytes, loads, strings_valid
from city_server.pushes import GroupedPushes
from city_server.schema import migrate
from city_server.stations import Station
from station_app.sync.protocol import (
    ACCEPTED_PROTOCOL_VERSIONS,
    ATTACHMENT_CHUNK_BYTES,
    COMPRESS_FROM_BYTES,
    ENCODINGS,
    FIELD_NAME,
    MAX_ATTACHMENT_BYTES,
    MAX_CHANGES_PER_BATCH,
    MAX_PULL_LIMIT,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    ROW_ID,
    SERVER_TIME_HEADER,
    SHA256_HEX,
    STATION_CODE,
    SYNC_TABLES,
    ProtocolError,
    PushBatch,
    accepts_gzip,
    compress,
    decompress,
    utc_now_text,
)

log = logging.getLogger("city_server")
T = TypeVar("T")

# A push of MAX_CHANGES_PER_BATCH ordinary rows fits easily; anything larger is refused unread.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
Value = str | int | float | bool | None
# The schema says what the server accepts, so a request that follows it is never refused.
FieldName = Annotated[str, StringConstraints(pattern=f"^{FIELD_NAME.pattern}$")]
RowId = Annotated[str, StringConstraints(pattern=f"^{ROW_ID.pattern}$")]
StationCode = Annotated[str, StringConstraints(pattern=f"^{STATION_CODE.pattern}$")]
Line = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f]*$", max_length=80)]
Sha256 = Annotated[str, StringConstraints(pattern=f"^{SHA256_HEX.pattern}$")]
TableName = Literal[tuple(SYNC_TABLES)]  # type: ignore[valid-type]
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
FileName = Annotated[
    str, StringConstraints(pattern=r"^[^./\\:\x00-\x1f\x7f][^/\\:\x00-\x1f\x7f]{0,254}$")
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _number_not_text(value: Any) -> Any:
    if isinstance(value, str | bool):
        raise ValueError("a number is expected")
    return value


Int = Annotated[int, BeforeValidator(_number_not_text)]


_VALUE_SCHEMA = {
    "anyOf": [
        {"type": "string"},
        {"type": "integer"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
    ]
}
# Row fields: names like SQL columns; said with patternProperties, which generators follow.
_FIELDS_SCHEMA = {
    "patternProperties": {f"^{FIELD_NAME.pattern}$": _VALUE_SCHEMA},
    "additionalProperties": False,
}


class ChangeModel(_Strict):
    table: TableName
    row_id: RowId
    op: Literal["insert", "update", "delete"]
    fields: dict[FieldName, Value] = Field(
        default_factory=dict, max_length=500, json_schema_extra=_FIELDS_SCHEMA
    )
    base: dict[FieldName, Value] = Field(
        default_factory=dict, max_length=500, json_schema_extra=_FIELDS_SCHEMA
    )
    row_version: Int = Field(default=0, ge=0, le=2**31 - 1)
    txid: Line = ""
    origin_station: Line = ""
    case_id: RowId | None = None
    owner_station: RowId | None = None
    changed_at: Line = ""


class PushBatchModel(_Strict):
    batch_id: str = Field(pattern=UUID_PATTERN, description="a UUID, new for every batch")
    station: StationCode
    changes: list[ChangeModel] = Field(max_length=MAX_CHANGES_PER_BATCH)


class ConflictModel(BaseModel):
    conflict_id: int
    table: str
    row_id: str
    field: str
    kept: Value
    lost: Value
    kept_station: str
    lost_station: str
    case_id: str | None
    resolved: bool


class RejectionModel(BaseModel):
    index: int
    table: str
    row_id: str
    reason: str


class PushResultModel(BaseModel):
    batch_id: str
    accepted: int
    conflicts: list[ConflictModel]
    rejected: list[RejectionModel]
    duplicate: bool
    last_seq: int
    server_time: str


class PulledChangeModel(BaseModel):
    seq: int
    table: str
    row_id: str
    op: str
    fields: dict[str, Value]
    origin_station: str
    owner_station: str | None
    case_id: str | None
    row_version: int


class PullPageModel(BaseModel):
    changes: list[PulledChangeModel]
    next_cursor: int
    has_more: bool
    server_time: str


class EnrolRequest(_Strict):
    code: str = Field(min_length=1, max_length=32)


class StationModel(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None


class EnrolResponse(BaseModel):
    station: StationModel
    token: str
    secret: str = Field(description="hex HMAC key of the station's USB bundles")
    protocol: int
    server_time: str


class HelloResponse(BaseModel):
    station: StationModel
    protocol: int
    accepted_protocols: list[int]
    encodings: list[str] = Field(
        description="Content-Encodings the server reads in a request body (send gzip only "
        "when listed); answers are gzip when the request's Accept-Encoding allows it"
    )
    server_time: str


class ChecksumRequest(_Strict):
    tables: dict[TableName, list[FieldName]] = Field(max_length=32)


class TableChecksum(BaseModel):
    count: int
    hash: str


class ChecksumResponse(BaseModel):
    tables: dict[str, TableChecksum]
    server_time: str


class ScopeRow(BaseModel):
    row_id: str
    fields: dict[str, Value]
    last_seq: int


class ScopeRowsResponse(BaseModel):
    rows: list[ScopeRow]
    next_after: str | None
    has_more: bool


class RowResponse(BaseModel):
    table: str
    row_id: str
    fields: dict[str, Value]
    owner_station: str | None
    case_id: str | None
    row_version: int
    last_seq: int
    removed: bool


class ResolveRequest(_Strict):
    note: str = Field(default="", max_length=2000, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")


class RejectedModel(BaseModel):
    id: int
    batch_id: str
    index: int
    table: str
    row_id: str
    reason: str
    change: dict[str, Any]


class UploadStart(_Strict):
    sha256: Sha256
    size: Int = Field(ge=1, le=MAX_ATTACHMENT_BYTES)
    filename: FileName


class AttachmentStatus(BaseModel):
    sha256: str
    size: int
    received: int
    complete: bool


class ErrorModel(BaseModel):
    error: str
    message: str


_ERRORS = {status: {"model": ErrorModel} for status in (400, 401, 403, 404, 409, 413, 422, 426)}


def _refusal(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": code, "message": message},
        status_code=status,
        headers={SERVER_TIME_HEADER: utc_now_text()},
    )


def reply(request: Request, value: Any) -> Response:
    """A JSON answer (orjson), gzip-compressed when the client accepts it and it is large
    enough; the route's response model still documents it."""
    data = dumps_bytes(value)
    headers = {"Vary": "Accept-Encoding"}
    if len(data) >= COMPRESS_FROM_BYTES and accepts_gzip(request.headers.get("accept-encoding")):
        data = compress(data)
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/json", headers=headers)


class _Limits:
    """ASGI middleware: the server's clock on every response; bodies over the limit refused;
    a body sent with `Content-Encoding: gzip` unpacked (at most the same limit) before the
    routes read it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        too_large = _refusal(
            413, "too_large", f"a request may be at most {MAX_REQUEST_BYTES} bytes"
        )
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_REQUEST_BYTES):
            await too_large(scope, receive, send)
            return
        encoding = headers.get(b"content-encoding")
        if encoding is not None and encoding.strip().lower() not in (b"", b"identity"):
            await self._unpacked(scope, receive, send, encoding.decode("latin-1"))
            return
        seen = 0

        async def limited_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_REQUEST_BYTES:
                    raise _TooLarge
            return message

        async def stamped_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (SERVER_TIME_HEADER.lower().encode(), utc_now_text().encode()),
                ]
            await send(message)

        try:
            await self.app(scope, limited_receive, stamped_send)
        except _TooLarge:
            await too_large(scope, receive, send)

    async def _unpacked(
        self, scope: dict[str, Any], receive: Callable, send: Callable, encoding: str
    ) -> None:
        if encoding.strip().lower() not in ENCODINGS:
            refusal = _refusal(
                415,
                "unsupported_encoding",
                f"Content-Encoding {encoding[:20]!r} is not supported (gzip is)",
            )
            await refusal(scope, receive, send)
            return
        parts, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            seen += len(message.get("body", b""))
            if seen > MAX_REQUEST_BYTES:
                too_large = _refusal(
                    413, "too_large", f"a request may be at most {MAX_REQUEST_BYTES} bytes"
                )
                await too_large(scope, receive, send)
                return
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        try:
            body = decompress(b"".join(parts), encoding, limit=MAX_REQUEST_BYTES)
        except ProtocolError as error:
            status = 413 if "more than" in str(error) else 400
            code = "too_large" if status == 413 else "bad_encoding"
            await _refusal(status, code, str(error))(scope, receive, send)
            return
        scope = {
            **scope,
            "headers": [
                (k, v)
                for k, v in scope.get("headers") or []
                if k.lower() not in (b"content-encoding", b"content-length")
            ]
            + [(b"content-length", str(len(body)).encode())],
        }
        delivered = False

        async def unpacked_receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def stamped_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (SERVER_TIME_HEADER.lower().encode(), utc_now_text().encode()),
                ]
            await send(message)

        await self.app(scope, unpacked_receive, stamped_send)


class _TooLarge(Exception):
    pass


# Requests a server process runs at once in its worker threads (hello, pull, the lists; a
# push is parsed in one and applied by the push writer): AnyIO's default is 40. With 40, a
# burst of 200 stations kept 40 threads runnable, each holding a connection, and the push
# writer, which holds the one sequence lock of every process, got a fortieth of the GIL:
# 8 threads cut the burst's p95 from 968 / 833 / 863 ms to 780 / 647 / 707 ms (three pairs,
# alternating) and PostgreSQL's CPU per request from about 1.8 to 1.1 ms
# (benchmarks/results/sync.md). Waiting requests queue on the event loop, which costs nothing.
REQUEST_THREADS = 8


@asynccontextmanager
async def _request_threads(app: FastAPI) -> AsyncIterator[None]:
    to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
    yield


def create_app(database_url: str, *, run_migrations: bool = True) -> FastAPI:
    engine = make_engine(database_url)
    if run_migrations:
        migrate(engine)
    app = FastAPI(
        lifespan=_request_threads,
        title="City office sync server",
        version=str(PROTOCOL_VERSION),
        description=(
            "Stations push their outbox and pull their scope. Every request sends "
            f"`{PROTOCOL_HEADER}` (accepted: {', '.join(map(str, ACCEPTED_PROTOCOL_VERSIONS))}); "
            f"every response carries `{SERVER_TIME_HEADER}`."
        ),
    )
    app.state.engine = engine
    pushes = app.state.pushes = GroupedPushes(engine)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            batch_schema = PushBatchModel.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(batch_schema.pop("$defs", {}))
            components["PushBatchModel"] = batch_schema
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(_Limits)
    bearer = HTTPBearer(auto_error=False, description="the station token from enrolment")

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.to_json(), status_code=error.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            # Starlette names only the first route's methods; list every route of the path.
            allowed: set[str] = set()
            for route in app.router.routes:
                match, _ = route.matches(request.scope)
                if match in (Match.FULL, Match.PARTIAL):
                    allowed |= set(getattr(route, "methods", None) or ())
            headers["Allow"] = ", ".join(sorted(allowed))
        codes = {404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(
            {"error": codes.get(error.status_code, "http_error"), "message": str(error.detail)},
            status_code=error.status_code,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors()[:10]:
            where = ".".join(str(p) for p in item.get("loc", ()))
            problems.append(f"{where}: {item.get('msg', 'invalid')}")
        return JSONResponse(
            {"error": "invalid_request", "message": "; ".join(problems) or "invalid request"},
            status_code=422,
        )

    @app.exception_handler(ProtocolError)
    async def _protocol(_request: Request, error: ProtocolError) -> JSONResponse:
        return JSONResponse({"error": "invalid_request", "message": str(error)}, status_code=422)

    def protocol_version(
        version: Annotated[
            str | None,
            Header(alias=PROTOCOL_HEADER, description="the sync protocol version of the client"),
        ] = None,
    ) -> int:
        accepted = ", ".join(str(v) for v in ACCEPTED_PROTOCOL_VERSIONS)
        if version is None:
            raise ApiError(
                400,
                "protocol_missing",
                f"send the protocol version in {PROTOCOL_HEADER} ({accepted})",
            )
        if not version.strip().isdigit() or int(version) not in ACCEPTED_PROTOCOL_VERSIONS:
            raise ApiError(
                426,
                "protocol_unsupported",
                f"protocol version {version[:20]!r} is not supported by this server (it accepts "
                f"{accepted}): update station-app",
            )
        return int(version)

    Protocol = Annotated[int, Depends(protocol_version)]
    Token = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

    def transaction(fn: Callable[[Connection], T]) -> T:
        with engine.begin() as conn:
            return fn(conn)

    # A read of one request (hello, pull, lists) on PostgreSQL runs without a transaction:
    # each statement is its own (in READ COMMITTED each statement of a transaction had its
    # own snapshot all the same), so BEGIN and COMMIT are two round trips saved on every
    # pull. The pull reads the horizon first and nothing up to it changes afterwards.
    # On SQLite a read stays a transaction (the connections' own setup, see db.make_engine).
    autocommit = (
        engine.execution_options(isolation_level="AUTOCOMMIT") if is_postgresql(engine) else None
    )

    def reading(fn: Callable[[Connection], T]) -> T:
        """Run a read; a connection the database dropped (a restart of PostgreSQL) is
        replaced and the read run once more, since connections are not pinged before use."""
        for attempt in (1, 2):
            try:
                if autocommit is None:
                    return transaction(fn)
                with autocommit.connect() as conn:
                    return fn(conn)
            except DBAPIError as error:
                if attempt == 2 or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def authenticated(
        conn: Connection, credentials: "HTTPAuthorizationCredentials | None"
    ) -> Station:
        return station_store.authenticate(conn, credentials.credentials if credentials else None)

    @app.get("/v1/health", tags=["server"])
    def health() -> dict[str, Any]:
        """No token needed: is the server up, which protocols, and its clock."""
        return {
            "status": "ok",
            "protocol": PROTOCOL_VERSION,
            "accepted_protocols": list(ACCEPTED_PROTOCOL_VERSIONS),
            "encodings": list(ENCODINGS),
            "server_time": utc_now_text(),
        }

    @app.post("/v1/enrol", response_model=EnrolResponse, responses=_ERRORS, tags=["stations"])
    def enrol(request: EnrolRequest, protocol: Protocol) -> dict[str, Any]:
        """Exchange the one-time enrolment code for the station's token (kept by the
        station in its keyring; the server keeps only its SHA-256) and bundle secret."""

        def run(conn: Connection) -> dict[str, Any]:
            station, token, secret = station_store.enrol(conn, request.code)
            return {
                "station": station.to_json(),
                "token": token,
                "secret": secret,
                "protocol": PROTOCOL_VERSION,
                "server_time": utc_now_text(),
            }

        return transaction(run)

    @app.get("/v1/hello", response_model=HelloResponse, responses=_ERRORS, tags=["stations"])
    def hello(protocol: Protocol, credentials: Token) -> dict[str, Any]:
        """Check the token and compare clocks before a sync."""

        def run(conn: Connection) -> dict[str, Any]:
            station = authenticated(conn, credentials)
            return {
                "station": station.to_json(),
                "protocol": PROTOCOL_VERSION,
                "accepted_protocols": list(ACCEPTED_PROTOCOL_VERSIONS),
                "encodings": list(ENCODINGS),
                "server_time": utc_now_text(),
            }

        return reading(run)

    @app.post(
        "/v1/push",
        response_model=PushResultModel,
        responses=_ERRORS,
        tags=["sync"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PushBatchModel"}}
                },
            }
        },
    )
    async def push(request: Request, protocol: Protocol, credentials: Token) -> Response:
        """Apply one batch of outbox changes in one transaction; a batch sent again returns
        its first answer (duplicate: true) and changes nothing."""
        # Checked once, by the protocol's own reader (the schema above says the same): a
        # second pass through pydantic doubled the cost of a large batch.
        # A gzip body was unpacked by the middleware. Parsing and checking run in a worker
        # thread (the event loop keeps serving other stations); the batch is applied by the
        # process's push writer with the others waiting at that moment (city_server.pushes).
        raw = await request.body()

        def parse() -> PushBatch:
            with collector_paused():
                try:
                    data = loads(raw)
                except ProtocolError as error:
                    raise ApiError(422, "invalid_request", str(error)) from error
                return PushBatch.from_json(data, text_checked=strings_valid(raw))

        batch = await run_in_threadpool(parse)
        token = credentials.credentials if credentials else None
        result = await asyncio.wrap_future(pushes.submit(token, batch, protocol))
        return reply(request, {**result, "server_time": utc_now_text()})

    @app.get("/v1/pull", response_model=PullPageModel, responses=_ERRORS, tags=["sync"])
    def pull(
        request: Request,
        protocol: Protocol,
        credentials: Token,
        after: Annotated[
            int, Query(ge=0, le=2**62, description="the cursor kept from the last page")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 1000,
    ) -> Response:
        """The changes in the station's scope after the cursor, in the server's order."""

        def run(conn: Connection) -> dict[str, Any]:
            token = credentials.credentials if credentials else None
            page = sync_service.pull_for_token(conn, token, after, limit, raw_fields=True)
            return {**page, "server_time": utc_now_text()}

        return reply(request, reading(run))

    def check_table(table: str) -> str:
        if table not in SYNC_TABLES:
            raise ApiError(422, "unknown_table", f"{table[:64]!r} is not a synced table")
        return table

    @app.post(
        "/v1/scope/checksum", response_model=ChecksumResponse, responses=_ERRORS, tags=["sync"]
    )
    def scope_checksum(
        body: ChecksumRequest, protocol: Protocol, credentials: Token
    ) -> dict[str, Any]:
        """Count and hash of the station's rows of each table, over the fields named."""
        for table, names in body.tables.items():
            check_table(table)
            bad = [n for n in names if not FIELD_NAME.fullmatch(n)]
            if bad:
                raise ApiError(422, "bad_field", f"{bad[0][:64]!r} is not a field name")

        def run(conn: Connection) -> dict[str, Any]:
            station = authenticated(conn, credentials)
            return {
                "tables": sync_service.checksum(conn, station, body.tables),
                "server_time": utc_now_text(),
            }

        return transaction(run)

    @app.get("/v1/scope/rows", response_model=ScopeRowsResponse, responses=_ERRORS, tags=["sync"])
    def scope_rows(
        request: Request,
        protocol: Protocol,
        credentials: Token,
        table: Annotated[TableName, Query()],
        after: Annotated[
            str,
            Query(
                pattern=f"^({ROW_ID.pattern})?$", description="the last row id of the previous page"
            ),
        ] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 1000,
    ) -> Response:
        """The current rows of a table in the station's scope, by row id: for a repair resync."""
        check_table(table)
        if after and not ROW_ID.fullmatch(after):
            raise ApiError(422, "bad_row_id", "after must be a row id")

        def run(conn: Connection) -> dict[str, Any]:
            station = authenticated(conn, credentials)
            return sync_service.scope_rows(conn, station, table, after, limit)

        return reply(request, transaction(run))

    @app.get(
        "/v1/rows/{table}/{row_id}", response_model=RowResponse, responses=_ERRORS, tags=["sync"]
    )
    def read_row(
        table: Annotated[TableName, Path()],
        row_id: Annotated[str, Path(pattern=f"^{ROW_ID.pattern}$")],
        protocol: Protocol,
        credentials: Token,
    ) -> dict[str, Any]:
        """One row as the server has it, if the station may read it."""
        check_table(table)
        if not ROW_ID.fullmatch(row_id):
            raise ApiError(422, "bad_row_id", "not a row id")

        def run(conn: Connection) -> dict[str, Any]:
            station = authenticated(conn, credentials)
            return sync_service.read_row(conn, station, table, row_id)

        return transaction(run)

    @app.get(
        "/v1/conflicts", response_model=list[ConflictModel], responses=_ERRORS, tags=["review"]
    )
    def list_conflicts(
        protocol: Protocol,
        credentials: Token,
        after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, Any]]:
        """Same-field conflicts for review at the owner station, both values kept."""
        return reading(
            lambda conn: sync_service.list_conflicts(
                conn, authenticated(conn, credentials), after, limit
            )
        )

    @app.post("/v1/conflicts/{conflict_id}/resolve", responses=_ERRORS, tags=["review"])
    def resolve_conflict(
        conflict_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
        body: ResolveRequest,
        protocol: Protocol,
        credentials: Token,
    ) -> dict[str, Any]:
        """Mark a conflict reviewed (only the owner station); a corrected value is an
        ordinary edit pushed by the station."""
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in body.note) or not _text_ok(body.note):
            raise ApiError(422, "bad_note", "the note holds characters that are not text")

        def run(conn: Connection) -> dict[str, Any]:
            station = authenticated(conn, credentials)
            sync_service.resolve_conflict(conn, station, conflict_id, body.note)
            return {"conflict_id": conflict_id, "resolved": True}

        return transaction(run)

    @app.get("/v1/rejected", response_model=list[RejectedModel], responses=_ERRORS, tags=["review"])
    def list_rejected(
        protocol: Protocol,
        credentials: Token,
        after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, Any]]:
        """The station's changes the server set aside, each with its reason."""
        return reading(
            lambda conn: sync_service.list_rejected(
                conn, authenticated(conn, credentials), after, limit
            )
        )

    @app.post(
        "/v1/attachments", response_model=AttachmentStatus, responses=_ERRORS, tags=["attachments"]
    )
    def start_upload(body: UploadStart, protocol: Protocol, credentials: Token) -> dict[str, Any]:
        """Announce a file by its SHA-256 and size: the answer says how much the server has
        (all of it when another station sent it before)."""

        def run(conn: Connection) -> dict[str, Any]:
            station = authenticated(conn, credentials)
            return attachment_store.start_upload(
                conn, station, body.sha256, body.size, body.filename
            )

        return transaction(run)

    Sha = Annotated[
        str,
        Path(
            pattern=f"^{SHA256_HEX.pattern}$", description="SHA-256 of the content, 64 hex digits"
        ),
    ]

    @app.get(
        "/v1/attachments/{sha256}",
        response_model=AttachmentStatus,
        responses=_ERRORS,
        tags=["attachments"],
    )
    def upload_status(sha256: Sha, protocol: Protocol, credentials: Token) -> dict[str, Any]:
        """How many bytes of a file the server has: resume from there."""

        def run(conn: Connection) -> dict[str, Any]:
            authenticated(conn, credentials)
            return attachment_store.upload_status(conn, sha256)

        return transaction(run)

    @app.put(
        "/v1/attachments/{sha256}",
        response_model=AttachmentStatus,
        responses=_ERRORS,
        tags=["attachments"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {
                        "schema": {
                            "type": "string",
                            "format": "binary",
                            "minLength": 1,
                            "maxLength": ATTACHMENT_CHUNK_BYTES,
                        }
                    }
                },
            }
        },
    )
    async def put_chunk(
        request: Request,
        sha256: Sha,
        protocol: Protocol,
        credentials: Token,
        offset: Annotated[int, Query(ge=0, le=2**53)],
    ) -> Any:
        """One chunk of a file, at the offset the server reported."""
        data = await request.body()

        def run(conn: Connection) -> dict[str, Any]:
            authenticated(conn, credentials)
            return attachment_store.put_chunk(conn, sha256, offset, data)

        return await run_in_threadpool(transaction, run)

    @app.get(
        "/v1/attachments/{sha256}/content",
        responses={
            **_ERRORS,
            200: {"content": {"application/octet-stream": {}}},
            206: {
                "description": "the bytes the Range asked for (Content-Range says which)",
                "content": {"application/octet-stream": {}},
            },
            416: {
                "model": ErrorModel,
                "description": "a Range this file cannot satisfy (Content-Range: bytes */SIZE)",
            },
        },
        response_class=Response,
        tags=["attachments"],
    )
    def download(
        sha256: Sha,
        protocol: Protocol,
        credentials: Token,
        range_: Annotated[
            str | None,
            Header(
                alias="Range",
                description="one range of bytes (bytes=START-END, START-, -N), to resume a "
                "download cut in the middle",
            ),
        ] = None,
    ) -> Response:
        """The file, for a station whose scope names it; a part of it with Range (206)."""

        def run(conn: Connection) -> Response:
            station = authenticated(conn, credentials)
            attachment_store.check_download(conn, station, sha256)
            size = int(attachment_store.upload_status(conn, sha256)["size"])
            if range_ is None:
                data = b"".join(attachment_store.read_content(conn, sha256))
                return Response(
                    data, media_type="application/octet-stream", headers={"Accept-Ranges": "bytes"}
                )
            attachment_store.check_complete(conn, sha256)
            try:
                wanted = attachment_store.parse_range(range_, size)
            except ApiError as error:
                return JSONResponse(
                    error.to_json(),
                    status_code=error.status,
                    headers={"Content-Range": f"bytes */{size}"},
                )
            assert wanted is not None
            first, last = wanted
            return Response(
                attachment_store.read_range(conn, sha256, first, last),
                status_code=206,
                media_type="application/octet-stream",
                headers={"Accept-Ranges": "bytes", "Content-Range": f"bytes {first}-{last}/{size}"},
            )

        return transaction(run)

    return app


def _text_ok(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory` with several workers: the database from CITY_SERVER_DB."""
    return create_app(os.environ.get("CITY_SERVER_DB", "city-server.db"))


def dispose(app: FastAPI) -> None:
    app.state.pushes.close()
    engine: Engine = app.state.engine
    engine.dispose()
