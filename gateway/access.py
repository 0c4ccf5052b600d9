"""Who may call the API, whose jobs they see, and how often they may try.

A key arrives as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Keys are only
ever compared and never logged. A key is known by its id, the start of its SHA-256: jobs
record the id of the key that created them, so reordering, adding or removing other keys
changes no job's owner. While keys are off the API is open and every caller sees every job.
"""

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from gateway.clients import ClientNetworks
from gateway.rate_limit import RateLimiter

INVALID_KEY_MESSAGE = "Missing or invalid API key"
# 128 bits: no two keys share an id, and the store never holds enough of a key to use it.
_KEY_ID_HEX_DIGITS = 32


@dataclass(frozen=True)
class Caller:
    # The id of the caller's key, recorded as the owner of the jobs it creates; None while
    # keys are off.
    key_id: str | None
    # An admin key, or any caller while keys are off.
    sees_all: bool
    # Whose bucket the new-job rate limit takes from: the key, or the network while keys are off.
    client: str

    def may_see(self, owner: str | None) -> bool:
        """Whether a job created by ``owner`` (a key id, or None) exists for this caller."""
        return self.sees_all or owner == self.key_id


@dataclass(frozen=True)
class _Key:
    digest: bytes
    admin: bool


class ApiKeys:
    def __init__(self, keys: Iterable[str], admin_keys: Iterable[str] = ()) -> None:
        # Comparing digests of equal length keeps the comparison from revealing key lengths.
        self._keys = [_Key(_digest(key), admin=False) for key in keys]
        self._keys += [_Key(_digest(key), admin=True) for key in admin_keys]

    @property
    def required(self) -> bool:
        return bool(self._keys)

    def match(self, presented: str) -> tuple[str, bool] | None:
        """The id of configured key ``presented`` and whether it is an admin key, if it is one.

        Takes the same time whichever key matches, or none.
        """
        candidate = _digest(presented)
        matched, admin = False, False
        for key in self._keys:
            # No early exit: every key costs the same, matching or not.
            if hmac.compare_digest(candidate, key.digest):
                matched, admin = True, admin or key.admin
        return (key_id(presented), admin) if matched else None


def key_id(key: str) -> str:
    """The name a key's jobs are stored under."""
    return _digest(key).hex()[:_KEY_ID_HEX_DIGITS]


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


# Named in the OpenAPI document (see :mod:`gateway.openapi`) for the routes that need a key.
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <key>`"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def identify_client(request: Request) -> Caller:
    """Who is calling; 401 when keys are required and none is valid, 429 after many such.

    Headers are read here rather than through the framework's security classes, so the
    plain status route (see :mod:`gateway.routes.status`) checks keys the same way.
    """
    state = request.app.state
    api_keys: ApiKeys = state.api_keys
    networks: ClientNetworks = state.client_networks
    network = networks.of(request)
    if not api_keys.required:
        return Caller(key_id=None, sees_all=True, client=f"network {network}")
    failures: RateLimiter = state.auth_failures
    # A throttled network is refused whatever it presents: were a right key let through,
    # guessing would go on at full speed, the 429s only telling the wrong guesses apart.
    if wait_seconds := failures.wait(network):
        raise _too_many(
            f"Too many failed authentication attempts; retry in {wait_seconds} s", wait_seconds
        )
    for key in _presented_keys(request):
        if (matched := api_keys.match(key)) is not None:
            key_id, admin = matched
            return Caller(key_id=key_id, sees_all=admin, client=f"key {key_id}")
    failures.acquire(network)
    raise HTTPException(
        status_code=401, detail=INVALID_KEY_MESSAGE, headers={"WWW-Authenticate": "Bearer"}
    )


def _presented_keys(request: Request) -> list[str]:
    keys = []
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        keys.append(credentials.strip())
    if api_key := request.headers.get("x-api-key"):
        keys.append(api_key)
    return keys


def _too_many(message: str, wait_seconds: int) -> HTTPException:
    return HTTPException(
        status_code=429, detail=message, headers={"Retry-After": str(wait_seconds)}
    )


async def require_key(request: Request) -> Caller:
    """The keyed routers' dependency; routes that need the caller reuse its answer."""
    return identify_client(request)


CallerDep = Annotated[Caller, Depends(require_key)]


async def limit_rate(request: Request, caller: CallerDep) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    if wait_seconds := limiter.acquire(caller.client):
        raise _too_many(f"Too many requests; retry in {wait_seconds} s", wait_seconds)
