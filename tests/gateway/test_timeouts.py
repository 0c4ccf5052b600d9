"""A handler that takes too long is answered 503; a long download is never cut short."""

import asyncio
import time
from collections.abc import Iterator

from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import GatewaySettings

TIMED_OUT = {"error": "Request timed out"}


def test_a_slow_handler_is_answered_503_at_the_deadline(
    offline_settings: GatewaySettings,
) -> None:
    # Given a gateway with a 0.2 s deadline, and routes that take a second, in a worker
    # thread and on the event loop
    app = create_app(offline_settings.model_copy(update={"request_timeout_seconds": 0.2}))

    @app.get("/slow-thread")
    def slow_thread() -> dict[str, str]:
        time.sleep(1.0)
        return {"status": "late"}

    @app.get("/slow-async")
    async def slow_async() -> dict[str, str]:
        await asyncio.sleep(1.0)
        return {"status": "late"}

    with TestClient(app) as client:
        for route in ("/slow-thread", "/slow-async"):
            # When a client calls it
            started = time.monotonic()
            response = client.get(route)

            # Then it gets a 503 at the deadline, not the late answer
            assert time.monotonic() - started < 0.9, route
            assert response.status_code == 503
            assert response.json() == TIMED_OUT

        # And quick requests are unaffected
        assert client.get("/healthz").status_code == 200


def test_a_response_that_streams_past_the_deadline_arrives_whole(
    offline_settings: GatewaySettings,
) -> None:
    # Given a gateway with a 0.2 s deadline, and a response that streams for half a second
    app = create_app(offline_settings.model_copy(update={"request_timeout_seconds": 0.2}))

    def chunks() -> Iterator[bytes]:
        for index in range(10):
            time.sleep(0.05)
            yield f"chunk {index}\n".encode()

    @app.get("/long-download")
    def long_download() -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="application/octet-stream")

    with TestClient(app) as client:
        # When a client downloads it
        response = client.get("/long-download")

        # Then every byte arrives
        assert response.status_code == 200
        assert response.content == b"".join(f"chunk {index}\n".encode() for index in range(10))
