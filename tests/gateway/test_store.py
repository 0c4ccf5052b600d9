"""The job store: forward-only progress, sticky endings, and a file that outlives the process."""

import contextlib
import dataclasses
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from common.errors import QuotaExceeded, StageError
from common.messages import JobOptions, ProgressEvent, StageReport
from common.progress import completed_event, failed_event, stage_done_event, stage_event
from common.stages import COMPLETED_MESSAGE, QUEUED_MESSAGE
from gateway.store import FinishedJob, Job, JobStore, Quota, new_job
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


def test_jobs_survive_reopening_the_store(open_store: Callable[[], JobStore]) -> None:
    # Given a store with a job in progress, closed as a stopping gateway would
    first = open_store()
    create_job(first, "job-1", "A long story", JobOptions(width=720, height=1280))
    first.apply(stage_event("job-1", "footage"))
    before = current(first, "job-1")
    first.close()

    # When the store is opened again
    reopened = open_store()

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


def test_an_open_store_answers_and_a_closed_one_does_not(
    open_store: Callable[[], JobStore],
) -> None:
    store = open_store()
    assert store.answers()

    store.close()

    assert not store.answers()


# The schema before jobs had owners, as a store made by an earlier release holds it.
OLD_SCHEMA = """
CREATE TABLE jobs (
    job_id      TEXT PRIMARY KEY,
    status      TEXT    NOT NULL,
    progress    INTEGER NOT NULL,
    message     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  REAL    NOT NULL,
    output_file TEXT,
    error_stage TEXT,
    text        TEXT    NOT NULL,
    options     TEXT    NOT NULL,
    stages      TEXT    NOT NULL DEFAULT '{}'
)
"""


