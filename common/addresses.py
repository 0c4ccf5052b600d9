"""Outgoing HTTP to addresses taken from untrusted input, and only to the addresses checked.

A URL a client or a provider gives may name the cloud's metadata endpoint, the broker's
management page or anything else on the private network. The host name is resolved once,
every address it gives is checked, and the socket connects to one of those very
addresses, so a name that resolves differently a moment later (DNS rebinding) gains
nothing. TLS still verifies the certificate against the host name.

The footage downloads (:mod:`svc_footage.download_rules`) and the gateway's webhooks
(:mod:`gateway.webhooks`) both connect this way; each says what it refuses and raises
its own error.
"""

import ipaddress
import socket
from collections.abc import Callable, Iterable

import httpcore
import httpx

# Raises when a connection to ``host`` may not go to ``address``.
AddressCheck = Callable[[str, str], None]


def non_public_kind(address: str) -> str | None:
    """What kind of address ``address`` is when it is not on the public internet, else None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # without an IPv6 zone ("%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 reaches 127.0.0.1
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if not ip.is_global or ip.is_multicast:
        return "non-public"
    return None


def literal_address_kind(host: str) -> str | None:
    """The kind of a host written as a non-public IP address ("10.0.0.1", "[::1]"), else None.

    A name is not resolved here: what it resolves to is checked when connecting.
    """
    try:
        return non_public_kind(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


class CheckedTransport(httpx.HTTPTransport):
    """An httpx transport whose connections go only to addresses ``check_address`` allows.

    It never goes through a proxy from the environment: the proxy would resolve the names,
    and the addresses could not be checked.
    """

    def __init__(self, check_address: AddressCheck) -> None:
        super().__init__()
        # httpx offers no way to choose the pool's network backend, so the pool is rebuilt.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=_CheckedAddressBackend(check_address),
        )


class _CheckedAddressBackend(httpcore.SyncBackend):
    def __init__(self, check_address: AddressCheck) -> None:
        self._check_address = check_address

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        for address in addresses:
            self._check_address(host, address)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"{host} has no address")


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, once each, in the resolver's order."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        # A failed lookup may pass, as a failed connection may: httpx treats both alike.
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in found))
