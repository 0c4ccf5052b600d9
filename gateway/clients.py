"""Where a request comes from: the client's network, found through the proxies the operator names.

A proxy appends the address it received the request from to ``X-Forwarded-For``; anything
left of that may be written by the client itself. So the header is read from the right
only while each hop is a trusted proxy, and the first address that is not one is the
client's. Without trusted proxies the header is ignored.

Limits count per network rather than per address: an IPv6 host usually holds a whole /64
and could use a fresh address for every request, so a /64 shares one bucket.
"""

import ipaddress
from collections.abc import Iterable

from starlette.requests import Request

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_IPV6_SHARED_PREFIX = 64
# An honest chain has a few hops; a longer header is read only this far from the right.
_MAX_FORWARDED_HOPS = 16


class ClientNetworks:
    def __init__(self, trusted_proxies: Iterable[IPNetwork]) -> None:
        self._trusted = tuple(trusted_proxies)

    def of(self, request: Request) -> str:
        """The name of the network the request's client calls from, for per-client limits."""
        host = request.client.host if request.client else "unknown"
        peer = _parse(host)
        if peer is None:
            # Not an IP address (a Unix socket, a test client): the server's name for it.
            return host
        return network_name(self._client_address(peer, request.headers.getlist("x-forwarded-for")))

    def _client_address(self, peer: IPAddress, forwarded_for: list[str]) -> IPAddress:
        client = peer
        if not self._trusts(client):
            return client
        hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
        for hop in reversed(hops[-_MAX_FORWARDED_HOPS:]):
            address = _parse(hop)
            if address is None:
                # Garbage where an address belongs: the last trusted proxy is all we know.
                return client
            client = address
            if not self._trusts(client):
                return client
        return client

    def _trusts(self, address: IPAddress) -> bool:
        return any(address in network for network in self._trusted)


def network_name(address: IPAddress) -> str:
    """An IPv4 address as it is, an IPv6 address as its /64."""
    if isinstance(address, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((address, _IPV6_SHARED_PREFIX), strict=False)
        return str(network)
    return str(address)


def _parse(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # A dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d; they are IPv4 clients.
        return address.ipv4_mapped
    return address
