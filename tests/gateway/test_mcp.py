"""The MCP tools at /mcp, used by the SDK's own client against a served gateway and the broker."""

import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from mcp import Client, ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from common.amqp.session import BrokerSession
from common.messages import StageMessage
from common.settings import Settings
from common.stages import STAGE_NAMES
from gateway.access import key_id
from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.store import JobStore
from svc_tts.settings import TtsSettings
from svc_tts.voices import Voices
from tests.broker_helpers import get_message_from_queue
from tests.gateway.helpers import call, serve
from tests.local_service import Stack, local_service

pytestmark = pytest.mark.anyio

TOOLS = {"create_video", "get_job", "list_jobs", "list_voices"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
KEY_A, KEY_B, ADMIN_KEY = "key-of-tenant-a", "key-of-tenant-b", "key-of-the-operator"


@asynccontextmanager
async def mcp_session(
    base_url: str, key: str | None = None, **headers: str
) -> AsyncIterator[ClientSession]:
    """An initialized SDK client session with the gateway's /mcp, sending ``key`` if given."""
    if key is not None:
        headers["X-API-Key"] = key
    async with (
        httpx2.AsyncClient(headers=headers) as http,
        streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    return " ".join(block.text for block in result.content if block.type == "text")


def publish_installed_voices(settings: GatewaySettings) -> None:
    """The voice list as the TTS service publishes it at its start."""
    Voices(TtsSettings(**settings.model_dump())).publish(settings.data_dir)


def stored_owner(settings: GatewaySettings, job_id: str) -> str | None:
    store = JobStore(settings.jobs_db_path, settings.data_dir)
    try:
        job = store.get(job_id)
        assert job is not None
        return job.owner
    finally:
        store.close()


@pytest.fixture
def keyed_gateway(gateway_settings: GatewaySettings, broker: BrokerSession) -> Iterator[str]:
    """A served gateway with keys on: two tenants' keys and an admin key; one running job a
    key, and two failed attempts a minute before a client is throttled."""
    keys = {
        "api_keys": f"{KEY_A},{KEY_B}",
        "admin_api_keys": ADMIN_KEY,
        "max_running_jobs_per_key": 1,
        "auth_failures_per_minute": 2,
    }
    keyed = GatewaySettings(**{**gateway_settings.model_dump(), **keys})
    with serve(create_app(keyed)) as base_url:
        yield base_url


async def test_an_agent_lists_voices_creates_a_video_and_follows_it(
    served_gateway: str, gateway_settings: GatewaySettings, broker: BrokerSession
) -> None:
    # Given a served gateway, and the voice list the TTS service published
    publish_installed_voices(gateway_settings)
    async with mcp_session(served_gateway) as session:
        # When an agent lists the tools and the voices
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        voices = await call(session, "list_voices")
        # and creates a video with some options
        accepted = await call(
            session,
            "create_video",
            text="A fox jumps over the dog.",
            options={"orientation": "square", "preview": True, "voice": voices["default"]},
        )
        job_id = accepted["job_id"]
        detail = await call(session, "get_job", job_id=job_id)
        page = await call(session, "list_jobs", limit=10)

    # Then it finds the four tools, described, with the options' fields in the schema
    assert set(tools) == TOOLS
    assert all(tool.description for tool in tools.values())
    options_schema = tools["create_video"].input_schema["properties"]["options"]
    assert "orientation" in json.dumps(options_schema)
    # and the bundled voice among the voices
    assert "piper:joe-medium" in {voice["id"] for voice in voices["voices"]}
    # and the job was accepted, stored and queued for the first stage by the gateway
    assert accepted == {"job_id": job_id, "status": "queued", "message": "Video generation started"}
    queued = StageMessage.model_validate_json(
        get_message_from_queue(broker, broker.topology.stage_queue("tts"))
    )
    assert queued.job_id == job_id
    assert queued.options.orientation == "square"
    assert queued.options.voice == "piper:joe-medium"
    # and it reads as GET /api/v1/jobs/<id> answers, and is listed
    over_http = httpx.get(f"{served_gateway}/api/v1/jobs/{job_id}").json()
    assert detail["status"] == "queued"
    assert {key: value for key, value in detail.items() if value is not None} == over_http
    assert job_id in page["jobs"]


async def test_a_client_of_the_newer_protocol_era_is_served_too(served_gateway: str) -> None:
    # Given a served gateway
    # When the SDK's high-level client connects, negotiating the newest protocol it can
    async with Client(f"{served_gateway}/mcp") as client:
        accepted = await client.call_tool("create_video", {"text": "A cat sat."})
        assert accepted.structured_content is not None
        job_id = accepted.structured_content["job_id"]
        job = await client.call_tool("get_job", {"job_id": job_id})

    # Then its calls are answered as the handshake era's are
    assert not job.is_error, job.content
    assert job.structured_content is not None
    assert job.structured_content["status"] == "queued"


async def test_refusals_come_back_as_tool_errors_in_the_apis_words(
    served_gateway: str, gateway_settings: GatewaySettings
) -> None:
    # Given a served gateway with a voice list
    publish_installed_voices(gateway_settings)
    too_long = "a" * (gateway_settings.max_text_chars + 1)
    async with mcp_session(served_gateway) as session:
        # When an agent asks for what the API refuses
        bad_option = await session.call_tool(
            "create_video", {"text": "A cat sat.", "options": {"fps": 999}}
        )
        not_an_object = await session.call_tool(
            "create_video", {"text": "A cat sat.", "options": ["square"]}
        )
        unknown_field = await session.call_tool(
            "create_video", {"text": "A cat sat.", "options": {"colour": "red"}}
        )
        unknown_voice = await session.call_tool(
            "create_video", {"text": "A cat sat.", "options": {"voice": "piper:nobody"}}
        )
        blank = await session.call_tool("create_video", {"text": "   "})
        long_text = await session.call_tool("create_video", {"text": too_long})
        missing = await session.call_tool("get_job", {"job_id": "no-such-job"})
        bad_cursor = await session.call_tool("list_jobs", {"cursor": "not-a-job"})

    # Then each is a tool error that says what the HTTP API says
    assert "Invalid options: fps: Input should be less than or equal to 60" in error_text(
        bad_option
    )
    assert "Invalid options: Input should be a valid dictionary" in error_text(not_an_object)
    assert "Invalid options: colour: Extra inputs are not permitted" in error_text(unknown_field)
    assert "Unknown voice 'piper:nobody'" in error_text(unknown_voice)
    assert "No text provided in request body" in error_text(blank)
    assert (
        f"Text is too long: {len(too_long)} characters, "
        f"the limit is {gateway_settings.max_text_chars}" in error_text(long_text)
    )
    assert error_text(missing).endswith("Job not found")
    assert "Invalid cursor" in error_text(bad_cursor)


async def test_without_a_key_mcp_answers_401_and_throttles_guessing(keyed_gateway: str) -> None:
    # Given a gateway with keys on, throttling after two failed attempts
    # When a client posts an MCP request without a key, with a wrong one, then with a right one
    list_tools = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    missing = httpx.post(f"{keyed_gateway}/mcp", json=list_tools, headers=headers)
    wrong = httpx.post(
        f"{keyed_gateway}/mcp", json=list_tools, headers={**headers, "X-API-Key": "guess"}
    )
    right = httpx.post(
        f"{keyed_gateway}/mcp", json=list_tools, headers={**headers, "X-API-Key": KEY_A}
    )

    # Then the first two get the API's 401 and its JSON error body
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json() == {"error": "Missing or invalid API key"}
        assert response.headers["WWW-Authenticate"] == "Bearer"
    # and the throttled client is refused whatever it sends, as on /api/v1
    assert right.status_code == 429
    assert right.json()["error"].startswith("Too many failed authentication attempts")
    assert "Retry-After" in right.headers


async def test_a_key_sees_only_its_own_jobs_and_an_admin_key_sees_all(
    keyed_gateway: str, gateway_settings: GatewaySettings
) -> None:
    # Given a job created through /mcp with key A
    async with mcp_session(keyed_gateway, KEY_A) as tenant_a:
        job_id = (await call(tenant_a, "create_video", text="A cat sat."))["job_id"]
        own = await call(tenant_a, "get_job", job_id=job_id)
    # When key B, and then the admin key (sent as a bearer token), look for it
    async with mcp_session(keyed_gateway, KEY_B) as tenant_b:
        other = await tenant_b.call_tool("get_job", {"job_id": job_id})
        others_page = await call(tenant_b, "list_jobs")
    async with mcp_session(keyed_gateway, Authorization=f"Bearer {ADMIN_KEY}") as admin:
        seen_by_admin = await call(admin, "get_job", job_id=job_id)
    # and key B asks the HTTP API
    over_http = httpx.get(
        f"{keyed_gateway}/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {KEY_B}"}
    )

    # Then the job belongs to key A, and B is told what the HTTP API tells it
    assert own["status"] == "queued"
    assert stored_owner(gateway_settings, job_id) == key_id(KEY_A)
    assert error_text(other).endswith("Job not found")
    assert over_http.json() == {"error": "Job not found"}
    assert job_id not in others_page["jobs"]
    assert seen_by_admin["status"] == "queued"


async def test_a_key_over_its_quota_is_told_so_in_the_apis_words(keyed_gateway: str) -> None:
    # Given a key that may have one job running at a time
    async with mcp_session(keyed_gateway, KEY_B) as session:
        # When it creates a video, and another while the first is queued
        await call(session, "create_video", text="A cat sat.")
        second = await session.call_tool("create_video", {"text": "A dog sat."})

    # Then the second is refused as POST /generate refuses it
    assert "Too many running jobs: this key has 1 queued or processing, the limit is 1" in (
        error_text(second)
    )


async def test_a_page_from_an_allowed_origin_may_call(
    gateway_settings: GatewaySettings, broker: BrokerSession
) -> None:
    # Given a gateway that allows one web page's origin
    origin = "https://agents.example"
    allowing = GatewaySettings(**{**gateway_settings.model_dump(), "mcp_allowed_origins": origin})
    with serve(create_app(allowing)) as base_url:
        # When that page calls /mcp
        async with mcp_session(base_url, Origin=origin) as session:
            tools = (await session.list_tools()).tools

    # Then it is served
    assert {tool.name for tool in tools} == TOOLS


async def test_a_page_from_a_foreign_origin_is_refused(served_gateway: str) -> None:
    # Given a served gateway that names no allowed origins
    # When a web page (which always sends its Origin with a POST) calls /mcp
    response = httpx.post(
        f"{served_gateway}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={
            "Accept": "application/json, text/event-stream",
            "Origin": "http://rebinding.example",
        },
    )

    # Then it is refused, in the API's error format
    assert response.status_code == 403
    assert "T2V_MCP_ALLOWED_ORIGINS" in response.json()["error"]


