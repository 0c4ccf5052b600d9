"""A finished job's video, whole or in byte ranges."""

import os
import time

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse
from starlette.datastructures import Headers
from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable, Response
from starlette.types import Receive, Scope, Send

from gateway.deps import JobDep, RetentionDep, SettingsDep
from gateway.errors import error_response
from gateway.retention import available_video
from gateway.schemas import ErrorBody

router = APIRouter(tags=["videos"])


class VideoResponse(FileResponse):
    """A file response whose refusal of a ``Range`` header is a JSON error like any other.

    Starlette answers a malformed range with a plain-text 400 and an unsatisfiable one with
    an empty 416, from inside the response, where no error handler sees them. This checks
    the header first, in the same cases and with the same parser as Starlette, so what it
    lets through Starlette serves (206 for a valid range), and what it stops gets 416 with
    ``Content-Range: bytes */<size>`` and an ``{"error": ...}`` body.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self._range_refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _range_refusal(self, scope: Scope) -> Response | None:
        headers = Headers(scope=scope)
        http_range = headers.get("range")
        if_range = headers.get("if-range")
        if (
            http_range is None
            or self.stat_result is None
            or scope["method"].upper() not in ("GET", "HEAD")
            # A stale If-Range asks for the whole file instead, whatever the range says.
            or (if_range is not None and not self._should_use_range(if_range))
        ):
            return None
        size = self.stat_result.st_size
        try:
            self._parse_range_header(http_range, size)
        except MalformedRangeHeader:
            reason = f"Invalid Range header: ask for bytes=<first>-<last> of the {size} bytes"
        except RangeNotSatisfiable:
            reason = f"Range not satisfiable: the video is {size} bytes"
        else:
            return None
        return error_response(416, reason, {"Content-Range": f"bytes */{size}"})


@router.get(
    "/download/{job_id:path}",
    operation_id="download_video",
    response_class=VideoResponse,
    responses={
        200: {"content": {"video/mp4": {}}},
        206: {"description": "The byte ranges asked for", "content": {"video/mp4": {}}},
        400: {"model": ErrorBody},
        404: {"model": ErrorBody},
        416: {"model": ErrorBody},
    },
)
def download_video(job: JobDep, settings: SettingsDep, retention: RetentionDep) -> VideoResponse:
    now = time.time()
    if retention.video_expired(job, now):
        raise HTTPException(status_code=404, detail="Video no longer available")
    video = available_video(job, settings.data_dir, retention, now)
    if video is None:
        raise HTTPException(status_code=400, detail="Video not ready for download")
    try:
        # Taken now, so the Range header can be checked against the size before sending.
        stat_result = os.stat(video)
    except FileNotFoundError as exc:  # expired between the check and here
        raise HTTPException(status_code=400, detail="Video not ready for download") from exc
    return VideoResponse(
        video,
        media_type="video/mp4",
        filename=f"generated_video_{job.job_id}.mp4",
        stat_result=stat_result,
    )
