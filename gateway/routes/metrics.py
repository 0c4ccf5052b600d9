"""GET /metrics: the service's figures in Prometheus' text format (see gateway.metrics)."""

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["probes"])


# Left out of the OpenAPI schema: its body is Prometheus' text format, not JSON.
@router.get("/metrics", operation_id="metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Jobs by status, stage and completion durations, queue depths."""
    # The store and the broker answer in blocking calls: off the event loop.
    body = await asyncio.to_thread(generate_latest, request.app.state.metrics)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
