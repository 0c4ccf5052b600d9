"""A stage service against the real broker: artifacts, next message, progress, dead letters."""

import errno
import time

from common.amqp.session import BrokerSession
from common.artifacts import JobPaths
from common.documents import CaptionGroup, Captions, Word, save_document
from common.errors import StageError
from common.messages import StageMessage, parse_progress_event, parse_stage_message
from common.service import StageService
from common.settings import Settings
from common.stage import ReportProgress, StageResult
from svc_queries.settings import QueriesSettings
from svc_queries.stage import QueriesStage
from tests.broker_helpers import drain_queue, get_message_from_queue, publish_stage, running


def _job_with_captions(settings: Settings, job_id: str) -> StageMessage:
    paths = JobPaths(settings.data_dir, job_id)
    words = [Word(text="Mountains", start=0.1, end=0.6), Word(text="rise.", start=0.6, end=1.0)]
    group = CaptionGroup(text="Mountains rise.", start=0.1, end=1.0, words=words)
    save_document(Captions(duration=1.2, words=words, groups=[group]), paths.captions)
    return StageMessage(
        job_id=job_id,
        text="Mountains rise.",
        artifacts={"audio": "work/x/audio.wav", "captions": paths.relative(paths.captions)},
    )


def test_stage_writes_artifact_forwards_job_and_reports(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given a running queries service and a job whose captions exist
    job = _job_with_captions(settings, "svc1")
    service = StageService(QueriesStage(QueriesSettings()), settings)

    with running(service):
        # When the job's message is published to the queries stage
        publish_stage(broker, "queries", job.to_bytes())

        # Then the footage stage receives the job with the queries artifact added
        forwarded = parse_stage_message(
            get_message_from_queue(broker, broker.topology.stage_queue("footage"))
        )
    assert forwarded.job_id == "svc1"
    assert forwarded.artifacts["captions"] == job.artifacts["captions"]
    assert (settings.data_dir / forwarded.artifacts["queries"]).is_file()
    # And the gateway's progress queue saw the stage start at 60%
    events = [parse_progress_event(b) for b in drain_queue(broker, broker.topology.progress_queue)]
    assert events[0].status == "processing" and events[0].progress == 60
    assert {e.stage for e in events} == {"queries"}
    # And the stage's own queue is empty: the delivery was acked
    assert drain_queue(broker, broker.topology.stage_queue("queries")) == []


def test_malformed_message_is_dead_lettered(settings: Settings, broker: BrokerSession) -> None:
    # Given a running stage service
    with running(StageService(QueriesStage(QueriesSettings()), settings)):
        # When a message that is not a valid stage message arrives
        publish_stage(broker, "queries", b'{"job_id": "bad", "schema_version": 99}')
        publish_stage(broker, "queries", b"not json at all")

        # Then both land in the dead-letter queue, untouched
        dead = [get_message_from_queue(broker, broker.topology.dead_letter_queue) for _ in range(2)]
    assert sorted(dead) == sorted([b'{"job_id": "bad", "schema_version": 99}', b"not json at all"])


class _BrokenStage:
    name = "queries"

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        raise StageError("the captions were\nunreadable")


def test_failing_stage_marks_the_job_failed_and_dead_letters_it(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given a stage that cannot do its work
    job = StageMessage(job_id="svc3", text="Anything.")
    with running(StageService(_BrokenStage(), settings)):
        # When a job reaches it
        publish_stage(broker, "queries", job.to_bytes())

        # Then the job goes to the dead-letter queue instead of looping
        assert (
            parse_stage_message(
                get_message_from_queue(broker, broker.topology.dead_letter_queue)
            ).job_id
            == "svc3"
        )
    # And the last progress event says failed, with the stage and a one-line reason
    events = [parse_progress_event(b) for b in drain_queue(broker, broker.topology.progress_queue)]
    failed = events[-1]
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.stage == "queries"
    assert failed.message == "Failed at queries: the captions were unreadable"
    assert drain_queue(broker, broker.topology.stage_queue("footage")) == []


class _SlowStage:
    """Works far longer than the connection's heartbeat timeout, like a long render."""

    name = "queries"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.runs = 0

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        self.runs += 1
        time.sleep(self.seconds)
        return StageResult({}, "test")


def test_long_work_keeps_the_connection_alive(settings: Settings, broker: BrokerSession) -> None:
    # Given a service whose connection must show a heartbeat every second
    fast_heartbeat = settings.model_copy(
        update={"broker_url": settings.broker_url + "?heartbeat=1"}
    )
    stage = _SlowStage(seconds=5.0)
    job = StageMessage(job_id="svc4", text="Slow.")

    with running(StageService(stage, fast_heartbeat)):
        # When a job takes five heartbeat timeouts' worth of work
        publish_stage(broker, "queries", job.to_bytes())

        # Then the job is forwarded once, having run once: the connection never dropped
        forwarded = get_message_from_queue(broker, broker.topology.stage_queue("footage"), 30)
    assert parse_stage_message(forwarded).job_id == "svc4"
    assert stage.runs == 1
    assert drain_queue(broker, broker.topology.stage_queue("queries")) == []


class _FlakyStage:
    """Fails with the given error on its first ``failures`` runs, then works."""

    name = "queries"

    def __init__(self, error: Exception, failures: int) -> None:
        self.error = error
        self.failures = failures
        self.runs = 0

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        self.runs += 1
        if self.runs <= self.failures:
            raise self.error
        return StageResult({}, "test")


def test_a_passing_io_error_is_retried_after_a_delay(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given a stage whose first try hits an I/O error, with short retry delays
    stage = _FlakyStage(OSError(errno.EIO, "Input/output error"), failures=1)
    job = StageMessage(job_id="svc5", text="Flaky.")

    with running(StageService(stage, settings)):
        # When the job arrives
        publish_stage(broker, "queries", job.to_bytes())

        # Then it comes back after the delay, succeeds, and moves on with attempts reset
        forwarded = parse_stage_message(
            get_message_from_queue(broker, broker.topology.stage_queue("footage"))
        )
    assert stage.runs == 2 and forwarded.attempt == 1
    events = [parse_progress_event(b) for b in drain_queue(broker, broker.topology.progress_queue)]
    assert any("retrying in 0.2 s" in event.message for event in events)
    assert all(event.status == "processing" for event in events)
    assert drain_queue(broker, broker.topology.dead_letter_queue) == []


def test_retries_stop_after_the_last_attempt(settings: Settings, broker: BrokerSession) -> None:
    # Given a stage that always hits an I/O error, allowed three attempts
    stage = _FlakyStage(OSError(errno.EIO, "Input/output error"), failures=99)
    job = StageMessage(job_id="svc6", text="Doomed.")

    with running(StageService(stage, settings)):
        # When the job arrives
        publish_stage(broker, "queries", job.to_bytes())

        # Then after three tries it is dead-lettered, not requeued again
        dead = parse_stage_message(
            get_message_from_queue(broker, broker.topology.dead_letter_queue)
        )
    assert (stage.runs, dead.attempt) == (3, 3)
    events = [parse_progress_event(b) for b in drain_queue(broker, broker.topology.progress_queue)]
    assert events[-1].status == "failed"
    assert events[-1].message == "Failed at queries: I/O error: Input/output error"


def test_a_full_disk_fails_at_once_with_a_clear_reason(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given a stage that finds the data directory full
    stage = _FlakyStage(OSError(errno.ENOSPC, "No space left on device"), failures=99)

    with running(StageService(stage, settings)):
        # When a job arrives
        publish_stage(broker, "queries", StageMessage(job_id="svc7", text="Full.").to_bytes())
        get_message_from_queue(broker, broker.topology.dead_letter_queue)

    # Then it fails on the first try, saying so, rather than retrying in a loop
    assert stage.runs == 1
    events = [parse_progress_event(b) for b in drain_queue(broker, broker.topology.progress_queue)]
    assert events[-1].message == (
        "Failed at queries: the data directory is full (No space left on device)"
    )


def test_a_cancelled_job_is_skipped(settings: Settings, broker: BrokerSession) -> None:
    # Given a job the user cancelled before it reached this stage
    job = StageMessage(job_id="svc8", text="Never mind.")
    marker = JobPaths(settings.data_dir, job.job_id).cancel_marker
    marker.parent.mkdir(parents=True)
    marker.touch()
    stage = _FlakyStage(OSError(errno.EIO, "unused"), failures=0)

    with running(StageService(stage, settings)):
        # When its message arrives
        publish_stage(broker, "queries", job.to_bytes())
        time.sleep(1.0)

    # Then the stage does no work, forwards nothing, and the message is gone
    assert stage.runs == 0
    assert drain_queue(broker, broker.topology.stage_queue("footage")) == []
    assert drain_queue(broker, broker.topology.stage_queue("queries")) == []
    assert drain_queue(broker, broker.topology.progress_queue) == []