def test_a_store_of_the_old_schema_gains_owners_and_indexes(data_dir: Path) -> None:
    # Given a store file made with the schema before owners, holding a job
    data_dir.mkdir(parents=True)
    path = data_dir / "jobs.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as old:
        old.execute(OLD_SCHEMA)
        old.execute(
            "INSERT INTO jobs VALUES ('old-job', 'completed', 100, 'done', 1000, 1000.5,"
            " 'output/video_old-job.mp4', NULL, 'An old story', '{}', '{}')"
        )
        old.commit()

    # When the gateway opens it, twice, as two restarts would
    JobStore(path, data_dir).close()
    store = JobStore(path, data_dir)

    # Then the old job reads as before, belonging to no key, and new jobs have owners
    job = current(store, "old-job")
    assert (job.status, job.text, job.owner, job.video_seconds) == (
        "completed",
        "An old story",
        None,
        0.0,
    )
    store.insert_all([new_job("new-job", "text", JobOptions(), owner="key-1")])
    assert current(store, "new-job").owner == "key-1"
    page = store.page(10, owner="key-1")
    assert page is not None and [job.job_id for job in page.jobs] == ["new-job"]

    # And the listing and quota queries have their indexes
    with contextlib.closing(sqlite3.connect(path)) as reader:
        indexes = {
            row[0] for row in reader.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
    assert {"jobs_newest", "jobs_newest_by_owner", "jobs_running_by_owner"} <= indexes
    store.close()


def store_jobs(store: JobStore, owners: list[str | None]) -> list[str]:
    job_ids = [f"job-{n}" for n in range(len(owners))]
    store.insert_all(
        [
            new_job(job_id, "text", JobOptions(), owner=owner)
            for job_id, owner in zip(job_ids, owners, strict=True)
        ]
    )
    return job_ids


def test_pages_follow_each_other_newest_first(store: JobStore) -> None:
    # Given five jobs stored in the same second
    job_ids = store_jobs(store, [None] * 5)

    # When they are read two at a time, each page after the last one's cursor
    first = store.page(2)
    assert first is not None and first.next_cursor is not None
    second = store.page(2, after=first.next_cursor)
    assert second is not None and second.next_cursor is not None
    third = store.page(2, after=second.next_cursor)
    assert third is not None

    # Then they hold every job once, newest first, and the last has no cursor
    assert [[job.job_id for job in page.jobs] for page in (first, second, third)] == [
        ["job-4", "job-3"],
        ["job-2", "job-1"],
        ["job-0"],
    ]
    assert third.next_cursor is None
    assert job_ids == ["job-0", "job-1", "job-2", "job-3", "job-4"]


def test_a_page_of_one_owner_holds_only_its_jobs(store: JobStore) -> None:
    # Given jobs of two owners and of none
    store_jobs(store, ["alice", "bob", None, "alice", "bob"])

    # When alice's jobs are read
    page = store.page(10, owner="alice")

    # Then only hers are there, and a cursor of another owner's job leads nowhere
    assert page is not None and [job.job_id for job in page.jobs] == ["job-3", "job-0"]
    assert store.page(10, owner="alice", after="job-1") is None
    assert store.page(10, after="no-such-job") is None


def test_a_job_over_its_owners_running_quota_is_not_stored(store: JobStore) -> None:
    # Given an owner with two running jobs, one of them finished since
    store_jobs(store, ["alice", "alice"])
    store.apply(completed_event("job-0", "render"))
    quota = Quota(running_jobs=2, video_seconds_per_day=0)

    # When three more of its jobs, and one of another owner, are stored in one transaction
    jobs = [new_job(f"more-{n}", "text", JobOptions(), owner="alice") for n in range(3)]
    jobs.append(new_job("bobs", "text", JobOptions(), owner="bob"))
    refusals = store.insert_all(jobs, [quota] * 4)

    # Then only the first of the owner's fits, and the other owner's is stored too
    assert [refusal is None for refusal in refusals] == [True, False, False, True]
    assert isinstance(refusals[1], QuotaExceeded) and refusals[1].retry_after_seconds == 15
    assert [store.get(job.job_id) is not None for job in jobs] == [True, False, False, True]


def test_video_seconds_count_for_a_day(store: JobStore) -> None:
    # Given an owner whose job of 40 s was stored 23 hours ago
    quota = Quota(running_jobs=0, video_seconds_per_day=60)
    now = time.time()
    earlier = new_job("earlier", "text", JobOptions(), owner="alice", video_seconds=40)
    store.insert_all([dataclasses.replace(earlier, created_at=int(now) - 23 * 3600)])

    # When it asks for 30 s more, and then for 20 s
    too_much = new_job("too-much", "text", JobOptions(), owner="alice", video_seconds=30)
    fits = new_job("fits", "text", JobOptions(), owner="alice", video_seconds=20)
    refusals = store.insert_all([too_much, fits], [quota, quota])

    # Then the first is refused until the earlier job is a day old, and the second fits
    refused = refusals[0]
    assert isinstance(refused, QuotaExceeded)
    assert 3590 <= refused.retry_after_seconds <= 3600
    assert refusals[1] is None

    # And a day later the earlier job no longer counts
    tomorrow = dataclasses.replace(too_much, created_at=int(now) + 3601)
    assert store.insert_all([tomorrow], [quota]) == [None]


def test_stage_durations_and_completion_times_are_counted_into_buckets(store: JobStore) -> None:
    # Given two jobs whose tts took 0.4 s and 3 s with piper, one of them completed at 90 s
    for job_id, seconds in (("fast", 0.4), ("slow", 3.0)):
        create_job(store, job_id, "text", JobOptions())
        report = StageReport(provider="piper", seconds=seconds)
        store.apply(stage_done_event(job_id, "tts", report))
    created_at = current(store, "fast").created_at
    store.apply(at(completed_event("fast", "render"), created_at + 90.0))

    # When the histograms are read over the window holding them
    since = created_at - 10
    (tts,) = store.stage_durations(since, 100, (0.5, 1.0, 5.0))
    completion = store.completion_times(since, 100, (60.0, 120.0))

    # Then each counts its observations at most each bound, and their sum
    assert (tts.labels, tts.count, tts.total, tts.at_most) == (("tts", "piper"), 2, 3.4, (1, 1, 2))
    assert (completion.count, completion.total, completion.at_most) == (1, 90.0, (0, 1))
    assert store.completion_times(created_at + 10, 100, (60.0,)).count == 0
