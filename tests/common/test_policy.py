"""The pipeline's policy on its own, with no broker: what each outcome of a stage leads to."""

import errno

import pytest

from common.amqp.topology import Topology
from common.errors import MissingArtifact, TransientError, UnsafeArtifactPath
from common.messages import MAX_PROVIDER_CHARS, ProgressEvent, StageMessage
from common.policy import Cancelled, Failed, PipelinePolicy, Publication, Succeeded
from common.stage import StageResult

TOPOLOGY = Topology(prefix="t2v", retry_delays=(5.0, 30.0, 120.0))
POLICY = PipelinePolicy(TOPOLOGY, max_attempts=3)


def _job(attempt: int = 1) -> StageMessage:
    return StageMessage(
        job_id="job1",
        text="The sea was calm.",
        artifacts={"audio": "work/job1/audio.wav"},
        attempt=attempt,
    )


def _event(publication: Publication) -> ProgressEvent:
    assert isinstance(publication.message, ProgressEvent)
    return publication.message


def _stage_message(publication: Publication) -> StageMessage:
    assert isinstance(publication.message, StageMessage)
    return publication.message


def test_a_cancelled_job_is_acked_and_goes_no_further() -> None:
    # Given a job that was cancelled before its stage ran
    # When the policy decides
    decision = POLICY.decide("captions", _job(), Cancelled())

    # Then nothing is published and the delivery is acked, not dead-lettered
    assert decision.verdict == "skip"
    assert decision.publications == ()
    assert not decision.dead_letters


def test_a_stage_that_succeeds_forwards_the_job_with_its_artifacts() -> None:
    # Given the captions stage succeeded on the job's second attempt
    result = StageResult({"captions": "work/job1/captions.json"}, provider="whisper (tiny.en)")
    outcome = Succeeded(result, seconds=1.5)

    # When the policy decides
    decision = POLICY.decide("captions", _job(attempt=2), outcome)

    # Then the gateway hears the stage is done, with who did it and how long it took
    assert decision.verdict == "forward" and not decision.dead_letters
    done, forward = decision.publications
    assert (done.exchange, done.routing_key) == ("t2v.progress", "progress.captions")
    report = _event(done).report
    assert report is not None
    assert (report.provider, report.seconds) == ("whisper (tiny.en)", 1.5)
    assert _event(done).progress == 40
    # And then the queries stage gets the job with both artifacts, on its first attempt
    assert (forward.exchange, forward.routing_key) == ("t2v.jobs", "stage.queries")
    forwarded = _stage_message(forward)
    assert forwarded.artifacts == {
        "audio": "work/job1/audio.wav",
        "captions": "work/job1/captions.json",
    }
    assert forwarded.attempt == 1


def test_the_last_stage_completes_the_job() -> None:
    # Given the render stage succeeded
    outcome = Succeeded(StageResult({"video": "output/video_job1.mp4"}, "pyav"), seconds=9.0)

    # When the policy decides
    decision = POLICY.decide("render", _job(), outcome)

    # Then the stage's done event and the job's completion are published, nothing is forwarded
    assert decision.verdict == "complete"
    done, completed = (_event(publication) for publication in decision.publications)
    assert done.status == "processing" and done.report is not None
    assert (completed.status, completed.progress) == ("completed", 100)
    assert all(p.exchange == "t2v.progress" for p in decision.publications)


@pytest.mark.parametrize(
    ("attempt", "retry_exchange", "delay_note"),
    [(1, "t2v.retry.5000ms", "retrying in 5 s"), (2, "t2v.retry.30000ms", "retrying in 30 s")],
)
def test_a_passing_failure_waits_in_the_delay_queue_of_its_attempt(
    attempt: int, retry_exchange: str, delay_note: str
) -> None:
    # Given a stage failed for a reason that may pass, with attempts left
    outcome = Failed(TransientError("the disk hiccuped"))

    # When the policy decides
    decision = POLICY.decide("footage", _job(attempt=attempt), outcome)

    # Then the job goes to wait in the delay queue of its attempt, counted one further
    assert decision.verdict == "retry" and not decision.dead_letters
    waiting, told = decision.publications
    assert (waiting.exchange, waiting.routing_key) == (retry_exchange, "stage.footage")
    assert _stage_message(waiting).attempt == attempt + 1
    # And the user is told why, and when it tries again
    note = _event(told).message
    assert f"attempt {attempt} failed: the disk hiccuped" in note
    assert delay_note in note
    assert _event(told).status == "processing"


