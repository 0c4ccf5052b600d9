"""A message that kills its worker every time ends dead-lettered and its job failed."""

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
import requests

from common.amqp.topology import Topology
from common.messages import parse_stage_message
from common.settings import Settings
from tests.local_service import Stack, delete_topology

POISONED = "tests.poison_stage"  # a tts service that SIGKILLs itself on every job


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    settings = Settings(data_dir=tmp_path / "data", amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}")
    stack = Stack(settings, tmp_path / "logs")
    stack.start("gateway")
    stack.wait_until_healthy()
    yield stack
    stack.stop_all()
    delete_topology(settings)


def _status(stack: Stack, job_id: str) -> dict[str, object]:
    return dict(requests.get(f"{stack.base_url}/status/{job_id}", timeout=5).json())


def _ready_messages(stack: Stack, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(stack.settings.broker_url))
    try:
        declared = connection.channel().queue_declare(queue, passive=True)
        return int(declared.method.message_count)
    finally:
        connection.close()


def _dead_letters(stack: Stack, queue: str) -> list[bytes]:
    connection = pika.BlockingConnection(pika.URLParameters(stack.settings.broker_url))
    bodies = []
    try:
        channel = connection.channel()
        while (delivery := channel.basic_get(queue, auto_ack=True))[0] is not None:
            bodies.append(delivery[2])
    finally:
        connection.close()
    return bodies


def test_a_job_that_kills_its_worker_every_time_fails_after_the_delivery_limit(
    stack: Stack,
) -> None:
    # Given a job waiting for a tts worker that dies on every job it takes
    response = requests.post(f"{stack.base_url}/generate", json={"text": "Poison."}, timeout=10)
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    topology = Topology.of(stack.settings)
    stage_queue = topology.stage_queue("tts")

    # When the worker is started again after each death, as an orchestrator would
    deaths = 0
    deadline = time.monotonic() + 90
    while _status(stack, job_id)["status"] != "failed":
        assert time.monotonic() < deadline and deaths < 10, _status(stack, job_id)
        stack.start(POISONED)
        worker = stack.processes.pop(POISONED)
        assert worker.wait(timeout=60) == -signal.SIGKILL
        deaths += 1
        # The broker takes the message back at once: it is queued again, or dead-lettered.
        while _ready_messages(stack, stage_queue) == 0:
            if _status(stack, job_id)["status"] == "failed" or time.monotonic() > deadline:
                break
            time.sleep(0.05)

    # Then, after the delivery limit, the job reads as failed at tts, saying why
    assert deaths == stack.settings.delivery_limit == 3
    status = _status(stack, job_id)
    assert status["message"] == "Failed at tts: the tts worker stopped 3 times on this job"
    # And the message is kept for operators in the dead-letter queue, not redelivered
    (dead,) = _dead_letters(stack, topology.dead_letter_queue)
    assert parse_stage_message(dead).job_id == job_id
    assert _ready_messages(stack, stage_queue) == 0