async def test_mcp_is_not_in_the_openapi_document(served_gateway: str) -> None:
    document = httpx.get(f"{served_gateway}/openapi.json").json()
    assert not any(path.startswith("/mcp") for path in document["paths"])


async def test_sessions_need_no_sticky_worker_with_two_gateway_processes(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    # Given `python -m gateway` with two worker processes and keys on
    stack = Stack(settings, tmp_path / "logs")
    stack.environment["T2V_WORKERS"] = "2"
    stack.environment["T2V_API_KEYS"] = KEY_A
    stack.start("gateway")
    try:
        stack.wait_until_healthy()
        base_url = stack.base_url.removesuffix("/api/v1")
        # When one client session makes many requests, each on a connection of its own
        # that either worker may take
        async with mcp_session(base_url, KEY_A, Connection="close") as session:
            job_ids = [
                (await call(session, "create_video", text=f"Story number {number}."))["job_id"]
                for number in range(6)
            ]
            opened = httpx.post(
                f"{base_url}/mcp",
                json=INITIALIZE,
                headers={"Accept": "application/json, text/event-stream", "X-API-Key": KEY_A},
            )
            statuses = [
                (await call(session, "get_job", job_id=job_id))["status"] for job_id in job_ids
            ]
    finally:
        stack.stop_all()

    # Then every request of the session was served, by whichever worker took it
    assert statuses == ["queued"] * 6
    # for the server keeps no session a later request would have to find
    assert "mcp-session-id" not in opened.headers


async def test_a_video_created_through_mcp_is_made_by_the_whole_service(
    settings: Settings, tmp_path: Path
) -> None:
    # Given the whole service, `t2v up`, on the real broker
    with local_service(settings, tmp_path / "up.log") as api_base:
        async with mcp_session(api_base.removesuffix("/api/v1")) as session:
            # When an agent creates a small video and follows it until it ends
            small = {"width": 128, "height": 224, "fps": 15}
            accepted = await call(
                session, "create_video", text="A small boat sailed home.", options=small
            )
            deadline = time.monotonic() + 120
            job = await call(session, "get_job", job_id=accepted["job_id"])
            while job["status"] not in ("completed", "failed") and time.monotonic() < deadline:
                await anyio.sleep(0.2)
                job = await call(session, "get_job", job_id=accepted["job_id"])

    # Then the job completed through every stage, and its video is where it says
    assert job["status"] == "completed", job
    assert tuple(stage["stage"] for stage in job["stages"]) == STAGE_NAMES
    assert (settings.data_dir / job["output_file"]).is_file()
