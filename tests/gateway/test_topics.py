"""A job asked for by topic: the gateway's chat model writes its story, then it runs as any other.

The chat model is a local server speaking the OpenAI chat-completions wire format; the
gateway and the broker are real.
"""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mcp import Client

from common.amqp.session import BrokerSession
from common.messages import JobOptions, parse_stage_message
from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.store import JobStore, StoryTopic, new_job
from gateway.story.writing import clean_story
from tests.broker_helpers import get_message_from_queue
from tests.gateway.helpers import API, GatewayStarter, serve
from tests.svc_queries.chat_server import ChatServer, Reply, answer

MODEL = "story-model"
STORY = "The keeper climbed the tower at dusk.\n\nFar out, a ship turned toward the light."
# What a model may wrap a story in: a title, emphasis, an HTML tag, a code fence.
MARKED_UP_STORY = (
    "# The Lighthouse\n\n```text\n**The keeper** climbed <b>the tower</b> at dusk.\n\n"
    "Far out, a ship turned toward the light.\n```"
)
TOPIC = {"topic": "a lighthouse keeper's last night", "target_seconds": 20, "tone": "calm"}


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    with ChatServer().running() as server:
        yield server


def _with_model(chat_server: ChatServer, **overrides: Any) -> dict[str, Any]:
    return {"llm_base_url": chat_server.base_url, "llm_model": MODEL, **overrides}


def _ask_for(client: TestClient, document: dict[str, Any]) -> str:
    response = client.post(f"{API}/generate", json=document)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    return str(response.json()["job_id"])


def _wait_for_message(client: TestClient, job_id: str, written: str) -> dict[str, Any]:
    """The job's detail once its message no longer says the story is being written."""
    deadline = time.monotonic() + 10.0
    while True:
        detail: dict[str, Any] = client.get(f"{API}/jobs/{job_id}").json()
        if detail["message"] != written or time.monotonic() > deadline:
            return detail
        time.sleep(0.02)


def _wait_for_questions(chat_server: ChatServer, count: int) -> None:
    deadline = time.monotonic() + 10.0
    while len(chat_server.requests) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(chat_server.requests) == count


def test_a_topic_becomes_a_story_and_the_story_a_job(
    gateway_with: GatewayStarter, broker: BrokerSession, chat_server: ChatServer
) -> None:
    # Given a gateway with a chat model that answers with a story in markup
    chat_server.replies = [answer(MARKED_UP_STORY)]
    with gateway_with(**_with_model(chat_server)) as client:
        # When a job is asked for by topic, in French
        job_id = _ask_for(client, {**TOPIC, "options": {"language": "fr"}})

        # Then the job is queued, writing its story, then queued with the story stored
        detail = _wait_for_message(client, job_id, "Writing the story...")
        assert detail["status"] == "queued"
        assert detail["message"] == "Job queued"
        assert detail["topic"] == TOPIC["topic"]
        assert detail["text"] == STORY

    # And its first stage message carries the story, cleaned of markup, and the language
    body = get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
    message = parse_stage_message(body)
    assert message.job_id == job_id
    assert message.text == STORY
    assert message.options.language == "fr"
    # And the model was asked for the topic, its length, tone and language
    [request] = chat_server.requests
    assert request["model"] == MODEL
    question = request["messages"][-1]["content"]
    assert TOPIC["topic"] in question
    assert "calm" in question
    assert "about 20 seconds" in question
    assert "BCP 47 tag fr" in question


def test_a_text_jobs_detail_shows_its_text_and_no_topic(client: TestClient) -> None:
    # Given a job asked for by text
    job_id = _ask_for(client, {"text": "A short story."})

    # When its detail is read
    detail = client.get(f"{API}/jobs/{job_id}").json()

    # Then it shows the text, and no topic
    assert detail["text"] == "A short story."
    assert "topic" not in detail


def test_with_a_text_a_topic_is_a_field_of_the_clients_own(
    gateway_with: GatewayStarter, chat_server: ChatServer
) -> None:
    # Given a gateway with a chat model
    with gateway_with(**_with_model(chat_server)) as client:
        # When a job is asked for with a text and a topic
        job_id = _ask_for(client, {**TOPIC, "text": "A short story."})

        # Then it is a text job, as the contract for text has it: other fields are ignored
        detail = client.get(f"{API}/jobs/{job_id}").json()
    assert detail["text"] == "A short story." and "topic" not in detail
    assert chat_server.requests == []


