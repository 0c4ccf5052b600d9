"""With stock footage the render starts once the first clip is in, not once all are.

Real services on the real broker, Pexels played by the local stock server. The job's
queries are read before the footage service starts, so the server can give every
segment a video of its own and hold the download of the last segment's clip.
"""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from PIL import Image

from common.artifacts import JobPaths
from common.documents import FootageManifest, Queries, QuerySegment, load_document
from common.settings import Settings
from svc_footage.generated import write_generated_clip
from svc_footage.stage import HANDED_ON_MARKER
from tests.local_service import Stack, delete_topology
from tests.media_checks import probe
from tests.svc_footage.stock_server import (
    PEXELS_KEY,
    Reply,
    StockServer,
    pexels_photo,
    pexels_video,
    running_stock_server,
)

STORY = " ".join(["The keeper climbed the stairs and lit the lamp before the storm."] * 6)
OPTIONS = {"width": 160, "height": 288, "fps": 30}
BEFORE_FOOTAGE = ("gateway", "svc_tts", "svc_captions", "svc_queries", "svc_render")


@pytest.fixture
def stock_server() -> Iterator[StockServer]:
    with running_stock_server() as server:
        yield server


@pytest.fixture
def stack(tmp_path: Path, stock_server: StockServer) -> Iterator[Stack]:
    """Every service but the footage one running, with Pexels on the local server."""
    settings = Settings(data_dir=tmp_path / "data", amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}")
    stack = Stack(settings, tmp_path / "logs")
    stack.environment.update(
        {
            "T2V_FOOTAGE_PROVIDERS": "pexels,generated",
            "T2V_PEXELS_API_KEY": PEXELS_KEY,
            "T2V_PEXELS_BASE_URL": stock_server.pexels_base_url,
            "T2V_FOOTAGE_DOWNLOAD_HOSTS": "127.0.0.1",
            "T2V_FOOTAGE_ALLOW_PRIVATE_ADDRESSES": "true",
        }
    )
    yield stack
    stack.stop_all()
    delete_topology(settings)


