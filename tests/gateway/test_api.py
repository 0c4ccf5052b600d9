"""The HTTP API against a real RabbitMQ: the contract in docs/api-contract.md, errors included."""

import time
import uuid

import pytest
from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.artifacts import output_video_path
from common.errors import StageError
from common.messages import JobOptions, StageReport, parse_stage_message
from common.progress import completed_event, failed_event, stage_done_event, stage_event
from common.stages import QUEUED_MESSAGE
from gateway.app import create_app
from gateway.errors import BROKER_UNAVAILABLE_MESSAGE
from gateway.settings import GatewaySettings
from tests.broker_helpers import drain_queue, get_message_from_queue
from tests.gateway.helpers import (
    API,
    NO_TEXT,
    NOT_FOUND,
    NOT_READY,
    publish_progress,
    submit,
    wait_for_status,
)

# Queuing a job


def test_a_job_is_accepted_and_its_first_stage_queued(
    client: TestClient, broker: BrokerSession
) -> None:
    # Given a running gateway
    # When a client posts a story, as the contract's client does
    before = int(time.time())
    response = client.post(f"{API}/generate", json={"text": "Once upon a time..."})

    # Then it gets 202 with a new job id, queued
    assert response.status_code == 202
    body = response.json()
    job_id = body["job_id"]
    assert uuid.UUID(job_id).version == 4
    assert body == {"job_id": job_id, "status": "queued", "message": "Video generation started"}

    # And the tts stage's queue holds the job's message with default options
    message = parse_stage_message(
        get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
    )
    assert (message.job_id, message.text) == (job_id, "Once upon a time...")
    assert message.options == JobOptions()

    # And the job reads as queued, created just now, in integer seconds
    status = client.get(f"{API}/status/{job_id}").json()
    assert status == {
        "status": "queued",
        "progress": 0,
        "message": QUEUED_MESSAGE,
        "created_at": status["created_at"],
    }
    assert isinstance(status["created_at"], int)
    assert before <= status["created_at"] <= int(time.time())


def test_options_travel_with_the_job(client: TestClient, broker: BrokerSession) -> None:
    # When a client asks for a landscape video at 24 fps
    options = {"width": 1280, "height": 720, "fps": 24}
    response = client.post(f"{API}/generate", json={"text": "A story.", "options": options})

    # Then the first stage receives exactly those options
    assert response.status_code == 202
    message = parse_stage_message(
        get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
    )
    assert message.options == JobOptions.model_validate(options)


def test_orientation_and_preview_pick_the_frame_size(
    client: TestClient, broker: BrokerSession
) -> None:
    # When a client asks for a landscape preview with captions highlighted in red
    options = {
        "orientation": "landscape",
        "preview": True,
        "captions": {"highlight_color": "#FF0000"},
    }
    response = client.post(f"{API}/generate", json={"text": "A story.", "options": options})

    # Then the job is half of 1920x1080, with the caption style it asked for
    assert response.status_code == 202
    message = parse_stage_message(
        get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
    )
    assert (message.options.width, message.options.height) == (960, 540)
    assert message.options.captions.highlight_color == "#FF0000"


def test_unknown_orientation_is_refused_clearly(client: TestClient) -> None:
    # When a client asks for an orientation that does not exist
    response = client.post(
        f"{API}/generate", json={"text": "A story.", "options": {"orientation": "diagonal"}}
    )

    # Then it gets a 400 that names the allowed values
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid options: orientation: Input should be 'portrait', 'landscape' or 'square'"
    }


