"""GET /api/v1/jobs/<job_id>/events: a job's changes pushed as Server-Sent Events.

Events are derived from the job store, polled, never from the progress messages this
process consumes: with several gateway processes, or after a restart, another process may
have consumed them. Polling also coalesces bursts (a render's frame counter) into at most
a few events a second.

Each event's id is a number that only grows along a job's life: the job's ``updated_at`` in
microseconds times 32, plus one bit for each stage whose report the stream has sent (five
stages). A client reconnecting with ``Last-Event-ID`` gets only what that id has not seen.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from prometheus_client import Gauge

from common.messages import StageReport
from common.stages import STAGE_NAMES
from gateway.deps import JobDep
from gateway.schemas import ErrorBody
from gateway.store import TERMINAL_STATUSES, Job, JobStore

router = APIRouter(tags=["jobs"])

# Cheap enough to poll (one indexed read), and fast enough that a timeline looks live.
POLL_SECONDS = 0.25
# A stream then ends without a terminal event; an EventSource reconnects with its last id.
MAX_STREAM_SECONDS = 3600.0
_STAGE_BITS = len(STAGE_NAMES)
# Longer than any id this stream sends, so a client cannot make us parse a huge number.
_MAX_ID_DIGITS = 24


class _Position:
    """What a client has seen: the state as of ``updated_us``, and the stages in ``stages``."""

    def __init__(self, updated_us: int, stages: int) -> None:
        self.updated_us = updated_us
        self.stages = stages

    @classmethod
    def parse(cls, last_event_id: str | None) -> "_Position":
        """The position an id names; nothing seen for a missing or malformed one."""
        if last_event_id is None or not last_event_id.isdigit():
            return cls(-1, 0)
        if len(last_event_id) > _MAX_ID_DIGITS:
            return cls(-1, 0)
        number = int(last_event_id)
        return cls(number >> _STAGE_BITS, number & ((1 << _STAGE_BITS) - 1))

    @property
    def event_id(self) -> int:
        return (self.updated_us << _STAGE_BITS) | self.stages


def _microseconds(job: Job) -> int:
    return round(job.updated_at * 1_000_000)


def _state(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "error_stage": job.error_stage,
    }


def _event(name: str, event_id: int, data: dict[str, Any]) -> str:
    return f"id: {event_id}\nevent: {name}\ndata: {json.dumps(data)}\n\n"


def _changes(job: Job, reports: dict[str, StageReport], seen: _Position, first: bool) -> list[str]:
    """The events that bring a client at ``seen`` up to ``job``; ``seen`` moves along.

    Stages first, so that a terminal event is always the last one.
    """
    events = []
    for bit, stage in enumerate(STAGE_NAMES):
        report = reports.get(stage)
        if report is None or seen.stages & (1 << bit):
            continue
        seen.stages |= 1 << bit
        data = {**_state(job), "stage": stage, **report.model_dump()}
        events.append(_event("stage", seen.event_id, data))
    updated_us = _microseconds(job)
    if updated_us > seen.updated_us:
        seen.updated_us = updated_us
        name: str = "state" if first else "progress"
        if job.status in TERMINAL_STATUSES:
            name = job.status
        events.append(_event(name, seen.event_id, _state(job)))
    return events


async def _stream(
    store: JobStore, job_id: str, seen: _Position, heartbeat_seconds: float
) -> AsyncIterator[str]:
    started = last_sent = time.monotonic()
    first = True
    while True:
        snapshot = await asyncio.to_thread(store.get_with_stages, job_id)
        if snapshot is None:
            return  # removed meanwhile: nothing more will happen to it
        job, reports = snapshot
        events = _changes(job, reports, seen, first)
        first = False
        now = time.monotonic()
        if events:
            yield "".join(events)
            last_sent = now
        elif now - last_sent >= heartbeat_seconds:
            yield ": keep-alive\n\n"
            last_sent = now
        if job.status in TERMINAL_STATUSES or now - started >= MAX_STREAM_SECONDS:
            return
        # A client that goes away cancels this sleep: the response stops the stream.
        await asyncio.sleep(POLL_SECONDS)


async def _counted(stream: AsyncIterator[str], open_streams: Gauge) -> AsyncIterator[str]:
    open_streams.inc()
    try:
        async for chunk in stream:
            yield chunk
    finally:
        # Also when the client goes away: the server then cancels the stream.
        open_streams.dec()


@router.get(
    "/jobs/{job_id:path}/events",
    operation_id="job_events",
    response_class=StreamingResponse,
    response_description=(
        "A text/event-stream: the job's state, then an event per change, ending after "
        "a completed or failed event"
    ),
    responses={
        200: {"content": {"text/event-stream": {}}},
        404: {"model": ErrorBody, "description": "Job not found"},
    },
)
async def job_events(
    job: JobDep,
    request: Request,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    seen = _Position.parse(last_event_id)
    heartbeat_seconds = request.app.state.settings.events_heartbeat_seconds
    stream = _stream(request.app.state.store, job.job_id, seen, heartbeat_seconds)
    return StreamingResponse(
        _counted(stream, request.app.state.http_metrics.event_streams),
        media_type="text/event-stream",
        # Proxies must pass each event on as it comes, not buffer the stream.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