def _wait(check: Callable[[], bool], what: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _job_up_to_footage(stack: Stack) -> tuple[str, JobPaths, list[QuerySegment]]:
    """A job run by every stage before footage, with its search terms written."""
    for name in BEFORE_FOOTAGE:
        stack.start(name)
    stack.wait_until_healthy()
    answer = requests.post(
        f"{stack.base_url}/generate", json={"text": STORY, "options": OPTIONS}, timeout=10
    )
    job_id = answer.json()["job_id"]
    paths = JobPaths(stack.settings.data_dir, job_id)
    _wait(paths.queries.exists, "the job's queries were not written")
    segments = load_document(Queries, paths.queries).segments
    return job_id, paths, segments


def _start_with_held_last_clip(
    stack: Stack, server: StockServer, tmp_path: Path, held: threading.Event
) -> tuple[str, JobPaths, int]:
    """A job whose footage service starts with a video per segment, the last one held."""
    job_id, paths, segments = _job_up_to_footage(stack)
    assert len(segments) >= 3, "the story must have a few segments for this test"
    # Every search finds the same videos, in order, each titled with every term searched
    # for (so equally relevant to each segment), so segment i shows video i + 1.
    title = " ".join(dict.fromkeys(term for segment in segments for term in segment.terms))
    videos = []
    for number in range(1, len(segments) + 1):
        clip = tmp_path / f"stock_{number}.mp4"
        write_generated_clip(clip, seed=number, seconds=1.0, width=64, height=112, fps=10)
        url = server.add_file(f"/files/pexels-{number}.mp4", clip.read_bytes())
        videos.append(pexels_video(number, 64, 112, 1, [(number * 10, url)], title=title))
    for segment in segments:
        for term in segment.terms:
            server.pexels_videos[term] = videos
    server.misbehave(f"/files/pexels-{len(segments)}.mp4", Reply(hold=held))
    stack.start("svc_footage")
    return job_id, paths, len(segments)


def _status(stack: Stack, job_id: str) -> dict[str, object]:
    status: dict[str, object] = requests.get(f"{stack.base_url}/status/{job_id}", timeout=5).json()
    assert status["status"] != "failed", status
    return status


def _wait_until_completed(stack: Stack, job_id: str) -> None:
    _wait(lambda: _status(stack, job_id)["status"] == "completed", "the job did not complete")


def _one_video(stack: Stack, job_id: str) -> Path:
    output = stack.settings.data_dir / "output"
    videos = sorted(path.name for path in output.iterdir() if path.name.startswith("video_"))
    assert videos == [f"video_{job_id}.mp4"]
    video = output / videos[0]
    facts = probe(video)
    assert facts.video_codec == "h264"
    return video


def _final_manifest(paths: JobPaths) -> FootageManifest:
    """The footage stage's manifest once its last clip is in."""
    _wait(
        lambda: not load_document(FootageManifest, paths.footage_manifest).pending,
        "the footage stage never resolved its last clip",
    )
    return load_document(FootageManifest, paths.footage_manifest)


def test_the_render_streams_while_the_last_clip_is_still_downloading(
    stack: Stack, stock_server: StockServer, tmp_path: Path
) -> None:
    # Given a job whose last segment's stock clip is held by the server
    held = threading.Event()
    job_id, paths, count = _start_with_held_last_clip(stack, stock_server, tmp_path, held)

    # When the job's stream lists a segment, the download still held
    def streaming() -> bool:
        playlist = requests.get(f"{stack.base_url}/jobs/{job_id}/stream.m3u8", timeout=5)
        return playlist.status_code == 200 and ".m4s" in playlist.text

    try:
        _wait(streaming, "the render did not start before the last clip was downloaded")
        assert stock_server.held == [f"/files/pexels-{count}.mp4"]
    finally:
        held.set()

    # Then, the download released, the job completes with one video, whose last segment
    # shows the stock clip held until then
    _wait_until_completed(stack, job_id)
    _one_video(stack, job_id)
    manifest = _final_manifest(paths)
    assert manifest.clips[-1].source == f"pexels:{count}"
    assert "still downloading" not in stack.log("svc_render")


def test_a_footage_service_killed_after_the_hand_on_resumes_without_a_second_render(
    stack: Stack, stock_server: StockServer, tmp_path: Path
) -> None:
    # Given a job handed to the render while its last clip's download is held
    held = threading.Event()
    job_id, paths, count = _start_with_held_last_clip(stack, stock_server, tmp_path, held)
    _wait(lambda: bool(stock_server.held), "the last clip's download never began")
    assert (paths.footage_dir / HANDED_ON_MARKER).exists()

    # When the footage service is killed with SIGKILL there, and started again
    stack.kill("svc_footage")
    held.set()
    stack.start("svc_footage")

    # Then the job completes with one video, every clip in, the last from the stock server
    _wait_until_completed(stack, job_id)
    _one_video(stack, job_id)
    manifest = _final_manifest(paths)
    assert manifest.clips[-1].source == f"pexels:{count}"
    # And the render was sent the job once: the restarted stage resumed without handing on
    _wait(lambda: "stage footage done" in stack.log("svc_footage"), "footage never finished")
    assert stack.log("svc_footage").count("the render has the job") == 1
    assert stack.log("svc_render").count("stage render done") == 1


def test_a_clip_that_never_arrives_is_drawn_and_the_job_completes(
    stack: Stack, stock_server: StockServer, tmp_path: Path
) -> None:
    # Given a render that waits a second at most for a clip, and a download held for as
    # long as the test runs (the footage service patient enough never to give up on it)
    stack.environment.update(
        {
            "T2V_RENDER_FOOTAGE_WAIT_SECONDS": "1",
            "T2V_FOOTAGE_REQUEST_TIMEOUT_SECONDS": "3600",
            "T2V_FOOTAGE_DOWNLOAD_TIMEOUT_SECONDS": "3600",
        }
    )
    held = threading.Event()
    try:
        job_id, paths, _ = _start_with_held_last_clip(stack, stock_server, tmp_path, held)

        # When the job runs, Then it completes, the last segment drawn instead of its clip
        _wait_until_completed(stack, job_id)
        _one_video(stack, job_id)
        assert "still downloading" in stack.log("svc_render")
        assert load_document(FootageManifest, paths.footage_manifest).pending != []
    finally:
        held.set()


def test_a_job_with_no_relevant_video_completes_with_a_zooming_photo(
    stack: Stack, stock_server: StockServer, tmp_path: Path
) -> None:
    # Given Pexels with no videos at all, but a photo of what every segment says
    job_id, paths, segments = _job_up_to_footage(stack)
    alt = " ".join(dict.fromkeys(term for segment in segments for term in segment.terms))
    picture = tmp_path / "photo.jpg"
    Image.new("RGB", (160, 288), (30, 90, 160)).save(picture)
    url = stock_server.add_file("/files/photo-1.jpg", picture.read_bytes(), "image/jpeg")
    for segment in segments:
        for term in segment.terms:
            stock_server.pexels_photos[term] = [pexels_photo(1, 160, 288, url, alt)]

    # When the footage service takes the job
    stack.start("svc_footage")

    # Then the job completes with one video, every segment showing the photo, scored
    _wait_until_completed(stack, job_id)
    _one_video(stack, job_id)
    clips = _final_manifest(paths).clips
    assert {clip.source for clip in clips} == {"pexels-photo:1"}
    assert all(clip.score is not None and clip.score > 0 for clip in clips)
    # And it was downloaded once, the cache serving the segments after the first
    assert stock_server.count("/files/photo-1.jpg") == 1
