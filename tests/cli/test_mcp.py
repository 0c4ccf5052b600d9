"""``t2v mcp``: the tools over stdio, started by the SDK's client as an agent would start it."""

import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import ClientSession
from mcp.client.session import IncomingMessage
from mcp.client.stdio import StdioServerParameters, stdio_client

from common.amqp.session import BrokerSession
from common.messages import StageMessage
from common.progress import stage_event
from common.settings import Settings
from tests.broker_helpers import get_message_from_queue
from tests.gateway.helpers import call, publish_progress
from tests.local_service import REPO
from tests.svc_queries.chat_server import ChatServer, answer

pytestmark = pytest.mark.anyio


def service_environment(settings: Settings) -> dict[str, str]:
    """The settings of the service the command reaches, as its environment passes them."""
    return {
        "T2V_DATA_DIR": str(settings.data_dir.resolve()),
        "T2V_BROKER_URL": settings.broker_url,
        "T2V_AMQP_PREFIX": settings.amqp_prefix,
        "T2V_LOG_LEVEL": "INFO",
    }


@asynccontextmanager
async def stdio_session(
    settings: Settings,
    stderr: Path,
    stray_output: list[Exception],
    environment: dict[str, str] | None = None,
) -> AsyncIterator[ClientSession]:
    """``python -m cli.main mcp`` as a subprocess of the SDK's stdio client, initialized.

    What the child writes to stderr lands in ``stderr``; anything on stdout that is not a
    protocol message is added to ``stray_output``.
    """

    async def note_stray_output(message: IncomingMessage) -> None:
        if isinstance(message, Exception):
            stray_output.append(message)

    command = StdioServerParameters(
        command=sys.executable,
        args=["-m", "cli.main", "mcp"],
        env={**service_environment(settings), **(environment or {})},
        cwd=REPO,
    )
    with stderr.open("w") as errlog:
        async with (
            stdio_client(command, errlog=errlog) as (read, write),
            ClientSession(read, write, message_handler=note_stray_output) as session,
        ):
            await session.initialize()
            yield session


async def test_t2v_mcp_creates_a_video_and_follows_it_over_stdio(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    # Given `t2v mcp` started by an agent with the service's settings
    stray_output: list[Exception] = []
    stderr = tmp_path / "stderr.log"
    async with stdio_session(settings, stderr, stray_output) as session:
        # When the agent lists the tools, creates a video and reads it back
        tools = {tool.name for tool in (await session.list_tools()).tools}
        job_id = (await call(session, "create_video", text="A fox jumps over the dog."))["job_id"]
        queued = await call(session, "get_job", job_id=job_id)
        listed = await call(session, "list_jobs", limit=5)
        # and the first stage reports progress on the broker
        publish_progress(broker, stage_event(job_id, "tts"))
        deadline = time.monotonic() + 10
        progressed = queued
        while progressed["progress"] < 20 and time.monotonic() < deadline:
            progressed = await call(session, "get_job", job_id=job_id)
        missing = await session.call_tool("get_job", {"job_id": "no-such-job"})

    # Then it has the four tools, and the job was stored and queued for the first stage
    assert tools == {"create_video", "get_job", "list_jobs", "list_voices"}
    assert queued["status"] == "queued"
    assert job_id in listed["jobs"]
    message = get_message_from_queue(broker, broker.topology.stage_queue("tts"))
    assert StageMessage.model_validate_json(message).job_id == job_id
    # and the command applied the progress to the shared store, like a gateway worker
    assert progressed["progress"] == 20
    assert missing.is_error
    # and stdout carried the protocol only, while the logs went to stderr
    assert stray_output == []
    assert job_id in stderr.read_text()


async def test_t2v_mcp_writes_the_story_of_a_job_asked_for_by_topic(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    # Given `t2v mcp` with a chat model, and no gateway running
    with ChatServer().running() as chat_server:
        chat_server.replies = [answer("A lighthouse keeper waved at the ships.")]
        environment = {"T2V_LLM_BASE_URL": chat_server.base_url, "T2V_LLM_MODEL": "story-model"}
        async with stdio_session(settings, tmp_path / "stderr.log", [], environment) as session:
            # When an agent asks for a video by topic
            job_id = (await call(session, "create_video", topic="lighthouses"))["job_id"]

            # Then the command itself writes the story and queues the job
            deadline = time.monotonic() + 10
            job = await call(session, "get_job", job_id=job_id)
            while job.get("text") is None and time.monotonic() < deadline:
                job = await call(session, "get_job", job_id=job_id)

    assert job["text"] == "A lighthouse keeper waved at the ships."
    message = get_message_from_queue(broker, broker.topology.stage_queue("tts"))
    assert StageMessage.model_validate_json(message).text == job["text"]
