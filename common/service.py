"""Runs a :class:`Stage` as a broker consumer, following the reliability rules of docs/design.md.

A delivery is acked only after the stage's artifact is on disk and the messages the
policy (:mod:`common.policy`) decided on are confirmed by the broker; until then a crash
means redelivery, and the stage's idempotence makes the redelivery cheap. The work itself
runs on worker threads so the connection keeps answering heartbeats during a long render.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from pika.adapters.blocking_connection import BlockingChannel

from common.amqp.session import BrokerSession, run_connected
from common.amqp.topology import Topology
from common.artifacts import JobPaths
from common.errors import BrokerUnavailable, JobCancelled, T2VError
from common.logs import job_context
from common.messages import StageMessage, parse_stage_message
from common.policy import (
    Cancelled,
    Decision,
    Failed,
    Outcome,
    PipelinePolicy,
    Publication,
    Succeeded,
)
from common.progress import stage_event
from common.settings import Settings
from common.stage import HandsOnEarly, Stage

logger = logging.getLogger(__name__)


class StageService:
    def __init__(self, stage: Stage, settings: Settings, prefetch: int = 1) -> None:
        self.stage = stage
        self.settings = settings
        self.prefetch = prefetch
        self.stop = threading.Event()
        self._workers = ThreadPoolExecutor(max_workers=prefetch, thread_name_prefix=stage.name)
        self._session: BrokerSession | None = None
        self._policy = PipelinePolicy(Topology.of(settings), settings.max_attempts)

    def run_forever(self) -> None:
        """Consume until :attr:`stop` is set, surviving broker restarts."""
        logger.info("stage %s consuming", self.stage.name)
        run_connected(self.settings, self._on_open, self.stop)
        self._workers.shutdown(wait=True, cancel_futures=True)

    def _on_open(self, session: BrokerSession) -> None:
        self._session = session
        queue = session.topology.stage_queue(self.stage.name)
        session.consume(queue, parse_stage_message, self._on_message, self.prefetch)

    def _on_message(self, _channel: BlockingChannel, delivery_tag: int, job: StageMessage) -> None:
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
        outcome = self._run_stage(session, job)
        decision = self._policy.decide(self.stage.name, job, outcome)
        for publication in decision.publications:
            self._publish(session, publication)
        channel = session.channel
        if decision.dead_letters:
            session.call(lambda: channel.basic_nack(delivery_tag, requeue=False))
        else:
            session.call(lambda: channel.basic_ack(delivery_tag))
        self._log(decision, outcome)

    def _run_stage(self, session: BrokerSession, job: StageMessage) -> Outcome:
        paths = JobPaths(self.settings.data_dir, job.job_id)
        if paths.is_cancelled():
            return Cancelled()
        name = self.stage.name

        def tell(note: str | None = None) -> None:
            event = stage_event(job.job_id, name, note)
            self._publish(session, self._policy.progress(name, event))

        def hand_on(artifacts: dict[str, str]) -> None:
            self._publish(session, self._policy.hand_on(name, job, artifacts))
            logger.info("job handed on to the next stage before stage %s finished", name)

        tell()
        started = time.monotonic()
        try:
            if isinstance(self.stage, HandsOnEarly):
                result = self.stage.run_handing_on(job, paths, tell, hand_on)
            else:
                result = self.stage.run(job, paths, tell)
        except BrokerUnavailable:
            raise
        except JobCancelled:
            return Cancelled()
        except Exception as raised:
            return Failed(raised)
        return Succeeded(result, time.monotonic() - started)

    @staticmethod
    def _publish(session: BrokerSession, publication: Publication) -> None:
        body = publication.message.to_bytes()
        session.call(lambda: session.publish(publication.exchange, publication.routing_key, body))

    def _log(self, decision: Decision, outcome: Outcome) -> None:
        name = self.stage.name
        if isinstance(outcome, Cancelled):
            logger.info("job cancelled; stage %s skipped or stopped", name)
        elif isinstance(outcome, Succeeded) and decision.verdict in ("split", "shard-done"):
            logger.info("stage %s %s: %s", name, decision.verdict, outcome.result.provider)
        elif isinstance(outcome, Succeeded):
            logger.info("stage %s done: %s, %.2f s", name, outcome.result.provider, outcome.seconds)
        elif decision.verdict == "retry":
            logger.warning("stage %s %s", name, decision.reason)
        elif isinstance(outcome.error, T2VError) or decision.failure is not outcome.error:
            logger.error("stage %s failed: %s", name, decision.reason)
        else:
            # Not an error of ours: the traceback is the only clue to what went wrong.
            logger.exception("stage %s failed unexpectedly", name, exc_info=outcome.error)
