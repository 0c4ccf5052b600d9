"""A job's video while it renders: its HLS playlist and segments (see svc_render.stream).

Files are found from the job's id and the data directory; a segment's name from the
request is used only once it matches the stream's strict pattern. Both are read whole,
bounded, since a restarted render may replace them at any moment. A listed segment stays
as it is (a restarted render encodes the same frames the same way), so it may be cached
for long; the playlist grows until it ends, so it is fetched afresh each time.
"""

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from common.artifacts import JobPaths
from common.errors import UnsafeArtifactPath
from gateway.deps import JobDep, SettingsDep
from gateway.schemas import ErrorBody

router = APIRouter(tags=["jobs"])

# A playlist lists a minute of 2 s segments in a few kilobytes.
MAX_PLAYLIST_BYTES = 256 * 1024
# Two seconds of 1080p at the render's quality is a few megabytes.
MAX_SEGMENT_BYTES = 64 * 1024 * 1024
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"

_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "Unknown job, or no stream (yet, or any more)"},
}


def _read(path: str, limit: int, missing: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        data = None
    if data is None or len(data) > limit:
        raise HTTPException(status_code=404, detail=missing)
    return data


def _missing_stream(paths: JobPaths) -> str:
    if paths.render_shards_dir.exists():
        return "No stream: a video this long renders in shards; download it once done"
    return "No stream: the render has not written its first segment, or the job is gone"


@router.get(
    "/jobs/{job_id:path}/stream.m3u8",
    operation_id="get_stream_playlist",
    response_class=Response,
    responses={200: {"content": {PLAYLIST_TYPE: {}}}, **_ERRORS},
)
def stream_playlist(job: JobDep, settings: SettingsDep) -> Response:
    paths = JobPaths(settings.data_dir, job.job_id)
    playlist = _read(str(paths.stream.playlist), MAX_PLAYLIST_BYTES, _missing_stream(paths))
    return Response(playlist, media_type=PLAYLIST_TYPE, headers={"Cache-Control": "no-cache"})


@router.get(
    "/jobs/{job_id:path}/stream/{segment}",
    operation_id="get_stream_segment",
    response_class=Response,
    responses={200: {"content": {"video/mp4": {}}}, **_ERRORS},
)
def stream_segment(job: JobDep, settings: SettingsDep, segment: str) -> Response:
    try:
        path = JobPaths(settings.data_dir, job.job_id).stream.named(segment)
    except UnsafeArtifactPath as exc:
        raise HTTPException(status_code=404, detail="No such segment in the stream") from exc
    data = _read(str(path), MAX_SEGMENT_BYTES, "No such segment in the stream")
    # Private: the segments are the job owner's, behind an API key. Not kept without asking:
    # a render that restarts writes its stream again, and nothing promises the same bytes.
    return Response(data, media_type="video/mp4", headers={"Cache-Control": "private, no-cache"})
