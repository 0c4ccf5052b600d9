"""The whole service as a user runs it: `t2v up`, then the HTTP API, on the real broker."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from common.settings import Settings
from tests.conftest import delete_topology
from tests.media_checks import probe

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


@pytest.fixture(scope="module")
def service_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("e2e") / "data",
        amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}",
    )


@pytest.fixture(scope="module")
def service(service_settings: Settings) -> Iterator[str]:
    """`t2v up` on a free port; yields the API base URL and stops everything afterwards."""
    settings = service_settings
    port = _free_port()
    environment = {
        **os.environ,
        "T2V_AMQP_PREFIX": settings.amqp_prefix,
        "T2V_BROKER_URL": settings.broker_url,
    }
    log = (settings.data_dir.parent / "up.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "up", "--port", str(port),
         "--data-dir", str(settings.data_dir)],
        cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        _wait_until_healthy(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        log.close()
        delete_topology(settings)


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "t2v up exited early"
        try:
            if requests.get(f"{base}/health", timeout=1).json().get("broker"):
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError("the gateway did not become healthy")


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
