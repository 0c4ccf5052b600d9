"""Helpers for tests that talk to the real broker (after nameko's testing helpers)."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from common.amqp.session import BrokerSession
from common.service import StageService

# Nothing listens on port 1, so connecting fails at once: the broker is "down".
UNREACHABLE_BROKER_URL = "amqp://guest:guest@127.0.0.1:1/"


def get_message_from_queue(session: BrokerSession, queue: str, timeout: float = 20.0) -> bytes:
    """The next message on ``queue``, acked; fails the test if none arrives in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        method, _properties, body = session.channel.basic_get(queue, auto_ack=True)
        if method is not None:
            return body
        time.sleep(0.05)
    raise AssertionError(f"no message on {queue} within {timeout} s")


def publish_stage(session: BrokerSession, stage: str, body: bytes) -> None:
    """Publish ``body`` as the stage message of ``stage``, as the stage before it would."""
    topology = session.topology
    session.publish(topology.jobs_exchange, topology.stage_routing_key(stage), body)


def queued_messages(session: BrokerSession, queue: str) -> int:
    declared = session.call(lambda: session.channel.queue_declare(queue, passive=True))
    return int(declared.method.message_count)


def drain_queue(session: BrokerSession, queue: str) -> list[bytes]:
    bodies: list[bytes] = []
    while True:
        method, _properties, body = session.channel.basic_get(queue, auto_ack=True)
        if method is None:
            return bodies
        bodies.append(body)


@contextmanager
def running(service: StageService) -> Iterator[StageService]:
    """Run a stage service on a thread for the duration of the block."""
    thread = threading.Thread(target=service.run_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.stop.set()
        thread.join(timeout=10)
