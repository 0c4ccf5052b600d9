"""Runs a :class:`Stage` as a broker consumer, following the reliability rules.

A delivery is acked only after the stage's artifact is on disk and the next stage's
message is confirmed by the broker; until then a crash means redelivery, and the stage's
idempotence makes the redelivery cheap. The work itself runs on worker threads so the
connection keeps answering heartbeats during a long render.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from pika.adapters.blocking_connection import BlockingChannel

from common.artifacts import JobPaths
from common.broker import BrokerSession, run_connected
from common.errors import BrokerUnavailable, InvalidMessage, T2VError
from common.logs import job_context
from common.messages import ProgressEvent, StageMessage, parse_stage_message
from common.progress import completed_event, failed_event, stage_event
from common.settings import Settings
from common.stage import Stage
from common.stages import next_stage

logger = logging.getLogger(__name__)


class StageService:
    def __init__(self, stage: Stage, settings: Settings, prefetch: int = 1) -> None:
        self.stage = stage
        self.settings = settings
        self.prefetch = prefetch
        self.stop = threading.Event()
        self._workers = ThreadPoolExecutor(max_workers=prefetch, thread_name_prefix=stage.name)
        self._session: BrokerSession | None = None

    def run_forever(self) -> None:
        """Consume until :attr:`stop` is set, surviving broker restarts."""
        logger.info("stage %s consuming", self.stage.name)
        run_connected(self.settings, self._on_open, self.stop)
        self._workers.shutdown(wait=True, cancel_futures=True)

    def _on_open(self, session: BrokerSession) -> None:
        self._session = session
        queue = session.topology.stage_queue(self.stage.name)
        session.consume(queue, self._on_message, self.prefetch)

    def _on_message(self, channel: BlockingChannel, delivery_tag: int, body: bytes) -> None:
        try:
            job = parse_stage_message(body)
        except InvalidMessage as exc:
            logger.error("dead-lettering a malformed message: %s", exc)
            channel.basic_nack(delivery_tag, requeue=False)
            return
        assert self._session is not None
        self._workers.submit(self._work, self._session, job, delivery_tag)

    def _work(self, session: BrokerSession, job: StageMessage, delivery_tag: int) -> None:
        with job_context(job.job_id):
            try:
                self._process(session, job, delivery_tag)
            except BrokerUnavailable as exc:
                # The delivery is unacked on a dead connection: the broker redelivers it.
                logger.warning("connection lost during the job; it will be redelivered: %s", exc)
            except Exception:
                logger.exception("unexpected error while handling the job")

    def _process(self, session: BrokerSession, job: StageMessage, delivery_tag: int) -> None:
        channel = session.channel

        def emit(event: ProgressEvent) -> None:
            routing_key = session.topology.progress_routing_key(self.stage.name)
            session.call(
                lambda: session.publish(
                    session.topology.progress_exchange, routing_key, event.to_bytes()
                )
            )

        emit(stage_event(job.job_id, self.stage.name))
        paths = JobPaths(self.settings.data_dir, job.job_id)
        try:
            artifacts = self.stage.run(
                job, paths, lambda note: emit(stage_event(job.job_id, self.stage.name, note))
            )
        except Exception as exc:
            self._fail(job, exc)
            emit(failed_event(job.job_id, self.stage.name, exc))
            session.call(lambda: channel.basic_nack(delivery_tag, requeue=False))
            return

        following = next_stage(self.stage.name)
        if following is None:
            emit(completed_event(job.job_id, self.stage.name))
        else:
            forward = job.model_copy(update={"artifacts": {**job.artifacts, **artifacts}})
            session.call(
                lambda: session.publish(
                    session.topology.jobs_exchange,
                    session.topology.stage_routing_key(following),
                    forward.to_bytes(),
                )
            )
        session.call(lambda: channel.basic_ack(delivery_tag))
        logger.info("stage %s done", self.stage.name)

    def _fail(self, job: StageMessage, exc: Exception) -> None:
        if isinstance(exc, T2VError):
            logger.error("stage %s failed: %s", self.stage.name, exc)
        else:
            logger.exception("stage %s failed unexpectedly", self.stage.name)
