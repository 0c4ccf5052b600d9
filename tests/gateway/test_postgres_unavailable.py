"""A gateway whose PostgreSQL goes away: 503 with the error body, and back once it returns.

The database is reached through a TCP relay the test can cut, as a network partition or a
stopped server would; the server itself is the real one.
"""

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from common.amqp.session import BrokerSession
from common.progress import stage_event
from gateway.errors import STORE_UNAVAILABLE_MESSAGE
from tests.gateway.helpers import API, GatewayStarter, publish_progress, submit
from tests.postgres_helpers import postgres_schema, server_address


class Relay:
    """Forwards TCP connections from a local port to ``target`` until it is cut."""

    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = [self._listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
                server = socket.create_connection(self._target)
            except OSError:
                return
            self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def cut(self) -> None:
        """Close the port and every connection through it."""
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.fixture
def relay() -> Iterator[Relay]:
    relay = Relay(server_address())
    yield relay
    relay.cut()


@pytest.fixture
def url_via_relay(relay: Relay) -> Iterator[str]:
    with postgres_schema(via_port=relay.port) as url:
        yield url


def test_while_postgresql_is_away_requests_get_503_and_then_recover(
    gateway_with: GatewayStarter,
    broker: BrokerSession,
    relay: Relay,
    url_via_relay: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a gateway storing its jobs in PostgreSQL, with a job in it
    with gateway_with(database_url=url_via_relay, database_connect_timeout_seconds=1) as client:
        job_id = submit(client)

        # When the database can no longer be reached
        relay.cut()

        # Then reading the job and posting one get 503 with the error body, and the
        # gateway is not ready
        for response in (
            client.get(f"{API}/status/{job_id}"),
            client.post(f"{API}/generate", json={"text": "A cat sat."}),
        ):
            assert response.status_code == 503
            assert response.json() == {"error": STORE_UNAVAILABLE_MESSAGE}
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "job store" in ready.json()["error"]
        # And the progress its first stage reports meanwhile goes back to the queue
        with caplog.at_level(logging.WARNING, logger="gateway.broker"):
            publish_progress(broker, stage_event(job_id, "tts"))
            deadline = time.monotonic() + 30
            while "requeuing it" not in caplog.text:
                assert time.monotonic() < deadline, "the progress event was not requeued"
                time.sleep(0.05)

        # When it can be reached again
        back = Relay(server_address(), relay.port)
        try:
            # Then, once the pool has connected again, the job reads with that progress
            deadline = time.monotonic() + 30
            while (status := client.get(f"{API}/status/{job_id}")).status_code == 503 or (
                status.json()["progress"] < 20
            ):
                assert time.monotonic() < deadline, "the progress was not recorded"
                time.sleep(0.1)
            assert status.json()["status"] == "processing"
        finally:
            back.cut()
