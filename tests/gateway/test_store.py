"""The job store: forward-only progress, sticky endings, and a file that outlives the process."""

from pathlib import Path

from common.errors import StageError
from common.messages import JobOptions, ProgressEvent
from common.progress import completed_event, failed_event, stage_event
from common.stages import COMPLETED_MESSAGE, QUEUED_MESSAGE
from gateway.store import FinishedJob, Job, JobStore
from tests.gateway.helpers import create_job


def at(event: ProgressEvent, when: float) -> ProgressEvent:
    return event.model_copy(update={"at": when})


def current(store: JobStore, job_id: str) -> Job:
    job = store.get(job_id)
    assert job is not None
    return job


def test_a_new_job_is_queued_at_zero(store: JobStore) -> None:
    # Given nothing stored
    # When a job is created
    created = create_job(store, "job-1", "Once upon a time", JobOptions(fps=24))

    # Then it reads back queued at 0 with its text, options and an integer creation time
    job = current(store, "job-1")
    assert job == created
    assert (job.status, job.progress, job.message) == ("queued", 0, QUEUED_MESSAGE)
    assert job.text == "Once upon a time"
    assert job.options == JobOptions(fps=24)
    assert isinstance(job.created_at, int)
    assert job.output_file is None and job.error_stage is None


def test_an_unknown_job_id_reads_as_none(store: JobStore) -> None:
    assert store.get("no-such-job") is None
    assert store.get("../../etc/passwd") is None


def test_progress_moves_forward(store: JobStore) -> None:
    # Given a queued job
    create_job(store, "job-1", "text", JobOptions())

    # When the captions stage reports
    applied = store.apply(stage_event("job-1", "captions"))

    # Then the job shows that stage
    assert applied
    job = current(store, "job-1")
    assert (job.status, job.progress, job.message) == ("processing", 40, "Generating captions...")


def test_a_late_event_from_an_earlier_stage_is_ignored(store: JobStore) -> None:
    # Given a job already at the queries stage
    create_job(store, "job-1", "text", JobOptions())
    store.apply(stage_event("job-1", "queries"))

    # When the tts stage's event arrives late
    applied = store.apply(stage_event("job-1", "tts"))

    # Then nothing moves back
    assert not applied
    job = current(store, "job-1")
    assert (job.progress, job.message) == (60, "Generating video search queries...")


def test_notes_within_a_stage_apply_in_the_order_they_happened(store: JobStore) -> None:
    # Given a job whose tts stage reported a note at t=200
    create_job(store, "job-1", "text", JobOptions())
    store.apply(at(stage_event("job-1", "tts", "sentence 2 of 3"), 200.0))

    # When an older note of the same stage arrives, then a newer one
    older_applied = store.apply(at(stage_event("job-1", "tts", "sentence 1 of 3"), 100.0))
    message_after_older = current(store, "job-1").message
    newer_applied = store.apply(at(stage_event("job-1", "tts", "sentence 3 of 3"), 300.0))

    # Then only the newer one replaces the message
    assert not older_applied
    assert message_after_older == "Generating audio... sentence 2 of 3"
    assert newer_applied
    assert current(store, "job-1").message == "Generating audio... sentence 3 of 3"


def test_a_duplicate_event_changes_nothing(store: JobStore) -> None:
    # Given a job that received an event
    create_job(store, "job-1", "text", JobOptions())
    event = stage_event("job-1", "footage")
    store.apply(event)
    before = current(store, "job-1")

    # When the same event is delivered again
    store.apply(event)

    # Then the job is exactly as it was
    assert current(store, "job-1") == before


def test_completion_records_the_video_path_and_is_final(store: JobStore) -> None:
    # Given a completed job
    create_job(store, "job-1", "text", JobOptions())
    store.apply(stage_event("job-1", "render"))
    store.apply(completed_event("job-1", "render"))

    # When a failure and a stage event arrive afterwards (a redelivered duplicate run)
    late_failure = store.apply(failed_event("job-1", "render", StageError("disk full")))
    late_progress = store.apply(stage_event("job-1", "render"))

    # Then it stays completed, with its video's path relative to the data directory
    assert not late_failure and not late_progress
    job = current(store, "job-1")
    assert (job.status, job.progress, job.message) == ("completed", 100, COMPLETED_MESSAGE)
    assert job.output_file == "output/video_job-1.mp4"
    assert job.error_stage is None


