"""Accepting a job: store it within its key's quota, then queue it, or forget it if it cannot be.

Under load many requests arrive while the previous store write is still syncing to disk;
they are written together in the next transaction (a group commit), so each disk sync
serves all of them, and the sync happens on a worker thread rather than in the event loop.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable

from common.errors import BrokerUnavailable
from common.logs import job_context
from common.messages import JobOptions
from common.user_media import MediaFolders
from gateway.access import Caller
from gateway.broker import BrokerLink
from gateway.budget import estimate_video_seconds
from gateway.media import check_job_media
from gateway.store import Job, JobStore, Quota, StoryTopic, new_job

logger = logging.getLogger(__name__)


class Intake:
    def __init__(
        self,
        store: JobStore,
        broker: BrokerLink,
        quota: Quota,
        on_topic: Callable[[], None] = lambda: None,
        media: MediaFolders | None = None,
    ) -> None:
        self._store = store
        self._broker = broker
        self._quota = quota
        self._on_topic = on_topic
        # Where the uploads a job lists must be; without it, jobs are not checked for them.
        self._media = media
        self._waiting: list[tuple[Job, Quota | None, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def accept(self, text: str, options: JobOptions, caller: Caller) -> Job:
        """Store and queue a new job for ``caller``.

        Raise QuotaExceeded if the caller's key has used up a quota, BrokerUnavailable if
        the job could not be queued; HTTPException 400 if it lists media the caller has not.
        """
        self._check_media(options, caller)
        job = new_job(
            str(uuid.uuid4()),
            text,
            options,
            owner=caller.key_id,
            video_seconds=estimate_video_seconds(text, options),
        )
        # Quotas are per key: admin keys, and an API without keys, have none.
        quota = None if caller.sees_all else self._quota
        # A client that disconnects must not leave a job stored but never queued.
        await asyncio.shield(self._store_then_queue(job, quota))
        return job

    async def accept_topic(self, topic: StoryTopic, options: JobOptions, caller: Caller) -> Job:
        """Store a new job whose story is still to be written, for ``caller``.

        The story worker (gateway.story.worker) writes it and queues the job; until then
        its quota counts the target length. Raise as :meth:`accept` does.
        """
        self._check_media(options, caller)
        job = new_job(
            str(uuid.uuid4()),
            "",
            options,
            owner=caller.key_id,
            video_seconds=topic.target_seconds,
            topic=topic,
        )
        quota = None if caller.sees_all else self._quota
        await asyncio.shield(self._stored(job, quota))
        with job_context(job.job_id):
            logger.info("job stored to write its story (topic of %d characters)", len(topic.topic))
        self._on_topic()
        return job

    def _check_media(self, options: JobOptions, caller: Caller) -> None:
        if options.media and self._media is not None:
            check_job_media(options, caller, self._media)

    async def _store_then_queue(self, job: Job, quota: Quota | None) -> None:
        # Stored first, so the first progress event always finds the job.
        await self._stored(job, quota)
        with job_context(job.job_id):
            try:
                await self._broker.submit(job)
            except BrokerUnavailable:
                await asyncio.to_thread(self._store.discard, job.job_id)
                raise
            logger.info("job queued (%d characters)", len(job.text))

    async def _stored(self, job: Job, quota: Quota | None) -> None:
        stored = asyncio.get_running_loop().create_future()
        self._waiting.append((job, quota, stored))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting())
        await stored

    async def _write_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                jobs = [job for job, _, _ in batch]
                quotas = [quota for _, quota, _ in batch]
                try:
                    refusals = await asyncio.to_thread(self._store.insert_all, jobs, quotas)
                except Exception as exc:
                    for _, _, stored in batch:
                        stored.set_exception(exc)
                else:
                    for (_, _, stored), refusal in zip(batch, refusals, strict=True):
                        if refusal is None:
                            stored.set_result(None)
                        else:
                            stored.set_exception(refusal)
        finally:
            self._writer = None
