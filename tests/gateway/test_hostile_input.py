"""Odd, wrong and malicious requests get a clean JSON answer, never a 500 or a stray file."""

import http.client
import json
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.messages import parse_stage_message
from gateway.settings import GatewaySettings
from tests.broker_helpers import get_message_from_queue
from tests.gateway.helpers import API, NO_TEXT, NOT_FOUND

# Stories


@pytest.mark.parametrize(
    "text",
    [
        "Bell\x07, null\x00, escape\x1b[31m red\x1b[0m, delete\x7f, form feed\x0c.",
        "A dragon 🐉 met a family 👨‍👩‍👧‍👦 under a flag 🏳️‍🌈.",
        "שלום עולם, مرحبا بالعالم, and back to English.",
        "\u202etxet desrever\u202c and a zero\u200bwidth space.",
        "<script>alert('x')</script><b>bold</b> &amp; <!-- comment --> {{ template }}",
        "'; DROP TABLE jobs; --",
        "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇ text",
    ],
    ids=[
        "control-characters",
        "emoji",
        "right-to-left",
        "bidi-overrides",
        "markup",
        "sql",
        "zalgo",
    ],
)
def test_awkward_text_is_accepted_and_travels_unchanged(
    client: TestClient, broker: BrokerSession, text: str
) -> None:
    # When a client posts a story full of awkward characters
    response = client.post(f"{API}/generate", json={"text": text})

    # Then it is queued, and the first stage gets exactly that text
    assert response.status_code == 202, response.text
    message = parse_stage_message(
        get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
    )
    assert message.text == text


def test_half_a_surrogate_pair_is_refused(client: TestClient) -> None:
    # Given JSON that escapes only the first half of an emoji's surrogate pair
    body = b'{"text": "A broken \\ud83d emoji", "note": "\\udc00"}'

    # When a client posts it
    response = client.post(f"{API}/generate", content=body)

    # Then it is refused as text that cannot be stored or spoken
    assert response.status_code == 400
    assert response.json() == {"error": "Text is not valid Unicode: it has an unpaired surrogate"}


def test_options_with_half_a_surrogate_pair_are_refused(client: TestClient) -> None:
    # When a client sends an option whose name is half a surrogate pair
    response = client.post(f"{API}/generate", content=b'{"text": "Hi", "options": {"\\ud800": 1}}')

    # Then the options are refused, in plain JSON
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid options: Input should be a valid string, "
        "unable to parse raw data as a unicode string"
    }


def test_extra_fields_are_ignored(client: TestClient, broker: BrokerSession) -> None:
    # When a client sends fields of its own beside the story (options stay strict)
    body = {"text": "A story.", "title": "Mine", "user": {"id": 7}, "job_id": "../../etc"}
    response = client.post(f"{API}/generate", json=body)

    # Then the job is accepted under an id of the gateway's choosing, fields dropped
    assert response.status_code == 202
    job_id = response.json()["job_id"]
    message = parse_stage_message(
        get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
    )
    assert (message.job_id, message.text) == (job_id, "A story.")


