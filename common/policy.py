"""What becomes of a delivery once its stage has run: the pipeline's policy, as a pure function.

The stage service (:mod:`common.service`) runs the stage, asks :meth:`PipelinePolicy.decide`
what to do with the outcome, and carries the decision out: it publishes the decision's
messages in order, each confirmed, and only then settles the delivery. Kept apart from the
broker, the policy is tested on its own; the broker tests prove the wiring.
"""

import errno
from dataclasses import dataclass
from typing import Literal

from common.amqp.topology import Topology
from common.errors import StageError, T2VError, TransientError
from common.messages import MAX_PROVIDER_CHARS, ProgressEvent, Shard, StageMessage, StageReport
from common.progress import (
    completed_event,
    failed_event,
    failure_reason,
    stage_done_event,
    stage_event,
)
from common.stage import ShardDone, Split, StageResult
from common.stages import StageName, next_stage


@dataclass(frozen=True)
class Succeeded:
    result: StageResult
    seconds: float


@dataclass(frozen=True)
class Failed:
    error: Exception


@dataclass(frozen=True)
class Cancelled:
    """The job was cancelled: its stage did not run, or stopped part way (JobCancelled)."""


Outcome = Succeeded | Failed | Cancelled

Verdict = Literal[
    "forward", "handed-on", "complete", "retry", "dead-letter", "skip", "split", "shard-done"
]


@dataclass(frozen=True)
class Publication:
    exchange: str
    routing_key: str
    message: StageMessage | ProgressEvent


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    # Published in this order, each confirmed, before the delivery is settled.
    publications: tuple[Publication, ...] = ()
    # Why, in a line for the log: the retry's note or the failure's reason.
    reason: str = ""
    # The failure as the policy judged it, when the stage failed.
    failure: Exception | None = None

    @property
    def dead_letters(self) -> bool:
        """Whether the delivery is rejected to the dead-letter queue rather than acked."""
        return self.verdict == "dead-letter"


@dataclass(frozen=True)
class PipelinePolicy:
    topology: Topology
    # Tries of a stage whose failure may pass, the first included.
    max_attempts: int

    def decide(self, stage: StageName, job: StageMessage, outcome: Outcome) -> Decision:
        if isinstance(outcome, Cancelled):
            # The gateway has already marked the job failed; the rest of it is skipped.
            return Decision("skip")
        if isinstance(outcome, Succeeded):
            return self._succeeded(stage, job, outcome)
        failure = classify_failure(outcome.error)
        if isinstance(failure, TransientError) and job.attempt < self.max_attempts:
            return self._retry(stage, job, failure)
        return Decision(
            "dead-letter",
            (self.progress(stage, failed_event(job.job_id, stage, failure)),),
            reason=failure_reason(failure),
            failure=failure,
        )

    def _succeeded(self, stage: StageName, job: StageMessage, outcome: Succeeded) -> Decision:
        unfinished = outcome.result.unfinished
        if isinstance(unfinished, Split):
            return self._split(stage, job, unfinished.shards)
        if isinstance(unfinished, ShardDone):
            # The step goes on in the other shards; the one that finishes it reports it.
            return Decision("shard-done")
        # A provider named after a long model path must not make the report unsendable.
        provider = outcome.result.provider[:MAX_PROVIDER_CHARS]
        seconds = outcome.seconds if outcome.result.seconds is None else outcome.result.seconds
        report = StageReport(provider=provider, seconds=max(0.0, seconds))
        done = self.progress(stage, stage_done_event(job.job_id, stage, report))
        if outcome.result.handed_on:
            return Decision("handed-on", (done,))
        if next_stage(stage) is None:
            completed = self.progress(stage, completed_event(job.job_id, stage))
            return Decision("complete", (done, completed))
        return Decision("forward", (done, self.hand_on(stage, job, outcome.result.artifacts)))

    def hand_on(
        self, stage: StageName, job: StageMessage, artifacts: dict[str, str]
    ) -> Publication:
        """The next stage's message for ``job``, with ``stage``'s ``artifacts`` added.

        Published when ``stage`` finishes, or before by a stage that hands on early.
        """
        following = next_stage(stage)
        if following is None:
            raise ValueError(f"stage {stage} has no next stage to hand the job on to")
        forward = job.model_copy(update={"artifacts": {**job.artifacts, **artifacts}, "attempt": 1})
        return Publication(
            self.topology.jobs_exchange, self.topology.stage_routing_key(following), forward
        )

    def _split(self, stage: StageName, job: StageMessage, shards: int) -> Decision:
        """One message per shard, back to the same stage, for any of its workers to take."""
        routing_key = self.topology.stage_routing_key(stage)
        parts = tuple(
            Publication(
                self.topology.jobs_exchange,
                routing_key,
                job.model_copy(update={"shard": Shard(index=index, count=shards), "attempt": 1}),
            )
            for index in range(shards)
        )
        told = self.progress(stage, stage_event(job.job_id, stage, f"(in {shards} shards)"))
        return Decision("split", (*parts, told))

    def _retry(self, stage: StageName, job: StageMessage, failure: Exception) -> Decision:
        """The job waits in a delay queue, from which it comes back to this stage."""
        delay = self.topology.retry_delay(job.attempt)
        again = job.model_copy(update={"attempt": job.attempt + 1})
        note = f"(attempt {job.attempt} failed: {failure_reason(failure)}; retrying in {delay:g} s)"
        waiting = Publication(
            self.topology.retry_exchange(job.attempt), self.topology.stage_routing_key(stage), again
        )
        told = self.progress(stage, stage_event(job.job_id, stage, note))
        return Decision("retry", (waiting, told), reason=note, failure=failure)

    def progress(self, stage: StageName, event: ProgressEvent) -> Publication:
        """How ``stage`` tells the gateway of ``event``."""
        return Publication(
            self.topology.progress_exchange, self.topology.progress_routing_key(stage), event
        )


# Failures of the data directory that waiting will not mend, worded for the user.
_PERMANENT_OS_ERRORS = {
    errno.ENOSPC: "the data directory is full",
    errno.EDQUOT: "the data directory is over its quota",
    errno.EACCES: "the data directory is not writable",
    errno.EPERM: "the data directory is not writable",
    errno.EROFS: "the data directory is on a read-only file system",
}


def classify_failure(raised: Exception) -> Exception:
    """The failure as the policy treats it: TransientError to retry, else permanent.

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
