"""One attempt at delivering a webhook event: a bounded POST, and what came of it.

Bounded every way a receiver could hold the gateway: each step (connecting, sending,
waiting for the answer, each read) has the timeout, redirects are not followed (a
redirect could lead anywhere, and the event was meant for this URL), and at most
:data:`MAX_ANSWER_BYTES` of the answer's body are read, then the connection is dropped.
"""

from dataclasses import dataclass

import httpx

from common.addresses import CheckedTransport
from gateway.webhooks.urls import AddressRule, WebhookRefused, check_webhook_url

# A receiver's answer matters only for its status; a little of the body is read so a
# keep-alive connection can be reused when the answer is short.
MAX_ANSWER_BYTES = 4096
# The longest reason recorded for a failed attempt.
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class AttemptResult:
    status: int | None  # the receiver's HTTP status, if it answered
    error: str | None  # why the attempt failed; None when it was delivered

    @property
    def delivered(self) -> bool:
        return self.error is None


class WebhookSender:
    """Sends events to checked addresses only; safe to use from several threads at once."""

    def __init__(self, timeout_seconds: float, allow_private_addresses: bool) -> None:
        self._timeout = timeout_seconds
        self._allow_private_addresses = allow_private_addresses
        self._client = httpx.Client(
            transport=CheckedTransport(AddressRule(allow_private_addresses)),
            timeout=timeout_seconds,
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        self._client.close()

    def send(self, url: str, headers: dict[str, str], body: bytes) -> AttemptResult:
        try:
            # Again, as the rules may have been tightened since the job was accepted.
            check_webhook_url(url, self._allow_private_addresses)
            with self._client.stream("POST", url, content=body, headers=headers) as response:
                for _ in response.iter_bytes():
                    if response.num_bytes_downloaded >= MAX_ANSWER_BYTES:
                        break
                status = response.status_code
        except WebhookRefused as exc:
            return _failed(None, f"refused: {exc}")
        except httpx.TimeoutException:
            return _failed(None, f"no answer within {self._timeout:g} s")
        except httpx.HTTPError as exc:
            return _failed(None, f"connection failed ({type(exc).__name__}: {exc})")
        if 200 <= status < 300:
            return AttemptResult(status, None)
        if 300 <= status < 400:
            return _failed(status, f"HTTP {status}: redirects are not followed")
        return _failed(status, f"HTTP {status}")


def _failed(status: int | None, reason: str) -> AttemptResult:
    reason = " ".join(reason.split())
    if len(reason) > MAX_ERROR_CHARS:
        reason = reason[: MAX_ERROR_CHARS - 3] + "..."
    return AttemptResult(status, reason)
