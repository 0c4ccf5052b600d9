"""Two gateways, standing for two hosts, on one PostgreSQL job store and one broker.

Each is a real `python -m gateway` process on its own port. They share the data directory
only because the stages' artifacts live there; the job store is in PostgreSQL alone.
Progress is published to the broker as the stages publish it.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.amqp.session import BrokerSession
from common.progress import stage_event
from common.settings import Settings
from tests.gateway.helpers import publish_progress
from tests.local_service import Stack
from tests.postgres_helpers import postgres_schema


@pytest.fixture
def gateways(settings: Settings, broker: BrokerSession, tmp_path: Path) -> Iterator[list[Stack]]:
    """Gateways "a" and "b" on one PostgreSQL schema, started and healthy."""
    with postgres_schema() as url:
        stacks = [Stack(settings, tmp_path / f"logs-{name}") for name in ("a", "b")]
        for stack in stacks:
            stack.environment["T2V_DATABASE_URL"] = url
            stack.start("gateway")
        try:
            for stack in stacks:
                stack.wait_until_healthy()
            yield stacks
        finally:
            for stack in stacks:
                stack.stop_all()


def eventually(read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> Any:
    deadline = time.monotonic() + 15
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


class EventStream:
    """A job's Server-Sent Events read on a thread, until the stream ends."""

    def __init__(self, url: str) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self._thread.start()

    def _read(self, url: str) -> None:
        name = ""
        with httpx.stream("GET", url, timeout=30) as response:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    self.events.append((name, json.loads(line.removeprefix("data: "))))

    def progress_seen(self) -> set[int]:
        return {data["progress"] for _, data in self.events if "progress" in data}

    def wait_until_ended(self) -> None:
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the event stream did not end"


def test_a_job_lives_on_through_either_gateway(
    gateways: list[Stack], broker: BrokerSession, settings: Settings
) -> None:
    a, b = gateways
    # Given a job posted to gateway a
    posted = httpx.post(f"{a.base_url}/generate", json={"text": "A cat sat."})
    assert posted.status_code == 202, posted.text
    job_id = posted.json()["job_id"]

    # When gateway b reads it and follows its events, and its first stage reports
    assert httpx.get(f"{b.base_url}/status/{job_id}").json()["status"] == "queued"
    stream = EventStream(f"{b.base_url}/jobs/{job_id}/events")
    publish_progress(broker, stage_event(job_id, "tts"))
    on_b = eventually(
        lambda: httpx.get(f"{b.base_url}/status/{job_id}").json(),
        lambda status: status["progress"] == 20,
    )
    assert on_b["status"] == "processing"

    # And gateway a dies (SIGKILL) while the next stages report
    a.kill("gateway")
    publish_progress(broker, stage_event(job_id, "captions"))
    publish_progress(broker, stage_event(job_id, "queries"))

    # Then gateway b consumes that progress: none is lost
    on_b = eventually(
        lambda: httpx.get(f"{b.base_url}/status/{job_id}").json(),
        lambda status: status["progress"] == 60,
    )
    assert on_b["progress"] == 60

    # When the job is cancelled through gateway b
    assert httpx.delete(f"{b.base_url}/jobs/{job_id}").status_code == 202

    # Then the stream b serves ends with the failure, having shown the progress on the way
    stream.wait_until_ended()
    assert stream.events[-1][0] == "failed"
    assert {20, 60} <= stream.progress_seen()

    # And gateway a, started again, reads the job as it ended, from the shared store only
    a.start("gateway")
    a.wait_until_healthy()
    on_a = httpx.get(f"{a.base_url}/status/{job_id}").json()
    assert (on_a["status"], on_a["message"]) == ("failed", "Cancelled")
    assert not (settings.data_dir / "jobs.sqlite3").exists()
