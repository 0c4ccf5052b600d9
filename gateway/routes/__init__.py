"""The API's routes, one module per resource: the API under ``/api/v1``, probes at the root.

The probes and ``/api/v1/health`` answer without an API key, so orchestrators and load
balancers need none; everything else under ``/api/v1`` needs one when keys are set.
"""

from typing import Any

from fastapi import APIRouter, Depends

from gateway.access import require_key
from gateway.routes import (
    captions,
    events,
    health,
    jobs,
    media,
    metrics,
    probes,
    status,
    stream,
    videos,
    voices,
)
from gateway.schemas import ErrorBody

_KEY_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or invalid API key"},
    429: {"model": ErrorBody, "description": "Too many failed authentication attempts"},
}

api_router = APIRouter(prefix="/api/v1")
MEDIA_UPLOAD_PATH = "/api/v1/media"
# Before the jobs routes: their "/jobs/{job_id:path}" would take ".../events" for an id.
api_router.include_router(
    events.router, dependencies=[Depends(require_key)], responses=_KEY_REFUSED
)
api_router.include_router(
    captions.router, dependencies=[Depends(require_key)], responses=_KEY_REFUSED
)
api_router.include_router(
    stream.router, dependencies=[Depends(require_key)], responses=_KEY_REFUSED
)
api_router.include_router(jobs.router, dependencies=[Depends(require_key)], responses=_KEY_REFUSED)
api_router.include_router(
    videos.router, dependencies=[Depends(require_key)], responses=_KEY_REFUSED
)
api_router.include_router(media.router, dependencies=[Depends(require_key)], responses=_KEY_REFUSED)
api_router.include_router(
    voices.router, dependencies=[Depends(require_key)], responses=_KEY_REFUSED
)
api_router.include_router(health.router)

probe_router = probes.router
# Totals of every tenant's jobs, but no job's id or text: any valid key may scrape them.
metrics_router = APIRouter(dependencies=[Depends(require_key)])
metrics_router.include_router(metrics.router)
plain_routes = [status.route]
