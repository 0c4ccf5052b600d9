"""A job's captions as subtitle files, and its poster image.

Files are found from the job's id and the data directory, never from the request. The
captions live in the job's work folder, which retention deletes a while after the job
finished; the poster lives beside the video and goes with it.
"""

import time

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from common.artifacts import JobPaths
from common.documents import Captions, load_document
from common.errors import StageError
from gateway.deps import JobDep, RetentionDep, SettingsDep
from gateway.schemas import ErrorBody
from gateway.store import TERMINAL_STATUSES, Job
from gateway.subtitles import cues_of, subrip, webvtt

router = APIRouter(tags=["jobs"])

# Far above what the longest video's captions take; a larger file is not ours to parse.
MAX_CAPTIONS_BYTES = 16 * 1024 * 1024
# A 640-pixel-wide JPEG is far smaller.
MAX_THUMBNAIL_BYTES = 4 * 1024 * 1024

_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Not made yet"},
    404: {"model": ErrorBody, "description": "Unknown job, or no longer available"},
}


def _captions(job: Job, paths: JobPaths) -> Captions:
    """The captions the captions stage wrote: 400 before it did, 404 once they are gone."""
    try:
        size = paths.captions.stat().st_size
    except FileNotFoundError:
        size = None
    if size is None:
        if job.status in TERMINAL_STATUSES:
            raise HTTPException(status_code=404, detail="Captions not available")
        raise HTTPException(status_code=400, detail="Captions not ready")
    if size > MAX_CAPTIONS_BYTES:
        raise HTTPException(status_code=404, detail="Captions not available")
    try:
        return load_document(Captions, paths.captions)
    except StageError as exc:  # removed meanwhile, or not a captions document
        raise HTTPException(status_code=404, detail="Captions not available") from exc


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get(
    "/jobs/{job_id:path}/captions.srt",
    operation_id="get_captions_srt",
    response_class=Response,
    responses={200: {"content": {"application/x-subrip": {}}}, **_ERRORS},
)
def captions_srt(job: JobDep, settings: SettingsDep) -> Response:
    captions = _captions(job, JobPaths(settings.data_dir, job.job_id))
    return Response(
        subrip(cues_of(captions.groups)),
        media_type="application/x-subrip",
        headers=_attachment(f"captions_{job.job_id}.srt"),
    )


@router.get(
    "/jobs/{job_id:path}/captions.vtt",
    operation_id="get_captions_vtt",
    response_class=Response,
    responses={200: {"content": {"text/vtt": {}}}, **_ERRORS},
)
def captions_vtt(job: JobDep, settings: SettingsDep) -> Response:
    captions = _captions(job, JobPaths(settings.data_dir, job.job_id))
    return Response(
        webvtt(cues_of(captions.groups)),
        media_type="text/vtt; charset=utf-8",
        headers=_attachment(f"captions_{job.job_id}.vtt"),
    )


@router.get(
    "/jobs/{job_id:path}/thumbnail.jpg",
    operation_id="get_thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, **_ERRORS},
)
def thumbnail(job: JobDep, settings: SettingsDep, retention: RetentionDep) -> Response:
    if retention.video_expired(job, time.time()):
        raise HTTPException(status_code=404, detail="Thumbnail not available")
    try:
        # Read whole, not streamed: a poster is a few tens of kilobytes, and retention may
        # delete the file at any moment.
        with JobPaths(settings.data_dir, job.job_id).thumbnail.open("rb") as poster:
            jpeg = poster.read(MAX_THUMBNAIL_BYTES + 1)
    except FileNotFoundError:
        jpeg = None
    if jpeg is None or len(jpeg) > MAX_THUMBNAIL_BYTES:
        if job.status in TERMINAL_STATUSES:
            raise HTTPException(status_code=404, detail="Thumbnail not available")
        raise HTTPException(status_code=400, detail="Thumbnail not ready")
    return Response(
        jpeg, media_type="image/jpeg", headers=_attachment(f"thumbnail_{job.job_id}.jpg")
    )
