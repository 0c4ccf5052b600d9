"""Outgoing connections go only to checked addresses; non-public ones are told apart."""

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from common.addresses import CheckedTransport, literal_address_kind, non_public_kind


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("10.0.0.1", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("0.0.0.0", "private"),
        ("100.64.0.1", "non-public"),
        ("224.0.0.1", "non-public"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_addresses_off_the_public_internet_are_named(address: str, kind: str | None) -> None:
    assert non_public_kind(address) == kind


@pytest.mark.parametrize(
    ("host", "kind"),
    [("127.0.0.1", "loopback"), ("[::1]", "loopback"), ("localhost", None), ("8.8.8.8", None)],
)
def test_only_hosts_written_as_addresses_are_judged_without_resolving(
    host: str, kind: str | None
) -> None:
    assert literal_address_kind(host) == kind


class Refused(Exception):
    pass


def refuse_non_public(host: str, address: str) -> None:
    kind = non_public_kind(address)
    if kind is not None:
        raise Refused(f"{host} resolves to {address}, a {kind} address")


@pytest.fixture
def listener() -> Iterator[tuple[int, list[int]]]:
    """A local port that answers every connection with 204, and the count of connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    connections: list[int] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connections.append(1)
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    server.close()


def test_a_name_resolving_to_a_refused_address_is_never_connected_to(
    listener: tuple[int, list[int]],
) -> None:
    # Given a client whose connections must go to public addresses
    port, connections = listener
    # When it asks a name that resolves to this machine
    with (
        httpx.Client(transport=CheckedTransport(refuse_non_public)) as client,
        pytest.raises(Refused, match=r"localhost resolves to .*a loopback address"),
    ):
        client.get(f"http://localhost:{port}/")

    # Then the check refused it before any connection was made
    assert connections == []


def test_a_checked_address_is_connected_to(listener: tuple[int, list[int]]) -> None:
    # Given a client whose check lets everything through
    port, connections = listener
    with httpx.Client(transport=CheckedTransport(lambda host, address: None)) as client:
        # When it asks the local port, then the request gets there
        assert client.get(f"http://127.0.0.1:{port}/").status_code == 204
    assert connections == [1]
