"""A cancel reaches a running render and outlives the job's work folder (gateway and stages)."""

import logging
import re
import time

import pytest
from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.artifacts import JobPaths
from common.documents import CaptionGroup, Captions, FootageClip, FootageManifest, save_document
from common.messages import JobOptions, StageMessage
from common.service import StageService
from common.stage import ReportProgress, StageResult
from gateway.retention import Retention, remove_expired_files
from gateway.settings import GatewaySettings
from gateway.store import JobStore
from svc_footage.generated import write_generated_clip
from svc_render.settings import RenderSettings
from svc_render.stage import RenderStage
from tests.broker_helpers import drain_queue, publish_stage, running
from tests.gateway.helpers import API, submit, wait_for_status
from tests.svc_render.media import write_tone

# Three minutes of video at a tiny size and a high rate: many cheap frames, seconds of work.
NARRATION_SECONDS = 180.0
OPTIONS = JobOptions(width=64, height=64, fps=60)
FRAMES = round(NARRATION_SECONDS * OPTIONS.fps)


def _render_job(paths: JobPaths) -> StageMessage:
    """A render message for the job, with its narration, captions and one looped clip on disk."""
    write_tone(paths.audio, NARRATION_SECONDS, sample_rate=8000)
    group = CaptionGroup(text="far away", start=0.0, end=2.0, words=[])
    save_document(Captions(duration=NARRATION_SECONDS, words=[], groups=[group]), paths.captions)
    clip = paths.footage_dir / "clip_000.mp4"
    clip.parent.mkdir(parents=True)
    write_generated_clip(clip, seed=1, seconds=1.0, width=64, height=64, fps=12)
    entry = FootageClip(
        start=0, end=NARRATION_SECONDS, path=paths.relative(clip), source="generated", term="x"
    )
    save_document(FootageManifest(clips=[entry]), paths.footage_manifest)
    artifacts = {
        "audio": paths.relative(paths.audio),
        "captions": paths.relative(paths.captions),
        "footage": paths.relative(paths.footage_manifest),
    }
    return StageMessage(job_id=paths.job_id, text="A story.", options=OPTIONS, artifacts=artifacts)


def _wait_for_log(caplog: pytest.LogCaptureFixture, text: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in caplog.text:
        assert time.monotonic() < deadline, f"never logged: {text}"
        time.sleep(0.05)


def test_a_cancel_stops_a_running_render_and_leaves_no_video(
    client: TestClient,
    gateway_settings: GatewaySettings,
    broker: BrokerSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a job whose render of thousands of frames has begun
    job_id = submit(client)
    paths = JobPaths(gateway_settings.data_dir, job_id)
    render = RenderStage(RenderSettings(data_dir=gateway_settings.data_dir, font_path=None))
    with caplog.at_level(logging.INFO), running(StageService(render, gateway_settings)):
        publish_stage(broker, "render", _render_job(paths).to_bytes())
        started = wait_for_status(client, job_id, lambda status: status["progress"] == 90)
        assert started["status"] == "processing"

        # When the client cancels it
        assert client.delete(f"{API}/jobs/{job_id}").status_code == 202

        # Then the render stops part way and its delivery is settled
        _wait_for_log(caplog, "job cancelled; stage render skipped or stopped")
    stopped_at = re.search(r"render cancelled after (\d+) frames", caplog.text)
    assert stopped_at is not None and int(stopped_at.group(1)) < FRAMES
    # And it leaves no video, finished or partial, and tells of no completion
    assert list(paths.video.parent.iterdir()) == []
    status = client.get(f"{API}/status/{job_id}").json()
    assert (status["status"], status["progress"], status["message"]) == ("failed", 90, "Cancelled")
    assert drain_queue(broker, broker.topology.stage_queue("render")) == []


class _CountingStage:
    name = "captions"

    def __init__(self) -> None:
        self.runs = 0

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        self.runs += 1
        return StageResult({}, "test")


def test_a_cancelled_job_stays_cancelled_after_its_work_folder_expires(
    client: TestClient,
    gateway_settings: GatewaySettings,
    broker: BrokerSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a cancelled job whose work folder retention has deleted
    job_id = submit(client)
    paths = JobPaths(gateway_settings.data_dir, job_id)
    (paths.work_dir / "audio.wav").parent.mkdir(parents=True)
    (paths.work_dir / "audio.wav").write_bytes(b"stand-in")
    assert client.delete(f"{API}/jobs/{job_id}").status_code == 202
    store = JobStore(gateway_settings.jobs_db_path, gateway_settings.data_dir)
    try:
        removed = remove_expired_files(
            store, gateway_settings.data_dir, Retention(0, 0), time.time() + 1
        )
    finally:
        store.close()
    assert paths.work_dir in removed and not paths.work_dir.exists()

    # When a late message of the job reaches a stage
    stage = _CountingStage()
    with caplog.at_level(logging.INFO), running(StageService(stage, gateway_settings)):
        publish_stage(broker, "captions", StageMessage(job_id=job_id, text="Late.").to_bytes())
        _wait_for_log(caplog, "job cancelled; stage captions skipped or stopped")

    # Then the stage skips it, forwards nothing, and the job still reads as cancelled
    assert stage.runs == 0
    assert drain_queue(broker, broker.topology.stage_queue("captions")) == []
    assert drain_queue(broker, broker.topology.stage_queue("queries")) == []
    assert client.get(f"{API}/status/{job_id}").json()["message"] == "Cancelled"
