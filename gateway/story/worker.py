"""The gateway's story worker: writes the stories of jobs asked for by topic, then queues them.

Where the chat model is asked is a choice between two places. At intake, inside POST
/generate, would be simplest, but a model takes 10 to 60 s to write a story: longer than
the request deadline (T2V_REQUEST_TIMEOUT_SECONDS), and a client would hold a connection
open for it. So a topic job is accepted at once (202, status ``queued``, message "Writing
the story..."), stored with its topic and no text, and this worker writes the story:

1. claim the oldest job waiting for one, with a lease (one UPDATE, as webhook deliveries
   are claimed: several gateways on one store never write the same story twice);
2. ask the model (:mod:`gateway.story.writing`), check the story against the limits
   (T2V_MAX_VIDEO_SECONDS, T2V_MAX_RENDER_PIXEL_FRAMES) and store it on the job;
3. publish the job's first stage message, as intake does for a text, and mark the story
   done: from there the job goes on as any other.

The store keeps the topic, so the work survives the gateway: a gateway that stops gives
its claim back, and one that dies leaves a lease that runs out; either way any gateway
takes the job up again. A story stored but not yet published is published, not written
again. A job whose story cannot be written fails with "Failed at story: <why>" and no
``error_stage``: the story is not one of the five pipeline stages, whose names the API
fixes. The daily video quota counts the target length at intake, then the estimate of
the real story once it exists.
"""

import asyncio
import dataclasses
import logging
import threading
import time

from common.errors import BrokerUnavailable, ProviderUnavailable
from common.llm import ChatClient
from common.logs import job_context
from common.stages import QUEUED_MESSAGE
from gateway.broker import BrokerLink
from gateway.budget import estimate_video_seconds, over_budget
from gateway.settings import GatewaySettings
from gateway.store import Job, JobStore
from gateway.story.writing import write_story

logger = logging.getLogger(__name__)

FAILED_MESSAGE_PREFIX = "Failed at story: "
# Jobs stored by other gateways, and leases that ran out, are noticed within this.
_POLL_SECONDS = 1.0
# A story takes at most two answers of the model; past that and this margin, a gateway
# holding the job is taken to have died.
_LEASE_MARGIN_SECONDS = 30.0
# Publishing a job is confirmed in milliseconds; the publisher has its own deadline.
_PUBLISH_WAIT_SECONDS = 30.0
# At stop, a question to the model under way is not waited out: its claim is given back.
_STOP_WAIT_SECONDS = 1.0


class StoryWriter:
    """Writes stories one at a time, on a thread, while the gateway has a chat model."""

    def __init__(self, settings: GatewaySettings, store: JobStore, broker: BrokerLink) -> None:
        self._settings = settings
        self._store = store
        self._broker = broker
        self._chat = ChatClient.of(settings)
        self._lease_seconds = settings.llm_timeout_seconds * 2 + _LEASE_MARGIN_SECONDS
        self._loop: asyncio.AbstractEventLoop | None = None
        self._held: tuple[str, float] | None = None  # the job being written, and its lease
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-stories", daemon=True)

    def start(self) -> None:
        """Start writing; called on the event loop, which publishes the jobs."""
        if self._chat is not None:
            self._loop = asyncio.get_running_loop()
            self._thread.start()

    def wake(self) -> None:
        """A job waits for its story: look now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Stop claiming, and give the job being written back for any gateway to take up."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(_STOP_WAIT_SECONDS)
        held = self._held
        if held is not None:
            job_id, lease = held
            with job_context(job_id):
                if self._store.release_story(job_id, lease):
                    logger.info("stopping: the story is left for the next gateway to write")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                took_one = self._write_next()
            except Exception:
                # Without this the thread would end and no story would be written again.
                logger.exception("writing a story failed; trying again later")
                took_one = False
            if not took_one:
                self._wake.wait(_POLL_SECONDS)
                self._wake.clear()

    def _write_next(self) -> bool:
        now = time.time()
        lease = now + self._lease_seconds
        job = self._store.claim_story(now, lease)
        if job is None:
            return False
        self._held = (job.job_id, lease)
        try:
            with job_context(job.job_id):
                self._write(job, lease)
        finally:
            self._held = None
        return True

    def _write(self, job: Job, lease: float) -> None:
        # Stored by a gateway that stopped before publishing it: published, not rewritten.
        if not job.text:
            story = self._story_of(job, lease)
            if story is None or self._stop.is_set():
                return
            job = dataclasses.replace(
                job, text=story, video_seconds=estimate_video_seconds(story, job.options)
            )
            if not self._store.write_story(
                job.job_id, lease, job.text, job.video_seconds, QUEUED_MESSAGE
            ):
                logger.info(
                    "the job ended, or went to another gateway, while its story was written"
                )
                return
            logger.info("story written (%d characters)", len(job.text))
        assert self._loop is not None
        try:
            published = asyncio.run_coroutine_threadsafe(self._broker.submit(job), self._loop)
            published.result(_PUBLISH_WAIT_SECONDS)
        except (BrokerUnavailable, TimeoutError) as exc:
            # The lease runs out and the job is taken up again: the story is kept.
            logger.warning("cannot queue the job yet (%s); it is tried again later", exc)
            return
        self._store.story_published(job.job_id, lease)
        logger.info("job queued (%d characters)", len(job.text))

    def _story_of(self, job: Job, lease: float) -> str | None:
        """The job's story, or None once the job has failed for want of one."""
        assert self._chat is not None and job.topic is not None
        try:
            story = write_story(
                self._chat, job.topic, job.options.language, self._settings.max_text_chars
            )
        except ProviderUnavailable as exc:
            self._fail(job, lease, f"the chat model {self._chat.model} failed: {exc}")
            return None
        too_costly = over_budget(
            story,
            job.options,
            self._settings.max_video_seconds,
            self._settings.max_render_pixel_frames,
        )
        if too_costly is not None:
            self._fail(job, lease, too_costly)
            return None
        return story

    def _fail(self, job: Job, lease: float, reason: str) -> None:
        if self._stop.is_set():
            return  # the claim is given back, for the next gateway to try
        if self._store.fail_story(job.job_id, lease, FAILED_MESSAGE_PREFIX + reason):
            logger.error("job failed: %s%s", FAILED_MESSAGE_PREFIX, reason)
