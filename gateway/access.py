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
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

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


_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def _api_keys(request: Request) -> ApiKeys:
    return request.app.state.api_keys


def _rate_limiter(request: Request) -> RateLimiter:
    return request.app.state.rate_limiter


def identify_client(
    request: Request,
    api_keys: Annotated[ApiKeys, Depends(_api_keys)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
) -> str:
    """The caller's name for rate limiting; 401 when keys are required and none is valid."""
    if not api_keys.required:
        return f"address {request.client.host if request.client else 'unknown'}"
    presented = [key for key in (bearer.credentials if bearer else None, api_key) if key]
    for key in presented:
        position = api_keys.position(key)
        if position is not None:
            return f"key #{position}"
    raise HTTPException(
        status_code=401, detail=INVALID_KEY_MESSAGE, headers={"WWW-Authenticate": "Bearer"}
    )


ClientDep = Annotated[str, Depends(identify_client)]


def limit_rate(client: ClientDep, limiter: Annotated[RateLimiter, Depends(_rate_limiter)]) -> None:
    wait_seconds = limiter.acquire(client)
    if wait_seconds:
        raise HTTPException(
            status_code=429,
            detail=f"Too many requests; retry in {wait_seconds} s",
            headers={"Retry-After": str(wait_seconds)},
        )
