"""The FastAPI application: routes, error bodies, and the resources that live with it."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Route

from common.user_media import MediaFolders
from gateway.access import ApiKeys
from gateway.broker import BrokerLink
from gateway.clients import ClientNetworks
from gateway.errors import install_error_handlers
from gateway.http_metrics import HttpMetrics, HttpMetricsMiddleware
from gateway.intake import Intake
from gateway.mcp.http import PATH as MCP_PATH
from gateway.mcp.http import McpEndpoint
from gateway.metrics import JobCollector, metrics_registry
from gateway.openapi import install_openapi
from gateway.rate_limit import RateLimiter
from gateway.retention import RetentionSweeper
from gateway.routes import MEDIA_UPLOAD_PATH, api_router, metrics_router, plain_routes, probe_router
from gateway.routes.studio import install_studio
from gateway.settings import GatewaySettings
from gateway.store import Quota, open_job_store
from gateway.story.worker import StoryWriter
from gateway.timeouts import RequestTimeoutMiddleware
from gateway.webhooks.deliverer import WebhookDeliverer

# Long enough for a healthy local broker to accept the connection, short enough that a
# gateway started before its broker still comes up promptly and answers 503 meanwhile.
_FIRST_CONNECTION_WAIT = 5.0


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    app_settings = settings if settings is not None else GatewaySettings()
    mcp_endpoint = McpEndpoint(app_settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await asyncio.to_thread(open_job_store, app_settings)
        broker = BrokerLink(app_settings, store)
        sweeper = RetentionSweeper(app_settings, store)
        webhooks = WebhookDeliverer(app_settings, store)
        stories = StoryWriter(app_settings, store, broker)
        app.state.store = store
        app.state.broker = broker
        job_metrics = JobCollector(store, broker)
        registry.register(job_metrics)
        quota = Quota(
            running_jobs=app_settings.max_running_jobs_per_key,
            video_seconds_per_day=app_settings.video_seconds_per_day_per_key,
        )
        app.state.intake = Intake(
            store, broker, quota, on_topic=stories.wake, media=MediaFolders(app_settings.data_dir)
        )
        await broker.start(_FIRST_CONNECTION_WAIT)
        sweeper.start()
        webhooks.start()
        stories.start()
        try:
            async with mcp_endpoint.running():
                yield
        finally:
            await asyncio.to_thread(stories.stop)
            await asyncio.to_thread(sweeper.stop)
            await asyncio.to_thread(webhooks.stop)
            await broker.stop()
            registry.unregister(job_metrics)
            store.close()

    registry = metrics_registry()
    # The docs are served from this process's own files (see gateway.routes.studio).
    app = FastAPI(
        title="Text to video", version="1", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = app_settings
    app.state.metrics = registry
    app.state.http_metrics = HttpMetrics(registry)
    app.state.api_keys = ApiKeys(
        (key.get_secret_value() for key in app_settings.api_keys),
        (key.get_secret_value() for key in app_settings.admin_api_keys),
    )
    app.state.client_networks = ClientNetworks(app_settings.trusted_proxies)
    app.state.rate_limiter = RateLimiter(app_settings.rate_limit_per_minute)
    app.state.auth_failures = RateLimiter(app_settings.auth_failures_per_minute)
    app.include_router(api_router)
    app.include_router(probe_router)
    app.include_router(metrics_router)
    # A plain route: the MCP tools describe themselves, not in the OpenAPI document.
    app.router.routes.append(Route(MCP_PATH, mcp_endpoint))
    install_studio(app)
    # First, so the most frequent request is matched before any other route is tried.
    app.router.routes[:0] = plain_routes
    app.add_middleware(
        RequestTimeoutMiddleware,
        timeout_seconds=app_settings.request_timeout_seconds,
        # An upload of the largest file a slow connection sends takes minutes.
        slower_paths={MEDIA_UPLOAD_PATH: app_settings.media_upload_timeout_seconds},
    )
    # Outermost, so that it also counts what the deadline answers.
    app.add_middleware(HttpMetricsMiddleware, metrics=app.state.http_metrics)
    install_error_handlers(app)
    install_openapi(app, app_settings.max_text_chars)
    return app
