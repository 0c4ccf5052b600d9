"""``t2v mcp``: the tools over stdin and stdout, served from this machine's own pieces.

The process builds what a gateway worker builds from the same settings (the job store in
the data directory or on PostgreSQL, a link to the broker, an intake) and acts like one
more worker: it queues jobs, applies the progress it consumes to the shared store, writes
the stories of topic jobs and sends webhook events. It runs no retention sweep; the
gateway does. Stdout carries the protocol only: logs go to stderr.
"""

import asyncio

from common.user_media import MediaFolders
from gateway.access import Caller
from gateway.broker import BrokerLink
from gateway.intake import Intake
from gateway.mcp.service import Call, Service
from gateway.mcp.tools import build_server
from gateway.rate_limit import RateLimiter
from gateway.settings import GatewaySettings
from gateway.store import Quota, open_job_store
from gateway.story.worker import StoryWriter
from gateway.webhooks.deliverer import WebhookDeliverer

# Whoever can start this process can read the data directory and the job store itself,
# so it acts for the operator, as an admin key does: every job, no quotas.
LOCAL_OPERATOR = Caller(key_id=None, sees_all=True, client="local mcp")
# As the gateway waits at start: a broker that is down delays start-up by one attempt.
_FIRST_CONNECTION_WAIT = 5.0


async def serve_stdio(settings: GatewaySettings) -> None:
    """Serve the tools on stdin and stdout until the client closes stdin."""
    store = open_job_store(settings)
    broker = BrokerLink(settings, store)
    quota = Quota(
        running_jobs=settings.max_running_jobs_per_key,
        video_seconds_per_day=settings.video_seconds_per_day_per_key,
    )
    stories = StoryWriter(settings, store, broker)
    webhooks = WebhookDeliverer(settings, store)
    intake = Intake(
        store, broker, quota, on_topic=stories.wake, media=MediaFolders(settings.data_dir)
    )
    service = Service(settings, store, intake, RateLimiter(settings.rate_limit_per_minute))
    call = Call(service, LOCAL_OPERATOR)
    server = build_server(lambda _ctx: call, settings.max_text_chars)
    await broker.start(_FIRST_CONNECTION_WAIT)
    stories.start()
    webhooks.start()
    try:
        await server.run_stdio_async()
    finally:
        await asyncio.to_thread(stories.stop)
        await asyncio.to_thread(webhooks.stop)
        await broker.stop()
        store.close()
