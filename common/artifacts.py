"""Where a job's artifacts live on the shared volume, and how they are written safely.

Paths in messages are relative to the data directory so every process may mount the
volume wherever it likes. A message is untrusted, so a path it names is used only once it
proves to lie inside its job's folder. Writes go to a temporary file that is flushed,
fsynced and renamed into place, so an artifact that exists is complete.
"""

import contextlib
import glob
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from common.errors import UnsafeArtifactPath
from common.messages import MAX_SHARDS


class JobPaths:
    """The files of one job under ``data_dir``."""

    def __init__(self, data_dir: Path, job_id: str) -> None:
        self.data_dir = data_dir
        self.job_id = job_id
        self.work_dir = data_dir / "work" / job_id

    @property
    def cancel_marker(self) -> Path:
        """Present once the job is cancelled: stages that see it skip or stop their work.

        Outside the work folder, which retention deletes while a late message for the job
        may still be on its way; the marker stays as long as the job's record does.
        """
        return cancel_markers_dir(self.data_dir) / self.job_id

    def is_cancelled(self) -> bool:
        # The work folder held the marker before it moved; a job cancelled by the earlier
        # version must stay cancelled across the upgrade.
        return self.cancel_marker.exists() or (self.work_dir / "cancelled").exists()

    @property
    def audio(self) -> Path:
        return self.work_dir / f"audio_{self.job_id}.wav"

    @property
    def speech_timing(self) -> Path:
        return self.work_dir / "speech_timing.json"

    @property
    def captions(self) -> Path:
        return self.work_dir / "captions.json"

    @property
    def queries(self) -> Path:
        return self.work_dir / "queries.json"

    @property
    def footage_dir(self) -> Path:
        return self.work_dir / "footage"

    @property
    def footage_manifest(self) -> Path:
        return self.footage_dir / "manifest.json"

    @property
    def render_shards_dir(self) -> Path:
        """The parts of a video rendered in shards (see svc_render.shards), until joined."""
        return self.work_dir / "render"

    def render_shard(self, index: int) -> Path:
        """Shard ``index``'s video, the frames of its range alone; the index is checked here."""
        if not 0 <= index < MAX_SHARDS:
            raise UnsafeArtifactPath(f"there is no shard {index}")
        return self.render_shards_dir / f"shard_{index:04d}.mp4"

    @property
    def stream(self) -> "StreamFiles":
        """The video as it is rendered, for playing before it is done (svc_render.stream)."""
        return StreamFiles(self.work_dir / "stream")

    @property
    def video(self) -> Path:
        return output_video_path(self.data_dir, self.job_id)

    @property
    def thumbnail(self) -> Path:
        return output_thumbnail_path(self.data_dir, self.job_id)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.data_dir).as_posix()

    def resolve(self, relative: str) -> Path:
        """The file a message names by ``relative``, which must lie inside the work folder.

        Raises UnsafeArtifactPath for an absolute path, one with ``..``, or one that a
        symbolic link leads out of the folder, so a message cannot make a stage read
        (or overwrite) another job's files or anything else on the machine.
        """
        named = PurePosixPath(relative)
        if named.is_absolute() or ".." in named.parts or "\0" in relative:
            raise UnsafeArtifactPath(f"the artifact path {relative!r} is not a plain relative path")
        path = self.data_dir / named
        try:
            inside = path.resolve().is_relative_to(self.work_dir.resolve())
        except (OSError, RuntimeError):  # a loop of symbolic links
            inside = False
        if not inside:
            raise UnsafeArtifactPath(
                f"the artifact path {relative!r} leads outside the job's folder"
            )
        return path


class StreamFiles:
    """An HLS playlist, its init segment and its media segments, all in one folder.

    A video rendered in shards streams in parts, one a shard, side by side in the folder:
    part ``k``'s files carry the prefix ``part_<k>_`` and its playlist is ``part_<k>.m3u8``;
    the ``parts`` file says how many there are (see common.hls for how they are joined).
    """

    PLAYLIST = "stream.m3u8"
    PARTS = "parts"
    # The names the gateway serves; nothing else in the folder is ever served.
    SEGMENT_NAME = re.compile(r"(?:part_[0-9]{3}_)?(?:init\.mp4|segment_[0-9]{5}\.m4s)")

    def __init__(self, folder: Path, part: int | None = None) -> None:
        if part is not None and not 0 <= part < MAX_SHARDS:
            raise UnsafeArtifactPath(f"there is no stream part {part}")
        self.folder = folder
        self._prefix = "" if part is None else f"part_{part:03d}_"
        self._playlist_name = self.PLAYLIST if part is None else f"part_{part:03d}.m3u8"

    def part(self, index: int) -> "StreamFiles":
        return StreamFiles(self.folder, index)

    @property
    def parts_count(self) -> Path:
        return self.folder / self.PARTS

    @property
    def playlist(self) -> Path:
        return self.folder / self._playlist_name

    @property
    def init(self) -> Path:
        return self.folder / f"{self._prefix}init.mp4"

    def segment(self, index: int) -> Path:
        if not 0 <= index < 100_000:
            raise UnsafeArtifactPath(f"there is no segment {index}")
        return self.folder / f"{self._prefix}segment_{index:05d}.m4s"

    def named(self, name: str) -> Path:
        """The init or a media segment by the name the playlist gives it; checked here."""
        if not self.SEGMENT_NAME.fullmatch(name):
            raise UnsafeArtifactPath(f"{name!r} is not a segment of the stream")
        return self.folder / name

    def clear(self) -> None:
        """A fresh start: the playlist goes first, so it never lists a segment that is gone.

        A part clears only its own files; the whole stream clears every part too.
        """
        self.playlist.unlink(missing_ok=True)
        if self.folder.is_dir():
            for leftover in self.folder.iterdir():
                name = leftover.name.lstrip(".")
                if name.startswith((self._prefix, self._playlist_name)):
                    leftover.unlink(missing_ok=True)
        self.folder.mkdir(parents=True, exist_ok=True)


def cancel_markers_dir(data_dir: Path) -> Path:
    return data_dir / "cancelled"


def footage_cache_dir(data_dir: Path) -> Path:
    """Downloaded clips, shared by every job and every copy of the footage service."""
    return data_dir / "cache" / "footage"


def output_video_path(data_dir: Path, job_id: str) -> Path:
    return data_dir / "output" / f"video_{job_id}.mp4"


def output_thumbnail_path(data_dir: Path, job_id: str) -> Path:
    """The video's poster image, kept beside it and for as long."""
    return data_dir / "output" / f"thumbnail_{job_id}.jpg"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success make it ``target`` durably.

    The temporary name keeps the suffix so writers that pick a format from it still work.
    On an exception the partial file is removed and ``target`` is left untouched; a
    partial file left by a process killed mid-write is removed by the next attempt.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob(f".{glob.escape(target.stem)}.*.tmp{target.suffix}"):
        leftover.unlink(missing_ok=True)
    temporary = target.with_name(f".{target.stem}.{uuid.uuid4().hex}.tmp{target.suffix}")
    try:
        yield temporary
        _fsync_file(temporary)
        os.replace(temporary, target)
        _fsync_dir(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