def test_without_a_chat_model_a_topic_is_refused_naming_the_settings(client: TestClient) -> None:
    # When a job is asked for by topic on a gateway without a chat model
    response = client.post(f"{API}/generate", json=TOPIC)

    # Then it is refused, naming what to configure
    assert response.status_code == 400
    error = response.json()["error"]
    assert "T2V_LLM_BASE_URL" in error and "T2V_LLM_MODEL" in error


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({**TOPIC, "topic": "  "}, "Invalid topic"),
        ({**TOPIC, "topic": "x" * 1001}, "at most 1000 characters"),
        ({**TOPIC, "topic": 7}, "Invalid topic"),
        ({**TOPIC, "target_seconds": 601}, "from 5 to 600"),
        ({**TOPIC, "target_seconds": True}, "Invalid target_seconds"),
        ({**TOPIC, "tone": "x" * 41}, "Invalid tone"),
        ({**TOPIC, "tone": "calm\nthen angry"}, "Invalid tone"),
        ({**TOPIC, "options": {"fps": 0}}, "Invalid options"),
    ],
)
def test_a_topic_request_out_of_bounds_is_refused(
    gateway_with: GatewayStarter, chat_server: ChatServer, document: dict[str, Any], problem: str
) -> None:
    # Given a gateway with a chat model
    with gateway_with(**_with_model(chat_server)) as client:
        # When a topic job is asked for with a field out of bounds
        response = client.post(f"{API}/generate", json=document)

    # Then it is refused, saying which, and the model is never asked
    assert response.status_code == 400
    assert problem in response.json()["error"]
    assert chat_server.requests == []


@pytest.mark.parametrize(
    ("replies", "reason"),
    [
        ([Reply(status=503, content="Overloaded")], "HTTP 503"),
        ([Reply(body="<html>proxy error</html>")] * 2, "wrote no story twice"),
        ([answer("```\n```"), answer("<p></p> **")], "wrote no story twice"),
    ],
)
def test_a_model_that_writes_no_story_fails_the_job_clearly(
    gateway_with: GatewayStarter, chat_server: ChatServer, replies: list[Reply], reason: str
) -> None:
    # Given a chat model that fails, or answers with nothing usable
    chat_server.replies = list(replies)
    with gateway_with(**_with_model(chat_server)) as client:
        # When a job is asked for by topic
        job_id = _ask_for(client, TOPIC)

        # Then the job fails, saying the story could not be written and why
        detail = _wait_for_message(client, job_id, "Writing the story...")
        assert detail["status"] == "failed"
        assert detail["message"].startswith("Failed at story: ")
        assert reason in detail["message"]
        assert "text" not in detail
        # And the gateway goes on taking jobs
        assert client.get(f"{API}/health").json()["broker"] is True


def test_a_story_too_long_for_the_video_limit_fails_the_job(
    gateway_with: GatewayStarter, chat_server: ChatServer
) -> None:
    # Given a gateway whose videos may be 10 s long, and a model that writes a long story
    chat_server.replies = [answer("The sea was calm that night. " * 40)]
    with gateway_with(**_with_model(chat_server), max_video_seconds=10) as client:
        # When a job is asked for by topic
        job_id = _ask_for(client, {**TOPIC, "target_seconds": 10})

        # Then it fails on the limit, as a text that long would have been refused
        detail = _wait_for_message(client, job_id, "Writing the story...")
    assert detail["status"] == "failed"
    assert "T2V_MAX_VIDEO_SECONDS" in detail["message"]


def test_a_story_interrupted_by_a_restart_is_written_after_it(
    gateway_with: GatewayStarter, broker: BrokerSession, chat_server: ChatServer
) -> None:
    # Given a gateway whose chat model is still writing when the gateway stops
    chat_server.replies = [Reply(content="Too late.", delay=30), answer(STORY)]
    with gateway_with(**_with_model(chat_server, llm_timeout_seconds=5)) as client:
        job_id = _ask_for(client, TOPIC)
        _wait_for_questions(chat_server, 1)

    # When a gateway starts again on the same store
    with gateway_with(**_with_model(chat_server)) as client:
        # Then it writes the story and queues the job
        detail = _wait_for_message(client, job_id, "Writing the story...")
        assert detail["message"] == "Job queued"
        assert detail["text"] == STORY
    message = parse_stage_message(
        get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
    )
    assert message.job_id == job_id and message.text == STORY


