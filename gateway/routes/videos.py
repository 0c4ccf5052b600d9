"""A finished job's video."""

import time

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from gateway.deps import JobDep, RetentionDep, SettingsDep
from gateway.retention import available_video
from gateway.schemas import ErrorBody

router = APIRouter(tags=["videos"])


@router.get(
    "/download/{job_id:path}",
    operation_id="download_video",
    response_class=FileResponse,
    responses={
        200: {"content": {"video/mp4": {}}},
        400: {"model": ErrorBody},
        404: {"model": ErrorBody},
    },
)
def download_video(job: JobDep, settings: SettingsDep, retention: RetentionDep) -> FileResponse:
    now = time.time()
    if retention.video_expired(job, now):
        raise HTTPException(status_code=404, detail="Video no longer available")
    video = available_video(job, settings.data_dir, retention, now)
    if video is None:
        raise HTTPException(status_code=400, detail="Video not ready for download")
    return FileResponse(video, media_type="video/mp4", filename=f"generated_video_{job.job_id}.mp4")
