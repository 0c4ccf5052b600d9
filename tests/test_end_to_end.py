"""The whole service as a user runs it: `t2v up`, then the HTTP API, on the real broker."""

import os
import subprocess
import sys
import time
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
import requests

from common.settings import Settings
from tests.local_service import REPO, delete_topology, local_service
from tests.media_checks import probe


@pytest.fixture(scope="module")
def service_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("e2e") / "data",
        amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}",
    )


@pytest.fixture(scope="module")
def service(service_settings: Settings) -> Iterator[str]:
    with local_service(service_settings, service_settings.data_dir.parent / "up.log") as base:
        yield base


def _wait_for_end(service: str, job_id: str) -> tuple[dict[str, object], list[int]]:
    """Poll a job until it completes or fails; return its last status and the progress seen."""
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = requests.get(f"{service}/status/{job_id}", timeout=5).json()
        seen.append(status["progress"])
        if status["status"] in ("completed", "failed"):
            return status, seen
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {status}")


def test_a_story_becomes_a_downloadable_video(service: str, service_settings: Settings) -> None:
    settings = service_settings
    # Given the running service
    # When a user posts a two-sentence story with a small frame size
    response = requests.post(
        f"{service}/generate",
        json={
            "text": "A small boat sailed across the bay. Seagulls followed it home.",
            "options": {"width": 128, "height": 224, "fps": 15},
        },
        timeout=10,
    )
    assert response.status_code == 202
    job_id = response.json()["job_id"]

    # Then polling shows progress only moving forward until the job completes
    status, seen = _wait_for_end(service, job_id)
    assert status["status"] == "completed", status
    assert seen == sorted(seen) and seen[-1] == 100 and len(set(seen)) > 2
    assert isinstance(status["created_at"], int)

    # And the download is an H.264 + AAC MP4 of the requested size, as long as the narration
    video = requests.get(f"{service}/download/{job_id}", timeout=10)
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"
    assert f"generated_video_{job_id}.mp4" in video.headers["content-disposition"]
    downloaded = settings.data_dir / "downloaded.mp4"
    downloaded.write_bytes(video.content)
    facts = probe(downloaded)
    assert (facts.video_codec, facts.audio_codec) == ("h264", "aac")
    assert (facts.width, facts.height) == (128, 224)
    (audio,) = settings.data_dir.glob(f"work/{job_id}/audio_{job_id}.wav")
    with wave.open(str(audio)) as wav:
        assert abs(facts.duration - wav.getnframes() / wav.getframerate()) <= 0.1

    # And the job's detail names who did each stage, offline, and how long each took
    detail = requests.get(f"{service}/jobs/{job_id}", timeout=5).json()
    stages = detail["stages"]
    assert [stage["stage"] for stage in stages] == [
        "tts",
        "captions",
        "queries",
        "footage",
        "render",
    ]
    providers = {stage["stage"]: stage["provider"] for stage in stages}
    assert providers["tts"] == "piper (joe-medium)"
    assert (providers["queries"], providers["footage"]) == ("keywords", "generated")
    assert all(stage["seconds"] > 0 for stage in stages)
    # and each segment's clip, from the start of the narration on, generated, so unscored
    footage = detail["footage"]
    assert footage and footage[0]["start"] == 0.0
    assert all(clip["source"] == "generated" and "score" not in clip for clip in footage)

    # And the job list names the output file
    listed = requests.get(f"{service}/jobs", timeout=5).json()["jobs"][job_id]
    assert listed["output_file"] == f"output/video_{job_id}.mp4"


def test_a_job_that_cannot_be_spoken_fails_with_its_reason(service: str) -> None:
    # Given the running service
    # When a user posts a text with nothing in it to speak
    response = requests.post(f"{service}/generate", json={"text": "🙂🎉 !!!"}, timeout=10)
    job_id = response.json()["job_id"]

    # Then the job ends failed, naming the stage and the reason, not stuck at processing
    status, _seen = _wait_for_end(service, job_id)
    assert status["status"] == "failed"
    assert status["message"] == (
        "Failed at tts: the text has nothing the voice can speak (no letters or digits)"
    )
    assert requests.get(f"{service}/download/{job_id}", timeout=5).json() == {
        "error": "Video not ready for download"
    }


def test_up_exits_with_advice_when_the_broker_is_unreachable(tmp_path: Path) -> None:
    # Given a broker address nothing listens on
    environment = {**os.environ, "T2V_BROKER_URL": "amqp://guest:secret@127.0.0.1:1/"}

    # When `t2v up` starts
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "up", "--data-dir", str(tmp_path)],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=30,
    )  # fmt: skip

    # Then it exits non-zero at once, saying how to get a broker, without leaking the password
    assert result.returncode == 1
    assert "cannot reach RabbitMQ at amqp://guest:***@127.0.0.1:1/" in result.stderr
    assert "apt-get install rabbitmq-server" in result.stderr
    assert "secret" not in result.stderr


def test_up_names_the_upgrade_step_when_an_old_stage_queue_is_in_the_way(
    tmp_path: Path, settings: Settings
) -> None:
    # Given a broker holding the tts queue as a version before delivery limits declared it
    connection = pika.BlockingConnection(pika.URLParameters(settings.broker_url))
    old_queue = f"{settings.amqp_prefix}.stage.tts"
    environment = {**os.environ, "T2V_AMQP_PREFIX": settings.amqp_prefix}
    try:
        connection.channel().queue_declare(
            old_queue, durable=True, arguments={"x-queue-type": "quorum"}
        )

        # When `t2v up` starts
        result = subprocess.run(
            [sys.executable, "-m", "cli.main", "up", "--data-dir", str(tmp_path)],
            cwd=REPO, env=environment, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    finally:
        connection.close()
        delete_topology(settings)

    # Then it exits at once naming the queue and the fix, not advice to start a broker
    assert result.returncode == 1
    assert f"rabbitmqctl delete_queue {old_queue}" in result.stderr
    assert "Start a broker" not in result.stderr
