"""Which webhook URLs are accepted, and how one is shown back.

A URL comes from a client, so it is untrusted: pointed at the private network, a webhook
would let anyone who may create jobs make the gateway POST to the cloud's metadata endpoint
or the broker's management page. It is checked twice. At intake, what the URL itself says:
http(s), a host, no credentials, no longer than a stage message allows, and no non-public
IP address written out. When connecting, where its host name leads: every address it
resolves to must be public, and the connection goes to one of those addresses
(:mod:`common.addresses`), so a name that resolves elsewhere later gains nothing.
"""

import httpx

from common.addresses import literal_address_kind, non_public_kind
from common.errors import T2VError
from common.messages import MAX_WEBHOOK_URL_CHARS


class WebhookRefused(T2VError):
    """A webhook URL or address the rules refuse; no request is sent to it."""


def check_webhook_url(url: str, allow_private_addresses: bool) -> None:
    """Raise WebhookRefused, saying why, unless ``url`` may receive webhooks."""
    if len(url) > MAX_WEBHOOK_URL_CHARS:
        raise WebhookRefused(f"it is over {MAX_WEBHOOK_URL_CHARS} characters")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise WebhookRefused(f"it is not a URL ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        raise WebhookRefused("only http:// and https:// URLs are allowed")
    if not parsed.host:
        raise WebhookRefused("it names no host")
    if parsed.userinfo:
        raise WebhookRefused("credentials in the URL are not allowed; check the signature instead")
    kind = literal_address_kind(parsed.host)
    if kind is not None and not allow_private_addresses:
        raise WebhookRefused(f"{parsed.host} is a {kind} address; only public ones are allowed")


class AddressRule:
    """Checks each address a webhook's host resolves to, when connecting."""

    def __init__(self, allow_private_addresses: bool) -> None:
        self._allow_private_addresses = allow_private_addresses

    def __call__(self, host: str, address: str) -> None:
        if self._allow_private_addresses:
            return
        kind = non_public_kind(address)
        if kind is not None:
            raise WebhookRefused(f"{host} resolves to {address}, a {kind} address")


def shown_url(url: str) -> str:
    """``url`` without its query and fragment, which may hold a token the receiver checks."""
    parsed = httpx.URL(url)
    hidden = "?..." if parsed.query or parsed.fragment else ""
    return str(parsed.copy_with(query=None, fragment=None)) + hidden
