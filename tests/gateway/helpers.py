"""What the gateway tests share: the API's address, its fixed errors, and ways to drive a job."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mcp import ClientSession

from common.amqp.session import BrokerSession
from common.documents import VoiceCatalog, VoiceInfo, voice_catalog_path
from common.messages import JobOptions, ProgressEvent
from gateway.store import Job, JobStore, new_job

API = "/api/v1"
NO_TEXT = {"error": "No text provided in request body"}
NOT_FOUND = {"error": "Job not found"}
NOT_READY = {"error": "Video not ready for download"}

CATALOG = VoiceCatalog(
    default="piper:joe-medium",
    voices=[
        VoiceInfo(id="piper:joe-medium", backend="piper", name="joe-medium", language="en_US"),
        VoiceInfo(id="piper:amy", backend="piper", name="amy", language="en_US"),
        VoiceInfo(id="piper:denis", backend="piper", name="denis", language="ru_RU"),
    ],
)


def publish_catalog(data_dir: Path) -> None:
    """Write the voice catalog as the TTS service does at its start."""
    path = voice_catalog_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CATALOG.model_dump_json())


# gateway_with(**setting_overrides) -> a context manager yielding a client of that gateway.
GatewayStarter = Callable[..., AbstractContextManager[TestClient]]


def create_job(store: JobStore, job_id: str, text: str, options: JobOptions) -> Job:
    """Store a new queued job directly, as the gateway's intake does."""
    job = new_job(job_id, text, options)
    store.insert_all([job])
    return job


def submit(client: TestClient, text: str = "Once upon a time, in a faraway land...") -> str:
    response = client.post(f"{API}/generate", json={"text": text})
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def publish_progress(broker: BrokerSession, event: ProgressEvent) -> None:
    topology = broker.topology
    broker.publish(
        topology.progress_exchange, topology.progress_routing_key(event.stage), event.to_bytes()
    )


def wait_for_status(
    client: TestClient, job_id: str, done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 5.0
    while True:
        status: dict[str, Any] = client.get(f"{API}/status/{job_id}").json()
        if done(status) or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free local port, as in production; yield its base URL.

    For what only a real server shows: raw request paths, real HTTP parsing.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_config=None, lifespan="on", proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10.0
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        host, port = listener.getsockname()
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


async def call(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    """An MCP tool's structured answer; the test fails on a tool error."""
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content
