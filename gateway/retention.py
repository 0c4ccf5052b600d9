"""How long a finished job's files are kept, and the sweeper that deletes them afterwards.

Job records stay in the store for good (they are small, and a client polling an old job
should still learn how it ended); only files on the shared volume expire. Cancel markers
(``cancelled/<job_id>``) stay like the records, so a late message of a cancelled job is
still skipped. Files of jobs that are still queued or running are never touched: stages
may be writing them.
"""

import logging
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from common.artifacts import JobPaths, footage_cache_dir, output_video_path
from common.logs import job_context
from common.user_media import MediaFolders, read_record
from gateway.settings import GatewaySettings
from gateway.store import Job, JobStore

logger = logging.getLogger(__name__)

_SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Retention:
    work_seconds: float
    output_seconds: float
    cache_seconds: float = float("inf")

    @classmethod
    def of(cls, settings: GatewaySettings) -> "Retention":
        return cls(
            work_seconds=settings.work_retention_hours * _SECONDS_PER_HOUR,
            output_seconds=settings.output_retention_hours * _SECONDS_PER_HOUR,
            cache_seconds=settings.cache_retention_hours * _SECONDS_PER_HOUR,
        )

    def video_expired(self, job: Job, now: float) -> bool:
        return job.status == "completed" and now - job.updated_at > self.output_seconds


def available_video(job: Job, data_dir: Path, retention: Retention, now: float) -> Path | None:
    """The job's video if it completed, has not expired, and is on the shared volume."""
    if job.status != "completed" or retention.video_expired(job, now):
        return None
    video = output_video_path(data_dir, job.job_id)
    return video if video.is_file() else None


def remove_expired_files(
    store: JobStore, data_dir: Path, retention: Retention, now: float
) -> list[Path]:
    """Delete what finished jobs no longer need as of ``now``; return what was deleted.

    A job's work directory goes ``retention.work_seconds`` after it finished, a completed
    job's video ``retention.output_seconds`` after, and a clip in the shared footage cache
    ``retention.cache_seconds`` after a job last used it. A failed job's video can never be
    downloaded (a job cancelled mid-render may still leave one), so it goes with the
    work directory.
    """
    removed: list[Path] = []
    cutoff = now - min(retention.work_seconds, retention.output_seconds)
    for job in store.finished_before(cutoff):
        age = now - job.finished_at
        paths = JobPaths(data_dir, job.job_id)
        video_kept_for = (
            retention.output_seconds if job.status == "completed" else retention.work_seconds
        )
        with job_context(job.job_id):
            if age > retention.work_seconds and _remove(paths.work_dir):
                removed.append(paths.work_dir)
            for output in (paths.video, paths.thumbnail):
                if age > video_kept_for and _remove(output):
                    removed.append(output)
    removed.extend(_remove_unused_cached_clips(data_dir, now - retention.cache_seconds))
    removed.extend(remove_expired_media(data_dir, now))
    return removed


# An upload is in its temporary file for as long as its request lasts (T2V_MEDIA_UPLOAD_
# TIMEOUT_SECONDS at most); one older than this was left by a process that died.
_STALE_UPLOAD_SECONDS = 6 * _SECONDS_PER_HOUR


def remove_expired_media(data_dir: Path, now: float) -> list[Path]:
    """Delete the users' media past their ``expires_at``, and what dead uploads left.

    A job that uses an item has its own link or copy in its footage folder by then, or,
    if its footage stage comes later, gets another clip for that segment.
    """
    folders = MediaFolders(data_dir)
    removed = []
    for folder in folders.owners():
        kept: set[str] = set()
        for record in folders.records(folder):
            item = read_record(record)
            if item is not None and not item.expired(now):
                kept.add(item.media_id)
            elif _remove(record):  # the record first: the item is gone once it is
                removed.append(record)
        for file in sorted(folder.iterdir()):
            if file.name == ".lock" or file.stem in kept:
                continue
            # An expired item's file, or what an upload left: never one that may still be
            # written (an upload renames its file into place just before its record).
            try:
                stale = now - file.stat().st_mtime > _STALE_UPLOAD_SECONDS
            except OSError:
                continue
            if stale and file.is_file() and _remove(file):
                removed.append(file)
    return removed


def _remove_unused_cached_clips(data_dir: Path, unused_since: float) -> list[Path]:
    # The footage service marks a clip used each time a job takes it from the cache.
    removed = []
    for clip in sorted(footage_cache_dir(data_dir).glob("*")):
        try:
            unused = clip.is_file() and clip.stat().st_mtime < unused_since
        except OSError:
            continue
        if unused and _remove(clip):
            removed.append(clip)
    return removed


def _remove(path: Path) -> bool:
    try:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        # The next sweep tries again; one stubborn file must not stop the others.
        logger.warning("cannot delete expired %s: %s", path, exc)
        return False
    logger.info("deleted expired %s", path)
    return True


class RetentionSweeper:
    """Runs :func:`remove_expired_files` now and then every interval, on its own thread."""

    def __init__(self, settings: GatewaySettings, store: JobStore) -> None:
        self._store = store
        self._data_dir = settings.data_dir
        self._retention = Retention.of(settings)
        self._interval = settings.cleanup_interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        # Sweeping at start-up too means a gateway that restarts often still sweeps.
        while True:
            try:
                remove_expired_files(self._store, self._data_dir, self._retention, time.time())
            except Exception:
                # Without this the thread would end and the volume fill up unnoticed.
                logger.exception("sweeping expired job files failed; trying again later")
            if self._stop.wait(self._interval):
                return
