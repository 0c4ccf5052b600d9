"""A job's Server-Sent Events, served by real uvicorn servers and fed by the real broker."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from common.amqp.session import BrokerSession
from common.messages import StageReport
from common.progress import completed_event, stage_done_event, stage_event
from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.gateway.helpers import API, NOT_FOUND, GatewayStarter, publish_progress, serve

# Events come within a poll or two; a stream silent this long has failed, not hung the suite.
_READ_TIMEOUT = 5.0
TTS_REPORT = StageReport(provider="piper (amy)", seconds=1.5)


@dataclass(frozen=True)
class Event:
    id: int
    name: str
    data: dict[str, Any]


class EventReader:
    """Reads a stream's events one at a time, and tells whether the server ended it."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def next(self) -> Event | None:
        """The next event, or None once the stream has ended; comments are skipped."""
        fields: dict[str, str] = {}
        for line in self._lines:
            if line == "":
                if fields:
                    return Event(int(fields["id"]), fields["event"], json.loads(fields["data"]))
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        return None

    def rest(self) -> list[Event]:
        """Every event until the server ends the stream."""
        events = []
        while (event := self.next()) is not None:
            events.append(event)
        return events


@contextmanager
def events_of(
    base_url: str, job_id: str, last_event_id: int | None = None
) -> Iterator[EventReader]:
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    timeout = httpx.Timeout(_READ_TIMEOUT)
    with httpx.stream(
        "GET", f"{base_url}{API}/jobs/{job_id}/events", headers=headers, timeout=timeout
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)


def submit_to(base_url: str) -> str:
    response = httpx.post(f"{base_url}{API}/generate", json={"text": "Once upon a time."})
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def wait_for_progress(base_url: str, job_id: str, progress: int) -> None:
    deadline = time.monotonic() + _READ_TIMEOUT
    while httpx.get(f"{base_url}{API}/status/{job_id}").json()["progress"] != progress:
        assert time.monotonic() < deadline, f"the job did not reach {progress}%"
        time.sleep(0.02)


def next_event(reader: EventReader) -> Event:
    event = reader.next()
    assert event is not None, "the stream ended early"
    return event


def test_a_stream_follows_a_job_to_completion_and_ends(
    served_gateway: str, broker: BrokerSession
) -> None:
    # Given a queued job and a client following its events
    job_id = submit_to(served_gateway)
    with events_of(served_gateway, job_id) as reader:
        # Then the stream starts with the job's current state
        first = next_event(reader)
        assert first.name == "state"
        assert first.data["status"] == "queued"
        assert first.data["progress"] == 0
        assert {"message", "created_at", "updated_at"} <= first.data.keys()

        # When the TTS stage finishes, then the stage's report and the new progress arrive
        publish_progress(broker, stage_done_event(job_id, "tts", TTS_REPORT))
        stage = next_event(reader)
        assert stage.name == "stage"
        assert (stage.data["stage"], stage.data["provider"], stage.data["seconds"]) == (
            "tts",
            "piper (amy)",
            1.5,
        )
        progress = next_event(reader)
        assert progress.name == "progress"
        assert progress.data["status"] == "processing"
        assert progress.data["progress"] == 20

        # When the job completes, then its last event says so and the stream ends
        publish_progress(broker, completed_event(job_id, "render"))
        rest = reader.rest()
    assert [event.name for event in rest] == ["completed"]
    assert rest[0].data["progress"] == 100
    ids = [event.id for event in [first, stage, progress, *rest]]
    assert ids == sorted(set(ids))


def test_a_reconnecting_client_resumes_without_repeats(
    served_gateway: str, broker: BrokerSession
) -> None:
    # Given a client that saw a job's start, then lost its connection
    job_id = submit_to(served_gateway)
    with events_of(served_gateway, job_id) as reader:
        seen = next_event(reader)

    # When the TTS stage finishes meanwhile, and the client reconnects with its last id
    publish_progress(broker, stage_done_event(job_id, "tts", TTS_REPORT))
    wait_for_progress(served_gateway, job_id, 20)
    with events_of(served_gateway, job_id, last_event_id=seen.id) as reader:
        # Then it gets what it missed, not what it saw: the stage, and the state as it is now
        missed = [next_event(reader), next_event(reader)]
    assert [(event.name, event.data["progress"]) for event in missed] == [
        ("stage", 20),
        ("state", 20),
    ]

    # When it reconnects once more with the newest id, and the job then moves on
    with events_of(served_gateway, job_id, last_event_id=missed[-1].id) as reader:
        publish_progress(broker, stage_event(job_id, "captions"))
        moved = next_event(reader)
    # Then the first event is the new progress (named "state" if the stream's first poll saw
    # it already): the TTS stage is not told again
    assert moved.name in {"state", "progress"}
    assert moved.data["progress"] == 40


