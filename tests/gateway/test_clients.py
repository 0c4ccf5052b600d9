"""A request's network: X-Forwarded-For through trusted proxies only, IPv6 per /64."""

import ipaddress

import pytest
from starlette.requests import Request

from gateway.clients import ClientNetworks

PROXIES = ClientNetworks([ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")])


def request_from(host: str, *forwarded_for: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    return Request({"type": "http", "client": (host, 40000), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("203.0.113.5", [], "203.0.113.5"),
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["1.2.3.4, 198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["198.51.100.1, 10.0.0.3"], "198.51.100.1"),
        ("10.0.0.2", ["198.51.100.1", "10.0.0.3"], "198.51.100.1"),
        ("10.0.0.2", ["not-an-address"], "10.0.0.2"),
        ("10.0.0.2", ["198.51.100.1, ::ffff:10.0.0.9, garbage"], "10.0.0.2"),
        ("10.0.0.2", ["2001:db8:1:2::99"], "2001:db8:1:2::/64"),
        ("fd00::1", ["::ffff:198.51.100.1"], "198.51.100.1"),
        ("2001:db8:1:2:3:4:5:6", [], "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.5", [], "203.0.113.5"),
        ("testclient", ["198.51.100.1"], "testclient"),
    ],
    ids=[
        "direct",
        "direct-claiming",
        "proxy-itself",
        "through-proxy",
        "client-written-prefix",
        "two-proxies",
        "two-headers",
        "garbage",
        "garbage-behind-proxies",
        "ipv6-client",
        "ipv4-mapped-client",
        "ipv6-direct",
        "ipv4-mapped-peer",
        "not-an-ip",
    ],
)
def test_the_client_network(peer: str, forwarded_for: list[str], client: str) -> None:
    assert PROXIES.of(request_from(peer, *forwarded_for)) == client


def test_a_long_forwarded_chain_is_read_only_so_far() -> None:
    # Given a chain of trusted proxies longer than any honest one, after the client's address
    chain = ", ".join(["198.51.100.1", *(f"10.0.0.{n}" for n in range(1, 100))])

    # When it is read, Then the reading stops at a trusted hop, not at the claimed client
    assert PROXIES.of(request_from("10.0.0.200", chain)).startswith("10.0.0.")