@pytest.mark.parametrize(
    "body",
    [
        b'{"other": "field"}',
        b'{"text": ""}',
        b'{"text": "  \\n\\t "}',
        b'{"text": 42}',
        b'{"text": null}',
        b'{"text": ["a", "list"]}',
        b'{"text": "unclosed',
        b'["text"]',
        b'"just a string"',
        b"",
        b"\xff\xfe not utf-8",
    ],
    ids=[
        "missing",
        "empty",
        "whitespace",
        "number",
        "null",
        "list",
        "invalid-json",
        "array-body",
        "string-body",
        "no-body",
        "not-utf8",
    ],
)
def test_a_body_without_usable_text_is_refused(
    client: TestClient, broker: BrokerSession, body: bytes
) -> None:
    # When a client posts a body with no usable text
    response = client.post(
        f"{API}/generate", content=body, headers={"Content-Type": "application/json"}
    )

    # Then it gets the contract's 400, and no job exists or is queued
    assert response.status_code == 400
    assert response.json() == NO_TEXT
    assert client.get(f"{API}/jobs").json() == {"jobs": {}}
    assert drain_queue(broker, broker.topology.stage_queue("tts")) == []


def test_json_posted_without_a_content_type_is_accepted(client: TestClient) -> None:
    # Given a curl script that posts JSON with -d and no Content-Type header
    # When it posts
    response = client.post(f"{API}/generate", content=b'{"text": "Hello"}')

    # Then the job is accepted
    assert response.status_code == 202


def test_text_over_the_limit_is_refused_with_413(
    gateway_settings: GatewaySettings, broker: BrokerSession
) -> None:
    # Given a gateway that takes at most 50 characters
    limited = gateway_settings.model_copy(update={"max_text_chars": 50})
    with TestClient(create_app(limited)) as client:
        # When a client posts 51
        response = client.post(f"{API}/generate", json={"text": "x" * 51})

        # Then it is told the text is too long, and nothing is queued
        assert response.status_code == 413
        assert response.json() == {"error": "Text is too long: 51 characters, the limit is 50"}
        assert client.get(f"{API}/jobs").json() == {"jobs": {}}
        # While 50 is fine
        assert client.post(f"{API}/generate", json={"text": "x" * 50}).status_code == 202


def test_a_body_far_over_the_limit_is_refused_unread(
    gateway_settings: GatewaySettings, broker: BrokerSession
) -> None:
    # Given a gateway that takes at most 50 characters
    limited = gateway_settings.model_copy(update={"max_text_chars": 50})
    with TestClient(create_app(limited)) as client:
        # When a client streams a body no 50-character story could need
        response = client.post(f"{API}/generate", content=b" " * 200_000)

        # Then it is refused before the gateway tries to parse it
        assert response.status_code == 413
        assert response.json() == {"error": "Request body is too large: the limit is 66136 bytes"}


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"width": 10}, "Invalid options: width: Input should be greater than or equal to 64"),
        (
            {"fps": "fast"},
            "Invalid options: fps: Input should be a valid integer, "
            "unable to parse string as an integer",
        ),
        ({"narrator": "joe"}, "Invalid options: narrator: Extra inputs are not permitted"),
        ("big", "Invalid options: Input should be a valid dictionary or instance of JobOptions"),
    ],
)
def test_bad_options_are_refused_with_a_reason(
    client: TestClient, options: object, error: str
) -> None:
    response = client.post(f"{API}/generate", json={"text": "A story.", "options": options})

    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert client.get(f"{API}/jobs").json() == {"jobs": {}}


# Following a job


def test_a_progress_event_updates_the_status(client: TestClient, broker: BrokerSession) -> None:
    # Given a queued job
    job_id = submit(client)

    # When the queries stage publishes its progress on the broker
    publish_progress(broker, stage_event(job_id, "queries"))

    # Then the status shows it
    status = wait_for_status(client, job_id, lambda status: status["progress"] == 60)
    assert status["status"] == "processing"
    assert status["progress"] == 60
    assert status["message"] == "Generating video search queries..."


