"""A job's video while it renders: its HLS playlist and segments (see svc_render.stream).

Files are found from the job's id and the data directory; a segment's name from the
request is used only once it matches the stream's strict pattern. Both are read whole,
bounded, since a restarted render may replace them at any moment. The playlist grows
until it ends, so it is fetched afresh each time. A video rendered in shards streams in
parts, one a shard, whose playlists are joined here on each request (common.hls).
"""

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from common.artifacts import JobPaths, StreamFiles
from common.errors import UnsafeArtifactPath
from common.hls import MediaPlaylist, joined_parts, read_media_playlist
from common.messages import MAX_SHARDS
from gateway.deps import JobDep, SettingsDep
from gateway.schemas import ErrorBody

router = APIRouter(tags=["jobs"])

# A playlist lists a minute of 2 s segments in a few kilobytes.
MAX_PLAYLIST_BYTES = 256 * 1024
# Two seconds of 1080p at the render's quality is a few megabytes.
MAX_SEGMENT_BYTES = 64 * 1024 * 1024
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
# Where the playlist's files are, relative to it: /jobs/<id>/stream/<segment>.
SEGMENTS_FOLDER = "stream/"

_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "Unknown job, or no stream (yet, or any more)"},
}


NO_STREAM = "No stream: the render has not written its first segment, or the job is gone"


def _read(path: str, limit: int) -> bytes | None:
    """The file, or None when it is not there or over ``limit`` bytes."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        return None
    return data if len(data) <= limit else None


def _playlist_of(stream: StreamFiles) -> bytes | None:
    """The render's own playlist, or one joined from the parts of a render in shards; its
    files named under ``stream/``, where this router serves them."""
    whole = _media_playlist(stream)
    if whole is not None:
        return whole.text(SEGMENTS_FOLDER).encode()
    count_text = _read(str(stream.parts_count), 16)
    if count_text is None or not count_text.strip().isdigit():
        return None
    count = int(count_text)
    if not 1 <= count <= MAX_SHARDS:
        return None

    joined = joined_parts(lambda index: _media_playlist(stream.part(index)), count, SEGMENTS_FOLDER)
    return None if joined is None else joined.encode()


def _media_playlist(files: StreamFiles) -> MediaPlaylist | None:
    text = _read(str(files.playlist), MAX_PLAYLIST_BYTES)
    return None if text is None else read_media_playlist(text.decode("utf-8", "replace"))


@router.get(
    "/jobs/{job_id:path}/stream.m3u8",
    operation_id="get_stream_playlist",
    response_class=Response,
    responses={200: {"content": {PLAYLIST_TYPE: {}}}, **_ERRORS},
)
def stream_playlist(job: JobDep, settings: SettingsDep) -> Response:
    playlist = _playlist_of(JobPaths(settings.data_dir, job.job_id).stream)
    if playlist is None:
        raise HTTPException(status_code=404, detail=NO_STREAM)
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
    data = _read(str(path), MAX_SEGMENT_BYTES)
    if data is None:
        raise HTTPException(status_code=404, detail="No such segment in the stream")
    # Private: the segments are the job owner's, behind an API key. Not kept without asking:
    # a render that restarts writes its stream again, and nothing promises the same bytes.
    return Response(data, media_type="video/mp4", headers={"Cache-Control": "private, no-cache"})
