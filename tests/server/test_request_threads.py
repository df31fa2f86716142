"""A server process runs few requests at once in its worker threads (app.REQUEST_THREADS),
so that its push writer, which holds the one sequence lock, is not starved of the GIL by
forty runnable request threads during a burst of stations."""

from __future__ import annotations

from anyio import to_thread
from fastapi.testclient import TestClient

from city_server.app import REQUEST_THREADS, create_app, dispose


def test_the_server_runs_at_most_request_threads_requests_at_once(tmp_path) -> None:
    app = create_app(str(tmp_path / "city.db"))
    try:
        with TestClient(app) as client:
            tokens = client.portal.call(
                lambda: to_thread.current_default_thread_limiter().total_tokens
            )
            assert client.get("/v1/health").status_code == 200
    finally:
        dispose(app)
    assert tokens == REQUEST_THREADS == 8