# Bodies that are not a JSON story


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"Once upon a time, in plain text."),
        ("application/x-www-form-urlencoded", b"text=Once+upon+a+time"),
        ("application/xml", b"<text>Once upon a time</text>"),
        ("application/octet-stream", b"\x89PNG\r\n\x1a\n\x00\x00"),
        (None, b"Once upon a time, with no type at all."),
    ],
)
def test_a_story_that_is_not_json_is_refused(
    client: TestClient, content_type: str | None, body: bytes
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post(f"{API}/generate", content=body, headers=headers)

    assert response.status_code == 400
    assert response.json() == NO_TEXT


def test_a_form_upload_is_refused_as_the_wrong_media_type(client: TestClient) -> None:
    # When a client uploads the story as a form (curl -F text=...)
    response = client.post(f"{API}/generate", files={"text": (None, "Once upon a time")})

    # Then it is told to send JSON
    assert response.status_code == 415
    assert response.json() == {
        "error": "Unsupported content type multipart/form-data: "
        'send JSON such as {"text": "..."} with Content-Type: application/json'
    }


def test_json_declared_as_plain_text_is_still_a_story(client: TestClient) -> None:
    # Clients that mislabel JSON (curl -d sends it as a form) keep working.
    response = client.post(
        f"{API}/generate", content=b'{"text": "Hello"}', headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 202


def test_a_body_declaring_more_than_the_limit_is_refused_before_it_is_read(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # When a client announces a gigabyte but sends a little
    response = client.post(
        f"{API}/generate",
        content=b'{"text": "small"}',
        headers={"Content-Length": str(1024**3)},
    )

    # Then its announcement alone is enough to refuse it
    assert response.status_code == 413
    assert response.json()["error"].startswith("Request body is too large")


def test_a_huge_story_is_refused_with_413(client: TestClient) -> None:
    response = client.post(f"{API}/generate", json={"text": "word " * 1_000_000})

    assert response.status_code == 413
    assert response.json()["error"].startswith("Request body is too large")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"text": "x", "options": ' + b'{"a": ' * 20_000 + b"1" + b"}" * 20_001,
        b'{"text": ' + b"9" * 10_000 + b"}",
    ],
    ids=["nested-arrays", "nested-objects", "huge-number"],
)
def test_pathological_json_is_refused_cleanly(client: TestClient, body: bytes) -> None:
    response = client.post(f"{API}/generate", content=body)

    assert response.status_code == 400
    assert response.json() == NO_TEXT


# Job ids that are not ours


HOSTILE_JOB_IDS = [
    "not-a-uuid",
    "3f1c3a5e-0000-4000-8000-000000000000",
    "..%2Fjobs.sqlite3",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f",
    "%2e%2e%2fjobs.sqlite3",
    "output%2Fvideo_x.mp4",
    "work%2F",
    "%00",
    "'%20OR%20'1'%3D'1",
    "a" * 10_000,
]


@pytest.mark.parametrize("route", ["GET status", "GET download", "DELETE jobs"])
def test_an_id_that_names_no_job_is_not_found_and_touches_nothing(
    client: TestClient, gateway_settings: GatewaySettings, route: str
) -> None:
    # Given a gateway with a job store on disk and one real video
    real_job = client.post(f"{API}/generate", json={"text": "A story."}).json()["job_id"]
    data_dir = gateway_settings.data_dir
    (data_dir / "output").mkdir()
    (data_dir / "output" / f"video_{real_job}.mp4").write_bytes(b"video")
    before = sorted(data_dir.rglob("*"))
    method, resource = route.split()

    for job_id in HOSTILE_JOB_IDS:
        # When a client names a job by something that is not one of its ids
        response = client.request(method, f"{API}/{resource}/{job_id}")

        # Then it is not found, no file is served, and no file is made
        assert response.status_code == 404, job_id[:50]
        assert response.json() == NOT_FOUND, job_id[:50]
    assert sorted(data_dir.rglob("*")) == before


def test_a_path_that_climbs_out_is_not_found(served_gateway: str) -> None:
    # Given a real server, and raw request lines with dot segments as curl --path-as-is
    # sends them (client libraries would tidy them away)
    connection = http.client.HTTPConnection(urlsplit(served_gateway).netloc, timeout=5)
    for route in ("GET status", "GET download", "DELETE jobs"):
        method, resource = route.split()
        for job_id in ("../jobs.sqlite3", "../../../../etc/passwd", "..", "x/../../jobs.sqlite3"):
            # When a client names a job by a path out of the API
            connection.request(method, f"{API}/{resource}/{job_id}")
            response = connection.getresponse()

            # Then the job is not found, and nothing is served
            assert (response.status, json.loads(response.read())) == (404, NOT_FOUND)
    connection.close()