def test_the_job_detail_lists_each_finished_stage_with_its_provider(
    client: TestClient, broker: BrokerSession
) -> None:
    # Given a job whose first two stages finished, reported in the wrong order
    job_id = submit(client)
    publish_progress(
        broker, stage_done_event(job_id, "captions", StageReport(provider="whisper", seconds=3.2))
    )
    publish_progress(
        broker, stage_done_event(job_id, "tts", StageReport(provider="piper (amy)", seconds=1.5))
    )

    # When a client asks for the job's detail
    status = wait_for_status(client, job_id, lambda status: status["progress"] == 40)
    detail = client.get(f"{API}/jobs/{job_id}").json()

    # Then the stages are listed in pipeline order with who did them and how long it took
    assert detail["stages"] == [
        {"stage": "tts", "provider": "piper (amy)", "seconds": 1.5},
        {"stage": "captions", "provider": "whisper", "seconds": 3.2},
    ]
    assert detail["message"] == status["message"] == "Generating captions... done: whisper, 3.2 s"
    assert client.get(f"{API}/jobs/{uuid.uuid4()}").json() == NOT_FOUND


def test_a_malformed_progress_event_is_dead_lettered_and_consuming_goes_on(
    client: TestClient, broker: BrokerSession
) -> None:
    # Given a queued job
    job_id = submit(client)

    # When a malformed event and then a valid one arrive
    topology = broker.topology
    broker.publish(topology.progress_exchange, "progress.tts", b"{not json")
    publish_progress(broker, stage_event(job_id, "tts"))

    # Then the valid one is applied and the malformed one waits in the dead-letter queue
    status = wait_for_status(client, job_id, lambda status: status["progress"] == 20)
    assert status["progress"] == 20
    assert get_message_from_queue(broker, topology.dead_letter_queue, timeout=5) == b"{not json"


def test_a_failed_job_reports_why(client: TestClient, broker: BrokerSession) -> None:
    # Given a job whose captions stage failed
    job_id = submit(client)
    publish_progress(broker, stage_event(job_id, "captions"))
    publish_progress(broker, failed_event(job_id, "captions", StageError("audio is silent")))

    # When the client polls
    status = wait_for_status(client, job_id, lambda status: status["status"] == "failed")

    # Then it sees the failure and its reason, and the video is not offered
    assert status["status"] == "failed"
    assert status["message"] == "Failed at captions: audio is silent"
    assert client.get(f"{API}/download/{job_id}").json() == NOT_READY


