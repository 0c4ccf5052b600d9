"""Who may call the API and how often: optional API keys, and a rate limit on new jobs.

A key arrives as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Keys are only
ever compared and never logged; a client is named by its key's position in the
configured list, or by its address while keys are off.
"""

import hashlib
import hmac
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from gateway.rate_limit import RateLimiter

INVALID_KEY_MESSAGE = "Missing or invalid API key"


class ApiKeys:
    def __init__(self, keys: Iterable[str]) -> None:
        # Comparing digests of equal length keeps the comparison from revealing key lengths.
        self._digests = [_digest(key) for key in keys]

    @property
    def required(self) -> bool:
        return bool(self._digests)

    def position(self, presented: str) -> int | None:
        """Which configured key ``presented`` is, if any, in time independent of the keys."""
        candidate = _digest(presented)
        found = None
        for position, digest in enumerate(self._digests):
            # No early exit: every key costs the same, matching or not.
            if hmac.compare_digest(candidate, digest):
                found = position
        return found


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


# Named in the OpenAPI document (see :mod:`gateway.openapi`) for the routes that need a key.
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <key>`"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def identify_client(request: Request) -> str:
    """The caller's name for rate limiting; 401 when keys are required and none is valid.

    Headers are read here rather than through the framework's security classes, so the
    plain status route (see :mod:`gateway.routes.status`) checks keys the same way.
    """
    api_keys: ApiKeys = request.app.state.api_keys
    if not api_keys.required:
        return f"address {request.client.host if request.client else 'unknown'}"
    for key in _presented_keys(request):
        position = api_keys.position(key)
        if position is not None:
            return f"key #{position}"
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


async def require_key(request: Request) -> str:
    """The keyed routers' dependency; routes that need the caller's name reuse its answer."""
    return identify_client(request)


async def limit_rate(request: Request, client: Annotated[str, Depends(require_key)]) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    wait_seconds = limiter.acquire(client)
    if wait_seconds:
        raise HTTPException(
            status_code=429,
            detail=f"Too many requests; retry in {wait_seconds} s",
            headers={"Retry-After": str(wait_seconds)},
        )
