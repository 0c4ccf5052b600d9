"""Where footage files may be downloaded from, enforced on every request and connection.

A file's address comes from a provider's answer, so it is untrusted: without these rules a
forged or compromised answer could make the service fetch from the cloud's metadata
endpoint, the broker's management page or anything else on the private network. Each
request (the first and every redirect) must be https to a host the providers serve files
from, and each connection goes only to an address that was checked: the host name is
resolved once, every address it gives must be public, and the socket connects to one of
those very addresses, so a name that resolves differently a moment later (DNS rebinding)
gains nothing. TLS still verifies the certificate against the host name.
"""

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore
import httpx

from common.errors import ProviderUnavailable

# A link that redirects more often than this is not a provider's file link.
MAX_REDIRECTS = 5


class DownloadRefused(ProviderUnavailable):
    """A download whose address breaks the rules; no request was sent to it."""


@dataclass(frozen=True)
class DownloadRules:
    # Host names files may come from; ".example.com" matches every name under example.com.
    hosts: tuple[str, ...]
    # Tests and labs only: private, loopback and link-local addresses, and plain http.
    allow_private_addresses: bool = False

    def check_url(self, url: httpx.URL) -> None:
        """Raise DownloadRefused unless ``url`` may be requested."""
        if url.scheme != "https" and not (url.scheme == "http" and self.allow_private_addresses):
            raise DownloadRefused(f"{url.scheme}:// is not allowed, only https://")
        if not self.allows_host(url.host):
            raise DownloadRefused(f"{url.host or 'no host'} is not a host footage comes from")

    def allows_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(
            host.endswith(allowed) if allowed.startswith(".") else host == allowed
            for allowed in self.hosts
        )

    def check_address(self, host: str, address: str) -> None:
        """Raise DownloadRefused unless the connection may go to ``address``."""
        if self.allow_private_addresses:
            return
        kind = non_public_kind(address)
        if kind is not None:
            raise DownloadRefused(f"{host} resolves to {address}, a {kind} address")


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


def guarded_client(rules: DownloadRules, timeout: float, headers: dict[str, str]) -> httpx.Client:
    """An httpx client that follows redirects and sends nothing the rules refuse.

    It never goes through a proxy from the environment: the proxy would resolve the names,
    and the addresses could not be checked.
    """
    return httpx.Client(
        transport=_GuardedTransport(rules),
        timeout=timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers=headers,
    )


class _GuardedTransport(httpx.HTTPTransport):
    """Checks each request's URL, redirects included, and connects only to checked addresses."""

    def __init__(self, rules: DownloadRules) -> None:
        super().__init__()
        self._rules = rules
        # httpx offers no way to choose the pool's network backend, so the pool is rebuilt.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=_CheckedAddressBackend(rules),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._rules.check_url(request.url)
        return super().handle_request(request)


class _CheckedAddressBackend(httpcore.SyncBackend):
    def __init__(self, rules: DownloadRules) -> None:
        self._rules = rules

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port)
        for address in addresses:
            self._rules.check_address(host, address)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"{host} has no address")


def _resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        # A failed lookup may pass, as a failed connection may: httpx treats both alike.
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in found))