def test_a_video_on_disk_is_not_served_for_a_job_the_store_does_not_know(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a video file whose job was never submitted here
    stranger = str(uuid.uuid4())
    video = output_video_path(gateway_settings.data_dir, stranger)
    video.parent.mkdir(parents=True)
    video.write_bytes(b"not for you")

    # When a client asks for it, Then it is not found
    response = client.get(f"{API}/download/{stranger}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_video_downloads_once_the_job_completes(
    client: TestClient, broker: BrokerSession, gateway_settings: GatewaySettings
) -> None:
    # Given a job that is still rendering
    job_id = submit(client)
    publish_progress(broker, stage_event(job_id, "render"))
    wait_for_status(client, job_id, lambda status: status["progress"] == 90)

    # Then its video is not ready, and the listing names no file
    assert client.get(f"{API}/download/{job_id}").status_code == 400
    assert client.get(f"{API}/download/{job_id}").json() == NOT_READY
    assert "output_file" not in client.get(f"{API}/jobs").json()["jobs"][job_id]

    # When render writes the video and reports completion
    video_bytes = b"\x00\x00\x00\x18ftypmp42 a tiny stand-in for a real video"
    video = output_video_path(gateway_settings.data_dir, job_id)
    video.parent.mkdir(parents=True)
    video.write_bytes(video_bytes)
    publish_progress(broker, completed_event(job_id, "render"))
    status = wait_for_status(client, job_id, lambda status: status["status"] == "completed")

    # Then the status is complete, the listing names the file, and the video downloads
    assert status["progress"] == 100
    assert status["message"] == "Video generation completed"
    listed = client.get(f"{API}/jobs").json()["jobs"][job_id]
    assert listed["output_file"] == f"output/video_{job_id}.mp4"
    download = client.get(f"{API}/download/{job_id}")
    assert download.status_code == 200
    assert download.headers["content-type"] == "video/mp4"
    assert f'filename="generated_video_{job_id}.mp4"' in download.headers["content-disposition"]
    assert download.content == video_bytes


def test_a_completed_job_whose_file_is_gone_is_not_ready(
    client: TestClient, broker: BrokerSession
) -> None:
    # Given a job reported complete whose video is not on the volume
    job_id = submit(client)
    publish_progress(broker, completed_event(job_id, "render"))
    wait_for_status(client, job_id, lambda status: status["status"] == "completed")

    # Then download says it is not ready, and the listing names no file
    response = client.get(f"{API}/download/{job_id}")
    assert response.status_code == 400
    assert response.json() == NOT_READY
    assert "output_file" not in client.get(f"{API}/jobs").json()["jobs"][job_id]


def test_all_jobs_are_listed(client: TestClient) -> None:
    # Given two submitted jobs
    first, second = submit(client, "First story."), submit(client, "Second story.")

    # When the client lists jobs
    jobs = client.get(f"{API}/jobs").json()["jobs"]

    # Then both are there, newest first, with the contract's fields
    assert list(jobs) == [second, first]
    for job in jobs.values():
        assert job == {
            "status": "queued",
            "progress": 0,
            "message": QUEUED_MESSAGE,
            "created_at": job["created_at"],
        }


def test_jobs_survive_a_gateway_restart(
    gateway_settings: GatewaySettings, broker: BrokerSession
) -> None:
    # Given a gateway that accepted a job and then stopped
    with TestClient(create_app(gateway_settings)) as client:
        job_id = submit(client)
        before = client.get(f"{API}/status/{job_id}").json()

    # When a new gateway starts on the same data directory
    with TestClient(create_app(gateway_settings)) as client:
        # Then the job is still known
        assert client.get(f"{API}/status/{job_id}").json() == before
        assert list(client.get(f"{API}/jobs").json()["jobs"]) == [job_id]


# Health and the broker being away


def test_health_reports_the_broker_connection(client: TestClient) -> None:
    response = client.get(f"{API}/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "broker": True}


def test_without_a_broker_jobs_are_refused_with_503(offline_client: TestClient) -> None:
    # Given a gateway whose broker is unreachable
    # When a client posts a story
    started = time.monotonic()
    response = offline_client.post(f"{API}/generate", json={"text": "A story."})

    # Then it is told at once that the queue is unavailable, and no job is left behind
    assert time.monotonic() - started < 2.0
    assert response.status_code == 503
    assert response.json() == {"error": BROKER_UNAVAILABLE_MESSAGE}
    assert offline_client.get(f"{API}/jobs").json() == {"jobs": {}}
    assert offline_client.get(f"{API}/health").json() == {"status": "ok", "broker": False}


# The framework's own errors keep the contract's shape


def test_an_unknown_route_answers_json(offline_client: TestClient) -> None:
    response = offline_client.get(f"{API}/nowhere")

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


def test_a_wrong_method_answers_json(offline_client: TestClient) -> None:
    response = offline_client.get(f"{API}/generate")

    assert response.status_code == 405
    assert response.json() == {"error": "Method Not Allowed"}
    assert response.headers["allow"] == "POST"


def test_validation_and_unexpected_errors_answer_json(offline_settings: GatewaySettings) -> None:
    # Given an app with a route that validates a parameter and one that crashes
    app = create_app(offline_settings)

    @app.get("/checked")
    def checked(count: int) -> int:
        return count

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        # When they are called badly, Then both answer {"error": ...}
        invalid = client.get("/checked", params={"count": "many"})
        assert invalid.status_code == 422
        assert invalid.json() == {
            "error": "Invalid request: query.count: Input should be a valid integer, "
            "unable to parse string as an integer"
        }
        crashed = client.get("/crash")
        assert crashed.status_code == 500
        assert crashed.json() == {"error": "Internal server error"}
