"""Accepting a job: store it, then queue it, or forget it if it cannot be queued.

Under load many requests arrive while the previous store write is still syncing to disk;
they are written together in the next transaction (a group commit), so each disk sync
serves all of them, and the sync happens on a worker thread rather than in the event loop.
"""

import asyncio
import logging
import uuid

from common.errors import BrokerUnavailable
from common.logs import job_context
from common.messages import JobOptions
from gateway.broker import BrokerLink
from gateway.store import Job, JobStore, new_job

logger = logging.getLogger(__name__)


class Intake:
    def __init__(self, store: JobStore, broker: BrokerLink) -> None:
        self._store = store
        self._broker = broker
        self._waiting: list[tuple[Job, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def accept(self, text: str, options: JobOptions) -> Job:
        """Store and queue a new job; raise BrokerUnavailable if it could not be queued."""
        job = new_job(str(uuid.uuid4()), text, options)
        # A client that disconnects must not leave a job stored but never queued.
        await asyncio.shield(self._store_then_queue(job))
        return job

    async def _store_then_queue(self, job: Job) -> None:
        # Stored first, so the first progress event always finds the job.
        await self._stored(job)
        with job_context(job.job_id):
            try:
                await self._broker.submit(job)
            except BrokerUnavailable:
                await asyncio.to_thread(self._store.discard, job.job_id)
                raise
            logger.info("job queued (%d characters)", len(job.text))

    async def _stored(self, job: Job) -> None:
        stored = asyncio.get_running_loop().create_future()
        self._waiting.append((job, stored))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting())
        await stored

    async def _write_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await asyncio.to_thread(self._store.insert_all, [job for job, _ in batch])
                except Exception as exc:
                    for _, stored in batch:
                        stored.set_exception(exc)
                else:
                    for _, stored in batch:
                        stored.set_result(None)
        finally:
            self._writer = None
