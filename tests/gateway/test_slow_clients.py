"""Clients that send their headers slowly cannot keep others from being answered."""

import socket
import time
from pathlib import Path

import httpx

from common.amqp.session import BrokerSession
from common.settings import Settings
from tests.local_service import Stack

SLOW_CLIENTS = 300
# How long the slow clients keep dripping, and the pause between their header lines.
SIEGE_SECONDS = 4.0
DRIP_SECONDS = 0.5


def _open_slow_clients(port: int) -> list[socket.socket]:
    """Connections that have begun a request and send one more header line now and then."""
    clients = []
    for _ in range(SLOW_CLIENTS):
        client = socket.create_connection(("127.0.0.1", port), timeout=2)
        client.sendall(b"GET /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        clients.append(client)
    return clients


def _drip(clients: list[socket.socket]) -> list[socket.socket]:
    """One more header line on each connection; those the server has closed are dropped."""
    still_open = []
    for client in clients:
        try:
            client.sendall(b"X-Slow: 1\r\n")
        except OSError:
            client.close()
            continue
        still_open.append(client)
    return still_open


def test_a_normal_client_is_answered_while_hundreds_send_headers_slowly(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    # Given `python -m gateway` with its production server settings
    stack = Stack(settings, tmp_path / "logs")
    stack.start("gateway")
    clients: list[socket.socket] = []
    try:
        stack.wait_until_healthy()

        # And a few hundred connections that send their headers a line at a time
        clients = _open_slow_clients(stack.port)

        # When a normal client asks for a job's status now and again during the siege
        waits = []
        held = []
        siege_ends = time.monotonic() + SIEGE_SECONDS
        while time.monotonic() < siege_ends:
            began = time.monotonic()
            response = httpx.get(f"{stack.base_url}/status/no-such-job", timeout=5.0)
            waits.append(time.monotonic() - began)
            assert response.status_code == 404
            clients = _drip(clients)
            held.append(len(clients))
            time.sleep(DRIP_SECONDS)

        # Then every answer came promptly (the bound is generous: this is no benchmark),
        # while the slow clients held their connections
        assert max(waits) < 5.0, waits
        assert held[0] == SLOW_CLIENTS
    finally:
        for client in clients:
            client.close()
        stack.stop_all()