def test_a_finished_job_sends_its_state_and_ends_at_once(
    served_gateway: str, broker: BrokerSession
) -> None:
    # Given a completed job
    job_id = submit_to(served_gateway)
    publish_progress(broker, completed_event(job_id, "render"))
    wait_for_progress(served_gateway, job_id, 100)

    # When a client asks for its events (first time, and again with the last id)
    with events_of(served_gateway, job_id) as reader:
        fresh = reader.rest()
    with events_of(served_gateway, job_id, last_event_id=fresh[-1].id) as reader:
        resumed = reader.rest()

    # Then the first gets the completed state alone, the second nothing, and both end
    assert [(event.name, event.data["status"]) for event in fresh] == [("completed", "completed")]
    assert resumed == []


def test_another_keys_job_is_not_found_and_no_key_is_refused(
    gateway_with: GatewayStarter,
) -> None:
    # Given a job created with one key
    with gateway_with(api_keys="key-alice,key-bob") as client:
        response = client.post(
            f"{API}/generate", json={"text": "Hello."}, headers={"X-API-Key": "key-alice"}
        )
        job_id = response.json()["job_id"]

        # When another key, or no key, asks for its events
        as_bob = client.get(f"{API}/jobs/{job_id}/events", headers={"X-API-Key": "key-bob"})
        no_key = client.get(f"{API}/jobs/{job_id}/events")

    # Then the answers are JSON errors, before any stream starts
    assert (as_bob.status_code, as_bob.json()) == (404, NOT_FOUND)
    assert no_key.status_code == 401
    assert set(no_key.json()) == {"error"}


def test_a_second_gateway_process_streams_the_same_events(
    gateway_settings: GatewaySettings, broker: BrokerSession
) -> None:
    # Given two gateways sharing one data directory and one progress queue
    with (
        serve(create_app(gateway_settings)) as first,
        serve(create_app(gateway_settings)) as second,
    ):
        job_id = submit_to(first)

        # When a client follows the job through each while stages report (whichever gateway
        # consumes each message)
        with events_of(first, job_id) as one, events_of(second, job_id) as two:
            assert next_event(one).name == next_event(two).name == "state"
            publish_progress(broker, stage_done_event(job_id, "tts", TTS_REPORT))
            publish_progress(broker, stage_event(job_id, "captions"))
            publish_progress(broker, completed_event(job_id, "render"))
            seen_one, seen_two = one.rest(), two.rest()

    # Then both streams end with completion, having told the TTS stage once each
    for seen in (seen_one, seen_two):
        assert seen[-1].name == "completed"
        assert [event.data["stage"] for event in seen if event.name == "stage"] == ["tts"]


def open_streams(base_url: str) -> float:
    response = httpx.get(f"{base_url}/metrics")
    for family in text_string_to_metric_families(response.text):
        if family.name == "t2v_http_event_streams":
            return float(family.samples[0].value)
    raise AssertionError("no t2v_http_event_streams in the scrape")


def test_a_quiet_stream_sends_heartbeats_and_no_events(
    gateway_settings: GatewaySettings, broker: BrokerSession
) -> None:
    # Given a gateway whose streams send a heartbeat after 0.3 s of quiet, and a queued job
    settings = gateway_settings.model_copy(update={"events_heartbeat_seconds": 0.3})
    with serve(create_app(settings)) as base_url:
        job_id = submit_to(base_url)

        # When a client follows the job while nothing happens to it
        with httpx.stream(
            "GET", f"{base_url}{API}/jobs/{job_id}/events", timeout=_READ_TIMEOUT
        ) as response:
            lines = response.iter_lines()
            first_event = [next(lines) for _ in range(4)]
            quiet = [next(lines) for _ in range(4)]

    # Then it gets the job's state, and then only keep-alive comments, each on its own
    assert first_event[1] == "event: state"
    assert quiet == [": keep-alive", "", ": keep-alive", ""]


def test_a_client_that_goes_away_closes_its_stream(
    served_gateway: str, broker: BrokerSession
) -> None:
    # Given a client following a queued job
    job_id = submit_to(served_gateway)
    with events_of(served_gateway, job_id) as reader:
        assert next_event(reader).name == "state"
        # (while it follows, the gateway counts its stream)
        assert open_streams(served_gateway) == 1

    # When it goes away before the job ends
    # Then the gateway stops the stream: no stream stays open polling for nobody
    deadline = time.monotonic() + _READ_TIMEOUT
    while open_streams(served_gateway) != 0:
        assert time.monotonic() < deadline, "the stream outlived its client"
        time.sleep(0.05)
