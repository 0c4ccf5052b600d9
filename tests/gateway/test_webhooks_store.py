"""The job store's webhook deliveries: each event stored once, claimed by one process at a time."""

import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from common.errors import StageError
from common.messages import JobOptions, StageReport
from common.progress import completed_event, failed_event, stage_done_event, stage_event
from gateway.store import JobStore
from tests.gateway.helpers import create_job

HOOK = JobOptions(webhook_url="https://example.com/hook")
LEASE = 60.0


def test_an_end_applied_by_two_processes_is_stored_once(
    store: JobStore, open_store: Callable[[], JobStore]
) -> None:
    # Given a job with a webhook, and a second gateway process on the same store
    create_job(store, "job-1", "A cat sat.", HOOK)
    other = open_store()
    try:
        # When both apply its completion (a redelivered message), and a late failure follows
        store.apply(completed_event("job-1", "render"))
        other.apply(completed_event("job-1", "render"))
        other.apply(failed_event("job-1", "render", StageError("late")))
    finally:
        other.close()

    # Then one event is waiting, due now, not yet attempted
    (delivery,) = store.deliveries_of("job-1")
    assert (delivery.event_id, delivery.event, delivery.url) == (
        "job-1:completed",
        "job.completed",
        "https://example.com/hook",
    )
    assert (delivery.attempts, delivery.outcome) == (0, "pending")
    assert delivery.next_attempt_at == delivery.created_at


def test_a_cancelled_job_stores_a_failed_event(store: JobStore) -> None:
    # Given a job with a webhook
    create_job(store, "job-1", "A cat sat.", HOOK)

    # When it is cancelled, twice
    assert store.mark_cancelled("job-1")
    assert not store.mark_cancelled("job-1")

    # Then one job.failed event holds the job as cancelled
    (delivery,) = store.deliveries_of("job-1")
    assert delivery.event_id == "job-1:failed"
    assert json.loads(delivery.job_state)["message"] == "Cancelled"


def test_stage_events_are_stored_only_for_jobs_that_ask(store: JobStore) -> None:
    # Given a job that asks for every event and one that does not, and one without a webhook
    create_job(store, "all", "A cat sat.", HOOK.model_copy(update={"webhook_events": "all"}))
    create_job(store, "end", "A cat sat.", HOOK)
    create_job(store, "none", "A cat sat.", JobOptions())
    report = StageReport(provider="piper", seconds=1.0)

    # When each finishes its first stage and moves on
    for job_id in ("all", "end", "none"):
        store.apply(stage_done_event(job_id, "tts", report))
        store.apply(stage_event(job_id, "captions"))

    # Then only the first has an event, holding the stage's report
    (delivery,) = store.deliveries_of("all")
    assert (delivery.event_id, delivery.event) == ("all:stage:tts", "job.stage_completed")
    assert json.loads(delivery.job_state)["stages"]["tts"] == {"provider": "piper", "seconds": 1.0}
    assert store.deliveries_of("end") == store.deliveries_of("none") == []


def test_one_process_at_a_time_claims_a_delivery(
    store: JobStore, open_store: Callable[[], JobStore]
) -> None:
    # Given a completed job's event, and a second gateway process on the same store
    create_job(store, "job-1", "A cat sat.", HOOK)
    store.apply(completed_event("job-1", "render"))
    now = store.deliveries_of("job-1")[0].created_at
    other = open_store()
    try:
        # When the first claims it, the second finds nothing due during the lease
        first = store.claim_due_delivery(now, now + LEASE)
        assert first is not None and first.attempts == 1
        assert other.claim_due_delivery(now + 1, now + 1 + LEASE) is None
        assert store.next_delivery_due() == now + LEASE

        # When the first dies mid-attempt, the second takes the row up once the lease ends
        second = other.claim_due_delivery(now + LEASE, now + 2 * LEASE)
        assert second is not None and second.attempts == 2

        # Then only the second's attempt is recorded: the first one's lease had run out
        assert not store.record_delivery_attempt(first, 200, None, "delivered", None)
        assert other.record_delivery_attempt(second, 200, None, "delivered", None)
    finally:
        other.close()
    (delivery,) = store.deliveries_of("job-1")
    assert (delivery.attempts, delivery.last_status, delivery.outcome) == (2, 200, "delivered")
    assert delivery.next_attempt_at is None
    assert store.next_delivery_due() is None


def test_a_store_from_before_webhooks_gains_the_table(data_dir: Path) -> None:
    # Given a store file written before webhooks (and before owners and stage reports)
    data_dir.mkdir(parents=True)
    path = data_dir / "jobs.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE jobs (job_id TEXT PRIMARY KEY, status TEXT NOT NULL,"
            " progress INTEGER NOT NULL, message TEXT NOT NULL, created_at INTEGER NOT NULL,"
            " updated_at REAL NOT NULL, output_file TEXT, error_stage TEXT,"
            " text TEXT NOT NULL, options TEXT NOT NULL)"
        )
    old.close()

    # When the gateway opens it and a job with a webhook completes
    store = JobStore(path, data_dir)
    try:
        create_job(store, "job-1", "A cat sat.", HOOK)
        store.apply(completed_event("job-1", "render"))

        # Then its event is stored
        assert [delivery.event for delivery in store.deliveries_of("job-1")] == ["job.completed"]
    finally:
        store.close()


def test_processes_claiming_at_once_take_each_delivery_once(
    store: JobStore, open_store: Callable[[], JobStore]
) -> None:
    # Given twenty completed jobs' events, and three more gateway processes on the store
    for n in range(20):
        create_job(store, f"job-{n}", "A cat sat.", HOOK)
        store.apply(completed_event(f"job-{n}", "render"))
    now = max(delivery.created_at for delivery in store.deliveries_of("job-19"))
    others = [open_store() for _ in range(3)]
    claimed: list[str] = []

    def claim_all(process: JobStore) -> None:
        while (delivery := process.claim_due_delivery(now, now + LEASE)) is not None:
            claimed.append(delivery.event_id)

    # When all four claim until nothing is due, at the same time
    try:
        threads = [threading.Thread(target=claim_all, args=(p,)) for p in [store, *others]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for other in others:
            other.close()

    # Then every event was claimed once
    assert sorted(claimed) == sorted(f"job-{n}:completed" for n in range(20))
