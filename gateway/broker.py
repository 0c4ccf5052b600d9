"""The gateway's link to RabbitMQ: it queues new jobs and keeps the store current.

A background thread owns the consuming connection (see :mod:`common.amqp.session`) and applies
the progress queue to the job store, along with the failures of stage messages that killed
their workers once too often (:mod:`gateway.dead_letters`); new jobs are published from the
event loop by a :class:`ConfirmingPublisher` on a connection of its own. While the broker
is unreachable, queuing a job fails at once instead of waiting for a reconnection.
"""

import asyncio
import contextlib
import logging
import threading

from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from common.amqp.publisher import ConfirmingPublisher
from common.amqp.session import BrokerSession, run_connected
from common.amqp.topology import Topology
from common.errors import BrokerUnavailable, StoreError, StoreUnavailable
from common.logs import job_context
from common.messages import ProgressEvent, StageMessage, parse_progress_event
from common.settings import Settings
from common.stages import STAGE_NAMES
from gateway.dead_letters import poison_failure
from gateway.store import Job, JobStore

logger = logging.getLogger(__name__)

# Progress events are cheap to apply; a window this size keeps the queue draining quickly.
_PROGRESS_PREFETCH = 50
# A confirm normally takes milliseconds; an HTTP client should not wait longer than this.
_PUBLISH_TIMEOUT = 10.0
# After an unexpected crash of the connection loop, pause before starting it again.
_RESTART_DELAY = 1.0


class BrokerLink:
    def __init__(self, settings: Settings, store: JobStore) -> None:
        self._settings = settings
        self._topology = Topology.of(settings)
        self._store = store
        self._stop = threading.Event()
        self._first_attempt_done = threading.Event()
        self._session: BrokerSession | None = None
        self._publisher = ConfirmingPublisher(settings)
        self._thread = threading.Thread(target=self._run, name="gateway-broker", daemon=True)

    @property
    def is_connected(self) -> bool:
        session = self._session
        return session is not None and session.is_open and self._publisher.is_connected

    async def start(self, wait: float) -> None:
        """Start connecting; wait up to ``wait`` seconds for the first attempts to finish.

        Waiting lets the first requests after start-up find the broker connected, while a
        broker that is down delays start-up by no more than one connection attempt.
        """
        self._thread.start()
        await asyncio.gather(
            asyncio.to_thread(self._first_attempt_done.wait, wait), self._publisher.start(wait)
        )

    async def stop(self) -> None:
        await self._publisher.stop()
        await asyncio.to_thread(self._stop_consuming)

    def _stop_consuming(self) -> None:
        self._stop.set()
        session = self._session
        if session is not None:
            # Wake the owner thread so it sees the stop now, not at its next poll.
            with contextlib.suppress(BrokerUnavailable):
                session.call(lambda: None, timeout=1.0)
        self._thread.join()

    def queue_depths(self, timeout: float) -> dict[str, int]:
        """Messages ready in each stage queue and the dead-letter queue, by queue name.

        Asked on the consuming connection; raises BrokerUnavailable when it is down or slow.
        """
        session = self._session
        if session is None:
            raise BrokerUnavailable("the broker is not connected")
        topology = session.topology
        queues = [topology.stage_queue(stage) for stage in STAGE_NAMES]
        queues.append(topology.dead_letter_queue)

        return session.call(lambda: session.message_counts(queues), timeout=timeout)

    async def submit(self, job: Job) -> None:
        """Publish ``job``'s first stage message; raise BrokerUnavailable if it is not confirmed."""
        # Where the job's events go is the gateway's business; an address with a token in
        # it has no reason to travel through every stage.
        options = job.options.model_copy(update={"webhook_url": None})
        message = StageMessage(
            job_id=job.job_id,
            text=job.text,
            options=options,
            created_at=job.created_at,
            owner=job.owner,
        )
        await self._publisher.publish(
            self._topology.jobs_exchange,
            self._topology.stage_routing_key(STAGE_NAMES[0]),
            message.to_bytes(),
            timeout=_PUBLISH_TIMEOUT,
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                run_connected(self._settings, self._on_open, self._stop, self._on_down)
            except Exception:
                # Without this thread the gateway would accept no jobs and see no progress.
                self._on_down()
                logger.exception("the broker connection loop crashed; restarting it")
                self._stop.wait(_RESTART_DELAY)

    def _on_open(self, session: BrokerSession) -> None:
        session.consume(
            session.topology.progress_queue,
            parse_progress_event,
            self._on_progress,
            _PROGRESS_PREFETCH,
        )
        # Raw, not parsed by the session: what a dead letter means is in its headers.
        session.channel.basic_consume(
            session.topology.gateway_dead_letter_queue, self._on_dead_letter
        )
        self._session = session
        self._first_attempt_done.set()

    def _on_down(self) -> None:
        self._session = None
        self._first_attempt_done.set()

    def _on_progress(
        self, channel: BlockingChannel, delivery_tag: int, event: ProgressEvent
    ) -> None:
        with job_context(event.job_id):
            try:
                applied = self._store.apply(event)
            except StoreUnavailable as exc:
                # The database is away, not the event wrong: it waits in the queue. Once the
                # pool's connections are gone each attempt waits the connect timeout, so the
                # retries do not spin.
                logger.warning("cannot record a progress event yet; requeuing it: %s", exc)
                channel.basic_nack(delivery_tag, requeue=True)
                return
            except StoreError:
                # Requeuing would retry the same write in a loop; the dead-letter queue
                # keeps the event for an operator instead.
                logger.exception("cannot record a progress event; dead-lettering it")
                channel.basic_nack(delivery_tag, requeue=False)
                return
            if applied:
                logger.info("job %s at %d%%: %s", event.status, event.progress, event.message)
            else:
                logger.debug("ignored a stale, duplicate or unknown-job progress event")
            channel.basic_ack(delivery_tag)

    def _on_dead_letter(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        event = poison_failure(self._settings, properties.headers, body)
        if event is not None:
            with job_context(event.job_id):
                try:
                    applied = self._store.apply(event)
                except StoreError:
                    # The operators' copy in the dead-letter queue still tells of it.
                    logger.exception("cannot record a poison message's failure")
                else:
                    # Not applied: the job had already ended, failed by the stage or cancelled.
                    if applied:
                        logger.error("job failed: %s", event.message)
        channel.basic_ack(method.delivery_tag)
