"""Faults against real processes and the real broker: every accepted job still completes."""

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from common.settings import Settings
from common.stages import stage_info
from tests.local_service import STAGE_SERVICES, Stack, delete_topology

STORY = "The lighthouse keeper climbed the stairs. He lit the lamp before the storm arrived."
OPTIONS = {"width": 256, "height": 448, "fps": 15}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    scratch = tmp_path_factory.mktemp("faults")
    settings = Settings(data_dir=scratch / "data", amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}")
    stack = Stack(settings, scratch / "logs")
    stack.start_all()
    yield stack
    stack.stop_all()
    delete_topology(settings)


def _post(stack: Stack) -> str:
    response = requests.post(
        f"{stack.base_url}/generate", json={"text": STORY, "options": OPTIONS}, timeout=10
    )
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def _status(stack: Stack, job_id: str) -> dict[str, object]:
    return dict(requests.get(f"{stack.base_url}/status/{job_id}", timeout=5).json())


def _wait_for_end(stack: Stack, job_id: str, timeout: float = 180) -> list[int]:
    """The progress numbers seen until the job completes; fails if it does not."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = _status(stack, job_id)
        seen.append(int(status["progress"]))  # type: ignore[call-overload]
        if status["status"] in ("completed", "failed"):
            assert status["status"] == "completed", status
            return seen
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {_status(stack, job_id)}")


def _outputs(stack: Stack, job_id: str) -> list[str]:
    """The job's videos in the output folder, finished or partial (its poster aside)."""
    output_dir = stack.settings.data_dir / "output"
    return sorted(
        path.name
        for path in output_dir.iterdir()
        if job_id in path.name and not path.name.startswith("thumbnail_")
    )


@pytest.mark.parametrize("service", STAGE_SERVICES)
def test_a_stage_killed_mid_job_is_restarted_and_the_job_completes(
    stack: Stack, service: str
) -> None:
    # Given a job on its way through the stages
    job_id = _post(stack)
    stage_progress = stage_info(service.removeprefix("svc_")).progress

    # When the stage's service is killed with SIGKILL as soon as the job reaches it,
    # and started again
    deadline = time.monotonic() + 60
    while int(_status(stack, job_id)["progress"]) < stage_progress:  # type: ignore[call-overload]
        assert time.monotonic() < deadline, "the job never reached the stage"
        time.sleep(0.01)
    stack.kill(service)
    stack.start(service)

    # Then the job completes, its progress never went back, and there is one video
    seen = _wait_for_end(stack, job_id)
    assert seen == sorted(seen) and seen[-1] == 100
    assert _outputs(stack, job_id) == [f"video_{job_id}.mp4"]


def test_the_gateway_catches_up_on_progress_it_missed(stack: Stack) -> None:
    # Given a job accepted by the gateway
    job_id = _post(stack)

    # When the gateway dies at once and the job finishes while it is down
    stack.kill("gateway")
    video = stack.settings.data_dir / "output" / f"video_{job_id}.mp4"
    deadline = time.monotonic() + 120
    while not video.exists():
        assert time.monotonic() < deadline, "the services did not finish the job"
        time.sleep(0.2)

    # Then, started again, it still knows the job and learns that it completed
    stack.start("gateway")
    stack.wait_until_healthy()
    assert _wait_for_end(stack, job_id)[-1] == 100


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="needs a local RabbitMQ to restart")
def test_jobs_survive_a_broker_restart(stack: Stack) -> None:
    # Given jobs at different stages
    jobs = []
    for _ in range(3):
        jobs.append(_post(stack))
        time.sleep(0.7)

    # When RabbitMQ stops and starts again
    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=60)
    try:
        # Then, while it is down, status still answers and new jobs get a clean 503
        assert _status(stack, jobs[0])["status"] in ("queued", "processing", "completed")
        refused = requests.post(f"{stack.base_url}/generate", json={"text": STORY}, timeout=10)
        assert refused.status_code == 503
        assert set(refused.json()) == {"error"}
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=60)

    # And every job completes once it is back, the services having reconnected by themselves
    for job_id in jobs:
        assert _wait_for_end(stack, job_id)[-1] == 100
        assert _outputs(stack, job_id) == [f"video_{job_id}.mp4"]
    assert "broker connection lost" in stack.log("svc_render")
    assert "connected to the broker" in stack.log("svc_render")
