"""The gateway as several worker processes sharing one store and one progress queue."""

import time
from pathlib import Path

import httpx

from common.amqp.session import BrokerSession
from common.progress import stage_event
from common.settings import Settings
from tests.gateway.helpers import publish_progress
from tests.local_service import Stack


def test_two_workers_share_jobs_and_progress(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    # Given `python -m gateway` started with two workers
    stack = Stack(settings, tmp_path / "logs")
    stack.environment["T2V_WORKERS"] = "2"
    stack.start("gateway")
    try:
        stack.wait_until_healthy()
        # When jobs are posted, each on a new connection that either worker may take,
        # and their first stage reports
        job_ids = []
        for _ in range(10):
            response = httpx.post(f"{stack.base_url}/generate", json={"text": "A cat sat."})
            assert response.status_code == 202, response.text
            job_ids.append(response.json()["job_id"])
        for job_id in job_ids:
            publish_progress(broker, stage_event(job_id, "tts"))

        # Then whichever worker answers knows every job, with the progress either consumed
        deadline = time.monotonic() + 10
        pending = set(job_ids)
        while pending and time.monotonic() < deadline:
            for job_id in list(pending):
                if httpx.get(f"{stack.base_url}/status/{job_id}").json()["progress"] == 20:
                    pending.discard(job_id)
            time.sleep(0.05)
        assert not pending
    finally:
        stack.stop_all()
    workers = {
        line for line in stack.log("gateway").splitlines() if "Started server process" in line
    }
    assert len(workers) == 2