def test_a_passing_failure_on_the_last_attempt_fails_the_job() -> None:
    # Given a stage failed for a passing reason on its last allowed attempt
    outcome = Failed(TransientError("the disk hiccuped"))

    # When the policy decides
    decision = POLICY.decide("footage", _job(attempt=3), outcome)

    # Then the job fails with the reason and the delivery is dead-lettered
    assert decision.verdict == "dead-letter" and decision.dead_letters
    (failed,) = decision.publications
    event = _event(failed)
    assert event.status == "failed"
    assert event.error is not None
    assert (event.error.stage, event.error.reason) == ("footage", "the disk hiccuped")


def test_a_lasting_failure_fails_at_once() -> None:
    # Given a stage failed for a reason that will not pass, on its first attempt
    outcome = Failed(MissingArtifact("the captions artifact work/job1/c.json is missing"))

    # When the policy decides
    decision = POLICY.decide("queries", _job(), outcome)

    # Then there is no retry: the job fails with the reason as written
    assert decision.verdict == "dead-letter"
    assert _event(decision.publications[0]).message == (
        "Failed at queries: the captions artifact work/job1/c.json is missing"
    )


def test_io_errors_retry_unless_the_data_directory_cannot_be_written() -> None:
    # Given one stage hit a passing I/O error and another a full disk
    passing = Failed(OSError(errno.EIO, "Input/output error"))
    full = Failed(OSError(errno.ENOSPC, "No space left on device"))

    # When the policy decides each
    retried = POLICY.decide("render", _job(), passing)
    failed = POLICY.decide("render", _job(), full)

    # Then the first is retried and the second fails at once, saying why in plain words
    assert retried.verdict == "retry"
    assert failed.verdict == "dead-letter"
    assert failed.reason == "the data directory is full (No space left on device)"


def test_an_unexpected_error_fails_the_job_naming_it_as_internal() -> None:
    # Given a stage raised an error that is not one of the project's own
    error = ValueError("bad frame")

    # When the policy decides
    decision = POLICY.decide("render", _job(), Failed(error))

    # Then the job fails at once, and the failure is the very error raised
    assert decision.verdict == "dead-letter"
    assert decision.reason == "internal error (ValueError: bad frame)"
    assert decision.failure is error


def test_an_artifact_path_outside_the_job_fails_at_once() -> None:
    # Given a stage refused a message's artifact path
    outcome = Failed(UnsafeArtifactPath("the artifact path '/etc/passwd' is not a plain path"))

    # When the policy decides
    decision = POLICY.decide("render", _job(), outcome)

    # Then the message is dead-lettered with the job failed, never retried
    assert decision.verdict == "dead-letter"
    assert _event(decision.publications[0]).status == "failed"


def test_a_long_provider_name_still_makes_a_valid_report() -> None:
    # When a stage names its provider by a very long model path
    outcome = Succeeded(StageResult({}, "coqui (" + "/m" * 1000 + ")"), seconds=1.0)
    decision = POLICY.decide("tts", _job(), outcome)

    # Then its report is cut to what a message may carry, and the job moves on
    report = _event(decision.publications[0]).report
    assert report is not None and len(report.provider) == MAX_PROVIDER_CHARS
    assert decision.verdict == "forward"


def test_a_stage_that_handed_the_job_on_early_finishes_with_its_report_alone() -> None:
    # Given the footage stage handed the job on before its last clip, then finished
    result = StageResult({"footage": "work/job1/footage/manifest.json"}, "pexels", handed_on=True)

    # When the policy decides
    decision = POLICY.decide("footage", _job(), Succeeded(result, seconds=4.0))

    # Then only the stage's report is published: the render already has the job
    assert decision.verdict == "handed-on" and not decision.dead_letters
    (done,) = decision.publications
    assert (done.exchange, done.routing_key) == ("t2v.progress", "progress.footage")
    assert _event(done).report is not None


def test_the_early_hand_on_is_the_next_stage_message_with_the_artifacts_so_far() -> None:
    # Given a footage stage on the job's second attempt with its manifest written
    artifacts = {"footage": "work/job1/footage/manifest.json"}

    # When it hands the job on early
    publication = POLICY.hand_on("footage", _job(attempt=2), artifacts)

    # Then the render is sent the job with every artifact so far, as a first attempt
    assert (publication.exchange, publication.routing_key) == ("t2v.jobs", "stage.render")
    message = _stage_message(publication)
    assert message.artifacts == {"audio": "work/job1/audio.wav", **artifacts}
    assert message.attempt == 1