def test_failure_is_final_and_keeps_the_furthest_progress(store: JobStore) -> None:
    # Given a job at the captions stage
    create_job(store, "job-1", "text", JobOptions())
    store.apply(stage_event("job-1", "captions"))

    # When a duplicate run of tts fails, then captions reports and render completes
    failed = store.apply(failed_event("job-1", "tts", StageError("voice missing")))
    later = [
        store.apply(stage_event("job-1", "queries")),
        store.apply(completed_event("job-1", "render")),
    ]

    # Then the job failed at tts, still shows 40%, and nothing later changes it
    assert failed and later == [False, False]
    job = current(store, "job-1")
    assert (job.status, job.progress) == ("failed", 40)
    assert job.message == "Failed at tts: voice missing"
    assert job.error_stage == "tts"
    assert job.output_file is None


def test_an_event_for_an_unknown_job_creates_nothing(store: JobStore) -> None:
    assert not store.apply(stage_event("stranger", "tts"))
    assert store.list_all() == []


def test_jobs_are_listed_oldest_first(store: JobStore) -> None:
    for job_id in ("first", "second", "third"):
        create_job(store, job_id, "text", JobOptions())

    assert [job.job_id for job in store.list_all()] == ["first", "second", "third"]


def test_a_discarded_job_is_gone(store: JobStore) -> None:
    create_job(store, "job-1", "text", JobOptions())

    store.discard("job-1")

    assert store.get("job-1") is None


def test_jobs_survive_reopening_the_file(data_dir: Path) -> None:
    # Given a store with a job in progress, closed as a stopping gateway would
    path = data_dir / "jobs.sqlite3"
    first = JobStore(path, data_dir)
    create_job(first, "job-1", "A long story", JobOptions(width=720, height=1280))
    first.apply(stage_event("job-1", "footage"))
    before = current(first, "job-1")
    first.close()

    # When the file is opened again
    reopened = JobStore(path, data_dir)

    # Then the job is there as it was, and keeps following the rules
    assert current(reopened, "job-1") == before
    assert not reopened.apply(stage_event("job-1", "tts"))
    reopened.close()


def test_a_cancelled_job_is_failed_for_good(store: JobStore) -> None:
    # Given a job at the captions stage
    create_job(store, "job-1", "text", JobOptions())
    store.apply(stage_event("job-1", "captions"))

    # When it is cancelled, and the stages running it report on
    cancelled = store.mark_cancelled("job-1")
    later = [
        store.apply(stage_event("job-1", "queries")),
        store.apply(completed_event("job-1", "render")),
    ]

    # Then it failed as cancelled where it was, and nothing later changes it
    assert cancelled and later == [False, False]
    job = current(store, "job-1")
    assert (job.status, job.progress, job.message) == ("failed", 40, "Cancelled")


def test_a_finished_job_cannot_be_cancelled(store: JobStore) -> None:
    create_job(store, "job-1", "text", JobOptions())
    store.apply(completed_event("job-1", "render"))

    assert not store.mark_cancelled("job-1")
    assert not store.mark_cancelled("stranger")
    assert current(store, "job-1").status == "completed"


def test_finished_jobs_are_found_by_when_they_finished(store: JobStore) -> None:
    # Given a job completed at 1000, one failed at 2000, and one still running since 0
    for job_id in ("completed", "failed", "running"):
        create_job(store, job_id, "text", JobOptions())
    store.apply(at(completed_event("completed", "render"), 1000.0))
    store.apply(at(failed_event("failed", "tts", StageError("no voice")), 2000.0))
    store.apply(at(stage_event("running", "render"), 0.0))

    # Then each cutoff finds the jobs that had finished before it, and never the running one
    assert store.finished_before(1000.0) == []
    assert store.finished_before(1500.0) == [FinishedJob("completed", "completed", 1000.0)]
    assert [job.job_id for job in store.finished_before(9999.0)] == ["completed", "failed"]


def test_an_open_store_answers_and_a_closed_one_does_not(data_dir: Path) -> None:
    store = JobStore(data_dir / "jobs.sqlite3", data_dir)
    assert store.answers()

    store.close()

    assert not store.answers()
