"""Accepting jobs: stored together in few transactions, queued, never half-accepted."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from common.amqp.session import BrokerSession
from common.errors import BrokerUnavailable, QuotaExceeded
from common.messages import JobOptions
from common.settings import Settings
from gateway.access import Caller
from gateway.broker import BrokerLink
from gateway.intake import Intake
from gateway.store import Job, JobStore, Quota
from tests.broker_helpers import UNREACHABLE_BROKER_URL, queued_messages

pytestmark = pytest.mark.anyio

NO_QUOTA = Quota(running_jobs=0, video_seconds_per_day=0)
# A caller of an API without keys.
ANYONE = Caller(key_id=None, sees_all=True, client="network 127.0.0.1")


class CountingStore(JobStore):
    """The real store, noting the size of every transaction that inserts jobs."""

    def __init__(self, path: Path, data_dir: Path) -> None:
        super().__init__(path, data_dir)
        self.batch_sizes: list[int] = []

    def insert_all(
        self, jobs: Sequence[Job], quotas: Sequence[Quota | None] = ()
    ) -> list[QuotaExceeded | None]:
        self.batch_sizes.append(len(jobs))
        return super().insert_all(jobs, quotas)


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[CountingStore]:
    job_store = CountingStore(settings.data_dir / "jobs.sqlite3", settings.data_dir)
    yield job_store
    job_store.close()


async def started_link(settings: Settings, store: JobStore) -> BrokerLink:
    link = BrokerLink(settings, store)
    await link.start(wait=5)
    return link


async def test_jobs_arriving_together_share_transactions_and_are_all_queued(
    settings: Settings, broker: BrokerSession, store: CountingStore
) -> None:
    # Given an intake connected to the broker
    link = await started_link(settings, store)
    try:
        # When 100 jobs arrive at once
        intake = Intake(store, link, NO_QUOTA)
        jobs = await asyncio.gather(
            *(intake.accept(f"Story {n}.", JobOptions(), ANYONE) for n in range(100))
        )
    finally:
        await link.stop()

    # Then every job is stored and queued, in far fewer transactions than jobs
    assert all(store.get(job.job_id) is not None for job in jobs)
    assert queued_messages(broker, broker.topology.stage_queue("tts")) == 100
    assert sum(store.batch_sizes) == 100
    assert len(store.batch_sizes) < 20


async def test_a_job_the_broker_cannot_take_is_not_kept(
    settings: Settings, store: CountingStore
) -> None:
    # Given an intake whose broker is unreachable
    unreachable = settings.model_copy(update={"broker_url": UNREACHABLE_BROKER_URL})
    link = await started_link(unreachable, store)
    try:
        # When a job arrives, Then it is refused
        with pytest.raises(BrokerUnavailable):
            await Intake(store, link, NO_QUOTA).accept("A story.", JobOptions(), ANYONE)
    finally:
        await link.stop()

    # And the store does not keep it as queued forever
    assert store.batch_sizes == [1]
    assert store.list_all() == []


async def test_a_client_that_goes_away_still_leaves_its_job_queued(
    settings: Settings, broker: BrokerSession, store: CountingStore
) -> None:
    # Given an intake connected to the broker
    link = await started_link(settings, store)
    intake = Intake(store, link, NO_QUOTA)
    try:
        # When the request is cancelled while its job is being accepted
        request = asyncio.create_task(intake.accept("A story.", JobOptions(), ANYONE))
        await asyncio.sleep(0)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request

        # Then the job is still stored and queued, not left half-accepted
        for _ in range(100):
            if store.list_all() and queued_messages(broker, broker.topology.stage_queue("tts")):
                break
            await asyncio.sleep(0.05)
    finally:
        await link.stop()
    assert len(store.list_all()) == 1
    assert queued_messages(broker, broker.topology.stage_queue("tts")) == 1


async def test_jobs_arriving_together_cannot_pass_a_quota_together(
    settings: Settings, broker: BrokerSession, store: CountingStore
) -> None:
    # Given an intake allowing each key three running jobs
    link = await started_link(settings, store)
    tenant = Caller(key_id="a" * 32, sees_all=False, client="key a")
    try:
        intake = Intake(store, link, Quota(running_jobs=3, video_seconds_per_day=0))

        # When one key's ten jobs arrive at once, written in the same transactions
        outcomes = await asyncio.gather(
            *(intake.accept(f"Story {n}.", JobOptions(), tenant) for n in range(10)),
            return_exceptions=True,
        )
    finally:
        await link.stop()

    # Then exactly three are accepted and queued; the rest are refused, saying the limit
    refused = [outcome for outcome in outcomes if isinstance(outcome, QuotaExceeded)]
    assert len(refused) == 7
    assert "the limit is 3" in str(refused[0])
    assert len(store.list_all()) == 3
    assert queued_messages(broker, broker.topology.stage_queue("tts")) == 3
