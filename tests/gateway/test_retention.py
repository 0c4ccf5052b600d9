"""Finished jobs' files expire: work folders after a day, videos after a week, by default."""

import os
import time
from pathlib import Path

from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.artifacts import JobPaths, footage_cache_dir, write_bytes_atomic
from common.errors import StageError
from common.messages import JobOptions, ProgressEvent
from common.progress import completed_event, failed_event, stage_event
from gateway.retention import Retention, remove_expired_files
from gateway.settings import GatewaySettings
from gateway.store import JobStore
from tests.gateway.helpers import (
    API,
    GatewayStarter,
    create_job,
    publish_progress,
    submit,
    wait_for_status,
)

HOUR = 3600.0
DAY = 24 * HOUR
DEFAULT_RETENTION = Retention(work_seconds=DAY, output_seconds=7 * DAY)


def job_with_files(store: JobStore, data_dir: Path, last_event: ProgressEvent) -> JobPaths:
    """A job whose last event was ``last_event``, with an intermediate file and a video on disk."""
    create_job(store, last_event.job_id, "A story.", JobOptions())
    assert store.apply(last_event)
    paths = JobPaths(data_dir, last_event.job_id)
    for path in (paths.audio, paths.video):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"stand-in")
    return paths


def at(event: ProgressEvent, when: float) -> ProgressEvent:
    return event.model_copy(update={"at": when})


def test_only_the_files_of_jobs_finished_long_enough_ago_are_deleted(
    store: JobStore, data_dir: Path
) -> None:
    # Given jobs that finished at various times, and one running for days
    now = time.time()
    recent = job_with_files(store, data_dir, at(completed_event("recent", "render"), now - HOUR))
    day_old = job_with_files(
        store, data_dir, at(completed_event("day-old", "render"), now - 2 * DAY)
    )
    week_old = job_with_files(
        store, data_dir, at(completed_event("week-old", "render"), now - 8 * DAY)
    )
    failed = job_with_files(
        store, data_dir, at(failed_event("failed", "render", StageError("full")), now - 2 * DAY)
    )
    running = job_with_files(store, data_dir, at(stage_event("running", "render"), now - 30 * DAY))

    # When the files are swept
    removed = remove_expired_files(store, data_dir, DEFAULT_RETENTION, now)

    # Then a day-old job loses its work folder, a week-old one its video too, and a failed
    # job its video with its folder (it can never be downloaded); the rest is untouched
    assert sorted(removed) == sorted(
        [day_old.work_dir, week_old.work_dir, week_old.video, failed.work_dir, failed.video]
    )
    assert day_old.video.is_file()
    for kept in (recent, running):
        assert kept.audio.is_file()
        assert kept.video.is_file()

    # And sweeping again finds nothing more to do
    assert remove_expired_files(store, data_dir, DEFAULT_RETENTION, now) == []


def test_cached_clips_no_job_used_for_a_month_are_deleted(store: JobStore, data_dir: Path) -> None:
    # Given two clips in the shared footage cache, one last used 31 days ago
    now = time.time()
    cache = footage_cache_dir(data_dir)
    cache.mkdir(parents=True)
    stale, fresh = cache / "pexels-1-64x112.mp4", cache / "pixabay-2-64x112.mp4"
    for clip, last_used in ((stale, now - 31 * DAY), (fresh, now - 29 * DAY)):
        clip.write_bytes(b"clip")
        os.utime(clip, (last_used, last_used))
    retention = Retention(work_seconds=DAY, output_seconds=7 * DAY, cache_seconds=30 * DAY)

    # When the files are swept, Then only the one unused for longer than a month goes
    assert remove_expired_files(store, data_dir, retention, now) == [stale]
    assert fresh.is_file()


def test_a_cancelled_job_is_swept_a_day_after_it_was_cancelled(
    store: JobStore, data_dir: Path
) -> None:
    # Given a job started a month ago and cancelled just now, with its cancel marker
    paths = job_with_files(store, data_dir, at(stage_event("job", "tts"), time.time() - 30 * DAY))
    write_bytes_atomic(paths.cancel_marker, b"")
    assert store.mark_cancelled("job")

    # Then its folder stays for a day from now, and goes after that
    assert remove_expired_files(store, data_dir, DEFAULT_RETENTION, time.time() + HOUR) == []
    removed = remove_expired_files(store, data_dir, DEFAULT_RETENTION, time.time() + DAY + HOUR)
    assert removed == [paths.work_dir, paths.video]
    # And the cancellation outlives the folder, for messages of the job still on their way
    assert paths.is_cancelled()


def test_an_expired_video_is_no_longer_downloadable(
    client: TestClient, broker: BrokerSession, gateway_settings: GatewaySettings
) -> None:
    # Given a job that completed eight days ago, its video still on disk (not yet swept)
    job_id = submit(client)
    video = JobPaths(gateway_settings.data_dir, job_id).video
    video.parent.mkdir(parents=True)
    video.write_bytes(b"stand-in")
    publish_progress(broker, at(completed_event(job_id, "render"), time.time() - 8 * DAY))
    wait_for_status(client, job_id, lambda status: status["status"] == "completed")

    # When the client asks for it
    response = client.get(f"{API}/download/{job_id}")

    # Then it is told the video is gone, and the listing names no file
    assert response.status_code == 404
    assert response.json() == {"error": "Video no longer available"}
    assert client.get(f"{API}/jobs").json()["jobs"][job_id] == {
        "status": "completed",
        "progress": 100,
        "message": "Video generation completed",
        "created_at": client.get(f"{API}/status/{job_id}").json()["created_at"],
    }


def test_the_running_gateway_sweeps_on_its_own(
    gateway_with: GatewayStarter, broker: BrokerSession, gateway_settings: GatewaySettings
) -> None:
    # Given a gateway that keeps nothing once a job is over and sweeps every 50 ms
    with gateway_with(
        cleanup_interval_seconds=0.05, work_retention_hours=0, output_retention_hours=0
    ) as client:
        # When a job completes
        job_id = submit(client)
        paths = JobPaths(gateway_settings.data_dir, job_id)
        for path in (paths.audio, paths.video):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"stand-in")
        publish_progress(broker, completed_event(job_id, "render"))

        # Then its files are soon gone
        deadline = time.monotonic() + 5.0
        while (paths.work_dir.exists() or paths.video.exists()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not paths.work_dir.exists()
        assert not paths.video.exists()