def test_a_cancelled_topic_job_gets_no_story(
    gateway_with: GatewayStarter, broker: BrokerSession, chat_server: ChatServer
) -> None:
    # Given a job whose story is being written
    chat_server.replies = [Reply(content=STORY, delay=0.5), answer(STORY)]
    with gateway_with(**_with_model(chat_server)) as client:
        cancelled = _ask_for(client, TOPIC)
        _wait_for_questions(chat_server, 1)
        # When it is cancelled meanwhile
        assert client.delete(f"{API}/jobs/{cancelled}").status_code == 202
        # And another job follows it (stories are written one at a time, oldest first)
        following = _ask_for(client, TOPIC)
        assert _wait_for_message(client, following, "Writing the story...")["text"] == STORY

        # Then the cancelled job stays cancelled, without a story
        detail = client.get(f"{API}/jobs/{cancelled}").json()
    assert detail["status"] == "failed" and detail["message"] == "Cancelled"
    assert "text" not in detail
    # And only the following job reached the pipeline
    body = get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
    assert parse_stage_message(body).job_id == following
    assert len(chat_server.requests) == 2


def test_a_story_is_bounded_and_plain() -> None:
    # A story over the limit ends at its last sentence within it
    assert clean_story("One two. Three four. Five six.", 25) == "One two. Three four."
    # Control characters and unpaired surrogates are dropped; line breaks are kept
    assert clean_story("A\x00 b\ud800c.\n\n\n\nNext\x1b.", 100) == "A bc.\n\nNext."
    # Lists and quotes lose their markers
    assert clean_story("- first\n> second\n1. third", 100) == "first\nsecond\nthird"


def test_a_story_is_claimed_by_one_gateway_at_a_time(open_store: Callable[[], JobStore]) -> None:
    # Given two gateways on one store (SQLite or PostgreSQL) and a job waiting for its story
    first, second = open_store(), open_store()
    try:
        topic = StoryTopic(topic="a storm", target_seconds=20)
        first.insert_all([new_job("topic-job", "", JobOptions(), topic=topic)])
        now = time.time()

        # When both claim a story
        claimed = first.claim_story(now, lease=now + 60)
        # Then one gets it, with its topic, and the other none while the lease holds
        assert claimed is not None and claimed.topic == topic and claimed.text == ""
        assert second.claim_story(now, lease=now + 60) is None

        # And once the lease has run out, the other takes it, and the first's claim is void
        later = now + 61
        assert second.claim_story(later, lease=later + 60) is not None
        assert not first.write_story("topic-job", now + 60, STORY, 5.0, "Job queued")
        assert second.write_story("topic-job", later + 60, STORY, 5.0, "Job queued")
        assert second.story_published("topic-job", later + 60)
        # And a story written and published is claimed no more
        assert first.claim_story(later + 600, lease=later + 660) is None
        stored = first.get("topic-job")
        assert stored is not None and stored.text == STORY and stored.message == "Job queued"
    finally:
        first.close()
        second.close()


@pytest.mark.anyio
async def test_an_agent_asks_for_a_video_by_topic(
    gateway_settings: GatewaySettings, broker: BrokerSession, chat_server: ChatServer
) -> None:
    # Given a served gateway with a chat model
    chat_server.replies = [answer(STORY)]
    settings = GatewaySettings(**{**gateway_settings.model_dump(), **_with_model(chat_server)})
    with serve(create_app(settings)) as base_url:
        # When an agent asks create_video for a topic
        async with Client(f"{base_url}/mcp") as client:
            accepted = await client.call_tool("create_video", {**TOPIC})
            blank = await client.call_tool("create_video", {"topic": " "})
        assert accepted.structured_content is not None
        job_id = accepted.structured_content["job_id"]

        # Then the story is written and the job queued, as for POST /generate
        message = parse_stage_message(
            get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
        )
    assert message.job_id == job_id and message.text == STORY
    # And a blank topic is refused in the API's words
    assert blank.is_error and "Invalid topic" in str(blank.content)
