"""The gateway's webhook deliverer: claims due deliveries from the store and sends them.

Every gateway process runs one. A delivery is claimed with one UPDATE that counts the
attempt and leases the row (see :mod:`gateway.webhooks.table`), so however many processes
poll, one at a time sends it; a process that dies mid-attempt leaves a lease that runs
out, and the row is taken up again. A failed attempt is retried after each of
``T2V_WEBHOOK_RETRY_DELAYS`` in turn (by default 10 s, 30 s, 1 min, 5 min, 10 min, 20 min
and 30 min: the last attempt comes about 67 minutes after the first), then given up.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from common.logs import job_context
from gateway.settings import GatewaySettings
from gateway.store import JobStore
from gateway.webhooks.events import event_body, event_headers
from gateway.webhooks.sender import AttemptResult, WebhookSender
from gateway.webhooks.table import DeliveryOutcome, WebhookDelivery
from gateway.webhooks.urls import shown_url

logger = logging.getLogger(__name__)

# Deliveries enqueued by other processes are noticed within this; the next due one, sooner.
_POLL_SECONDS = 1.0
# An attempt takes at most a few timeouts (resolving, connecting, sending, the answer);
# its lease is longer, so no other process takes the row up while it may still be running.
_LEASE_TIMEOUTS = 6
# A receiver that is down gets no faster retries than this from a short delay setting.
_MIN_PAUSE_SECONDS = 0.05


class WebhookDeliverer:
    """Sends due deliveries, at most ``T2V_WEBHOOK_MAX_IN_FLIGHT`` at once, on threads."""

    def __init__(self, settings: GatewaySettings, store: JobStore) -> None:
        self._store = store
        # Without a secret nothing is sent: the deliveries wait in the store until it is set.
        secret = settings.webhook_secret
        self._secret = secret.get_secret_value() if secret is not None else None
        self._retry_delays = settings.webhook_retry_delays
        self._lease_seconds = settings.webhook_timeout_seconds * _LEASE_TIMEOUTS
        self._sender = WebhookSender(
            settings.webhook_timeout_seconds, settings.webhook_allow_private_addresses
        )
        self._free_slots = threading.Semaphore(settings.webhook_max_in_flight)
        self._attempts = ThreadPoolExecutor(
            settings.webhook_max_in_flight, thread_name_prefix="gateway-webhook"
        )
        self._stop = threading.Event()
        # Set when stopping, and when an attempt ends and frees a slot.
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-webhooks", daemon=True)

    def start(self) -> None:
        if self._secret is not None:
            self._thread.start()

    def stop(self) -> None:
        """Stop claiming, and wait for the attempts under way (each ends within its timeouts)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self._attempts.shutdown(wait=True)
        self._sender.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                pause = self._start_due_deliveries()
            except Exception:
                # Without this the thread would end and no webhook would go out again.
                logger.exception("claiming webhook deliveries failed; trying again later")
                pause = _POLL_SECONDS
            self._wake.wait(pause)
            self._wake.clear()

    def _start_due_deliveries(self) -> float:
        """Start every due delivery a slot is free for; return how long to pause."""
        while self._free_slots.acquire(blocking=False):
            now = time.time()
            try:
                claimed = self._store.claim_due_delivery(now, now + self._lease_seconds)
            except BaseException:
                self._free_slots.release()
                raise
            if claimed is None:
                self._free_slots.release()
                return self._until_next_due()
            self._attempts.submit(self._attempt, claimed)
        return _POLL_SECONDS  # every slot is busy: a finished attempt wakes the loop

    def _until_next_due(self) -> float:
        due = self._store.next_delivery_due()
        if due is None:
            return _POLL_SECONDS
        return min(_POLL_SECONDS, max(_MIN_PAUSE_SECONDS, due - time.time()))

    def _attempt(self, claimed: WebhookDelivery) -> None:
        with job_context(claimed.job_id):
            try:
                result = self._send(claimed)
            except Exception as exc:
                # Counted as a failed attempt like any other, so a row that can never be
                # sent is given up in the end instead of being tried forever.
                logger.exception("webhook %s: the attempt failed unexpectedly", claimed.event)
                result = AttemptResult(None, f"internal error ({type(exc).__name__})")
            try:
                self._record(claimed, result)
            except Exception:
                # The lease runs out and the row is taken up again.
                logger.exception("webhook %s: the attempt could not be recorded", claimed.event)
            finally:
                self._free_slots.release()
                self._wake.set()

    def _send(self, claimed: WebhookDelivery) -> AttemptResult:
        assert self._secret is not None  # the thread that claims runs only with a secret
        body = event_body(claimed)
        headers = event_headers(claimed, body, self._secret, int(time.time()))
        return self._sender.send(claimed.url, headers, body)

    def _record(self, claimed: WebhookDelivery, result: AttemptResult) -> None:
        where = f"webhook {claimed.event} to {shown_url(claimed.url)}"
        attempt = claimed.attempts
        outcome: DeliveryOutcome
        if result.delivered:
            outcome, next_attempt_at = "delivered", None
            logger.info("%s delivered at attempt %d (HTTP %s)", where, attempt, result.status)
        elif attempt > len(self._retry_delays):
            outcome, next_attempt_at = "given_up", None
            logger.warning("%s given up after %d attempts: %s", where, attempt, result.error)
        else:
            delay = self._retry_delays[attempt - 1]
            outcome, next_attempt_at = "pending", time.time() + delay
            logger.warning(
                "%s attempt %d failed: %s; next in %g s", where, attempt, result.error, delay
            )
        if not self._store.record_delivery_attempt(
            claimed, result.status, result.error, outcome, next_attempt_at
        ):
            logger.warning("%s: the attempt outlasted its lease; another one was started", where)
