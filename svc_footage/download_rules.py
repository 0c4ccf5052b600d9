"""Where footage files may be downloaded from, enforced on every request and connection.

A file's address comes from a provider's answer, so it is untrusted: without these rules a
forged or compromised answer could make the service fetch from the cloud's metadata
endpoint, the broker's management page or anything else on the private network. Each
request (the first and every redirect) must be https to a host the providers serve files
from, and each connection goes only to an address that was checked: the host name is
resolved once, every address it gives must be public, and the socket connects to one of
those very addresses (:mod:`common.addresses`), so a name that resolves differently a
moment later (DNS rebinding) gains nothing.
"""

from dataclasses import dataclass

import httpx

from common.addresses import CheckedTransport, non_public_kind
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


class _GuardedTransport(CheckedTransport):
    """Checks each request's URL, redirects included, and connects only to checked addresses."""

    def __init__(self, rules: DownloadRules) -> None:
        super().__init__(rules.check_address)
        self._rules = rules

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._rules.check_url(request.url)
        return super().handle_request(request)
