"""HTTP for the stock footage providers: JSON searches and file downloads, retried with care.

Every failure of httpx or of the provider is translated here into one of two errors:
:class:`FetchInterrupted` for what may pass if asked again (timeouts, dropped connections,
5xx, 429, cut-off downloads, a page that is not JSON) and :class:`FetchFailed` for what
will not (other 4xx, files over the size or time limit, a download the rules of
:mod:`svc_footage.download_rules` refuse). Callers see only these, after retries; both are
a :class:`ProviderUnavailable`, for the stage to ask the next source.
"""

import datetime
import email.utils
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from common.errors import ProviderUnavailable
from svc_footage.download_rules import DownloadRefused, DownloadRules, guarded_client

logger = logging.getLogger(__name__)

# Asking again may get another answer for these client errors: a request timeout, "too
# early", too many requests. Any other 4xx (a bad key, a bad query) will be the same.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})
USER_AGENT = "t2v-footage/0.1"

_T = TypeVar("_T")


class FetchFailed(ProviderUnavailable):
    """A provider request that did not give what was asked; the stage falls back."""


class FetchInterrupted(FetchFailed):
    """A failure that may well pass: worth another try by the Fetcher after a pause."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        # Seconds the server asked us to wait, when it said.
        self.retry_after = retry_after


@dataclass(frozen=True)
class FetchLimits:
    request_timeout_seconds: float
    retry_delays: tuple[float, ...]
    max_retry_after_seconds: float
    download_max_bytes: int
    download_timeout_seconds: float


class Fetcher:
    """GET requests, each retried while its failure may pass.

    Searches go to the configured API addresses; downloads go where a provider's answer
    points, so they take another client, held to ``download_rules``. A context manager:
    each client, whose TLS set-up costs a tenth of a second, is opened at its first
    request, so a job that fetches nothing never pays for it.
    """

    def __init__(self, limits: FetchLimits, download_rules: DownloadRules) -> None:
        self._limits = limits
        self._download_rules = download_rules
        self._api: httpx.Client | None = None
        self._downloads: httpx.Client | None = None

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for client in (self._api, self._downloads):
            if client is not None:
                client.close()
        self._api = self._downloads = None

    @property
    def _api_client(self) -> httpx.Client:
        if self._api is None:
            self._api = httpx.Client(
                timeout=self._limits.request_timeout_seconds,
                follow_redirects=True,
                headers={"User-Agent": USER_AGENT},
            )
        return self._api

    @property
    def _download_client(self) -> httpx.Client:
        if self._downloads is None:
            # Pexels' file links redirect to its CDN; every hop is held to the rules.
            self._downloads = guarded_client(
                self._download_rules,
                timeout=self._limits.request_timeout_seconds,
                headers={"User-Agent": USER_AGENT},
            )
        return self._downloads

    def get_json(
        self, url: str, params: Mapping[str, str | int], headers: Mapping[str, str] | None = None
    ) -> Any:
        """The decoded JSON body of a GET; log lines name ``url`` only, as ``params`` may
        hold a key."""
        return self._with_retries(lambda: self._get_json_once(url, params, headers), url)

    def download(self, url: str, target: Path) -> None:
        """Stream the file at ``url`` into ``target``; when it raises, ``target`` may hold
        part of the file, for the caller to throw away."""
        self._with_retries(lambda: self._download_once(url, target), url)

    def _with_retries(self, attempt: Callable[[], _T], url: str) -> _T:
        for delay in (*self._limits.retry_delays, None):
            try:
                return attempt()
            except FetchInterrupted as exc:
                if delay is None:
                    raise
                wait = self._wait_before_retry(exc, delay)
                if wait is None:
                    raise
                logger.info("%s: %s; trying again in %.2f s", url, exc, wait)
                time.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait_before_retry(self, failure: FetchInterrupted, delay: float) -> float | None:
        """How long to pause before the next try, or None when waiting is not worth it."""
        if failure.retry_after is None:
            return delay
        if failure.retry_after > self._limits.max_retry_after_seconds:
            return None  # asking sooner than the server said would only earn another 429
        return max(delay, failure.retry_after)

    def _get_json_once(
        self, url: str, params: Mapping[str, str | int], headers: Mapping[str, str] | None
    ) -> Any:
        try:
            response = self._api_client.get(url, params=params, headers=headers)
        except httpx.TimeoutException as exc:
            raise FetchInterrupted("timed out") from exc
        except httpx.TransportError as exc:
            raise FetchInterrupted(f"connection failed ({exc})") from exc
        _check_status(response)
        try:
            return response.json()
        except ValueError as exc:
            # Most often a proxy's or a captive portal's page, which may be gone next time.
            content_type = response.headers.get("content-type", "no content type")
            raise FetchInterrupted(f"the answer is not JSON ({content_type})") from exc

    def _download_once(self, url: str, target: Path) -> None:
        max_bytes = self._limits.download_max_bytes
        deadline = time.monotonic() + self._limits.download_timeout_seconds
        try:
            with self._download_client.stream("GET", url) as response:
                _check_status(response)
                expected = _content_length(response)
                if expected is not None and expected > max_bytes:
                    raise FetchFailed(f"the file is {expected} bytes, over {max_bytes}")
                with open(target, "wb") as file:
                    for chunk in response.iter_bytes():
                        # Counted as sent, before any content decoding, as Content-Length is.
                        if response.num_bytes_downloaded > max_bytes:
                            raise FetchFailed(f"the file is over {max_bytes} bytes")
                        if time.monotonic() > deadline:
                            raise FetchFailed("the download is too slow")
                        file.write(chunk)
                received = response.num_bytes_downloaded
        except DownloadRefused as exc:
            raise FetchFailed(f"refused: {exc}") from exc
        except (httpx.InvalidURL, httpx.TooManyRedirects) as exc:
            raise FetchFailed(f"not a usable file link ({exc})") from exc
        except httpx.TimeoutException as exc:
            raise FetchInterrupted("timed out") from exc
        except httpx.TransportError as exc:
            # h11 raises this too when the connection closes before Content-Length bytes.
            raise FetchInterrupted(f"the download broke off ({exc})") from exc
        if expected is not None and received != expected:
            raise FetchInterrupted(f"the download stopped at {received} of {expected} bytes")


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    reason = f"HTTP {status}"
    if status >= 500 or status in RETRYABLE_CLIENT_ERRORS:
        raise FetchInterrupted(reason, retry_after=retry_after_seconds(response.headers))
    raise FetchFailed(reason)


def _content_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["content-length"])
    except (KeyError, ValueError):
        return None


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """A Retry-After header in seconds: either a number of them or an HTTP date."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)  # HTTP dates are always GMT
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
