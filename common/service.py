"""Runs a :class:`Stage` as a broker consumer, following the reliability rules.

A delivery is acked only after the stage's artifact is on disk and the next stage's
message is confirmed by the broker; until then a crash means redelivery, and the stage's
idempotence makes the redelivery cheap. The work itself runs on worker threads so the
connection keeps answering heartbeats during a long render.
"""

import errno
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from pika.adapters.blocking_connection import BlockingChannel

from common.artifacts import JobPaths
from common.broker import BrokerSession, run_connected
from common.errors import BrokerUnavailable, InvalidMessage, StageError, T2VError, TransientError
from common.logs import job_context
from common.messages import ProgressEvent, StageMessage, StageReport, parse_stage_message
from common.progress import (
    completed_event,
    failed_event,
    failure_reason,
    stage_done_event,
    stage_event,
)
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
        with job_context(job.job_id, self.stage.name):
            try:
                self._process(session, job, delivery_tag)
            except BrokerUnavailable as exc:
                # The delivery is unacked on a dead connection: the broker redelivers it.
                logger.warning("connection lost during the job; it will be redelivered: %s", exc)
            except Exception:
                logger.exception("unexpected error while handling the job")

    def _process(self, session: BrokerSession, job: StageMessage, delivery_tag: int) -> None:
        topology = session.topology
        channel = session.channel
        paths = JobPaths(self.settings.data_dir, job.job_id)

        def emit(event: ProgressEvent) -> None:
            routing_key = topology.progress_routing_key(self.stage.name)
            session.call(
                lambda: session.publish(topology.progress_exchange, routing_key, event.to_bytes())
            )

        if paths.cancel_marker.exists():
            # The gateway has already marked the job; its remaining stages are skipped.
            logger.info("job cancelled; stage %s skipped", self.stage.name)
            session.call(lambda: channel.basic_ack(delivery_tag))
            return
        emit(stage_event(job.job_id, self.stage.name))
        started = time.monotonic()
        try:
            result = self.stage.run(
                job, paths, lambda note: emit(stage_event(job.job_id, self.stage.name, note))
            )
        except BrokerUnavailable:
            raise
        except Exception as raised:
            failure = classify_failure(raised)
            if isinstance(failure, TransientError) and job.attempt < self.settings.max_attempts:
                self._retry(session, job, failure, emit)
                session.call(lambda: channel.basic_ack(delivery_tag))
                return
            self._log_failure(raised, failure)
            emit(failed_event(job.job_id, self.stage.name, failure))
            session.call(lambda: channel.basic_nack(delivery_tag, requeue=False))
            return

        report = StageReport(provider=result.provider, seconds=time.monotonic() - started)
        emit(stage_done_event(job.job_id, self.stage.name, report))
        following = next_stage(self.stage.name)
        if following is None:
            emit(completed_event(job.job_id, self.stage.name))
        else:
            forward = job.model_copy(
                update={"artifacts": {**job.artifacts, **result.artifacts}, "attempt": 1}
            )
            routing_key = topology.stage_routing_key(following)
            session.call(
                lambda: session.publish(topology.jobs_exchange, routing_key, forward.to_bytes())
            )
        session.call(lambda: channel.basic_ack(delivery_tag))
        logger.info("stage %s done: %s, %.2f s", self.stage.name, report.provider, report.seconds)

    def _retry(
        self,
        session: BrokerSession,
        job: StageMessage,
        failure: Exception,
        emit: Callable[[ProgressEvent], None],
    ) -> None:
        """Send the job to wait in a delay queue, from which it comes back to this stage."""
        topology = session.topology
        delay = topology.retry_delay(job.attempt)
        again = job.model_copy(update={"attempt": job.attempt + 1})
        note = f"(attempt {job.attempt} failed: {failure_reason(failure)}; retrying in {delay:g} s)"
        logger.warning("stage %s %s", self.stage.name, note)
        routing_key = topology.stage_routing_key(self.stage.name)
        session.call(
            lambda: session.publish(
                topology.retry_exchange(job.attempt), routing_key, again.to_bytes()
            )
        )
        emit(stage_event(job.job_id, self.stage.name, note))

    def _log_failure(self, raised: Exception, failure: Exception) -> None:
        if isinstance(raised, T2VError) or raised is not failure:
            logger.error("stage %s failed: %s", self.stage.name, failure_reason(failure))
        else:
            logger.exception("stage %s failed unexpectedly", self.stage.name)


# Failures of the data directory that waiting will not mend, worded for the user.
_PERMANENT_OS_ERRORS = {
    errno.ENOSPC: "the data directory is full",
    errno.EDQUOT: "the data directory is over its quota",
    errno.EACCES: "the data directory is not writable",
    errno.EPERM: "the data directory is not writable",
    errno.EROFS: "the data directory is on a read-only file system",
}


def classify_failure(raised: Exception) -> Exception:
    """The failure as the stage service treats it: TransientError to retry, else permanent.

    Our own errors say what they are; an I/O error is worth a retry unless it is one of
    the data directory's lasting troubles, which becomes a plain StageError saying so.
    """
    if isinstance(raised, T2VError):
        return raised
    if isinstance(raised, OSError):
        lasting = _PERMANENT_OS_ERRORS.get(raised.errno or 0)
        if lasting is not None:
            return StageError(f"{lasting} ({raised.strerror})")
        return TransientError(f"I/O error: {raised.strerror or raised}")
    return raised
