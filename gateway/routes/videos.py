"""A finished job's video."""

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from gateway.deps import JobDep, SettingsDep
from gateway.schemas import ErrorBody
from gateway.store import finished_video

router = APIRouter(tags=["videos"])


@router.get(
    "/download/{job_id:path}",
    response_class=FileResponse,
    responses={
        200: {"content": {"video/mp4": {}}},
        400: {"model": ErrorBody},
        404: {"model": ErrorBody},
    },
)
def download_video(job: JobDep, settings: SettingsDep) -> FileResponse:
    video = finished_video(job, settings.data_dir)
    if video is None:
        raise HTTPException(status_code=400, detail="Video not ready for download")
    return FileResponse(video, media_type="video/mp4", filename=f"generated_video_{job.job_id}.mp4")
