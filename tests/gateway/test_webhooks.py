"""Webhooks: a job's events POSTed, signed, to its URL, retried until delivered or given up.

The receiver is a real local HTTP server; jobs move through real progress messages on the
test's broker, consumed by a running gateway.
"""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from common.amqp.session import BrokerSession
from common.errors import StageError
from common.messages import StageReport, parse_stage_message
from common.progress import completed_event, failed_event, stage_done_event
from common.settings import Settings
from gateway.settings import GatewaySettings
from tests.broker_helpers import get_message_from_queue
from tests.gateway.helpers import API, GatewayStarter, publish_progress
from tests.local_service import Stack

SECRET = "test-webhook-secret"
# Settings that let webhooks reach the local receiver, with retries a test can wait for.
LAB = {
    "webhook_secret": SECRET,
    "webhook_allow_private_addresses": True,
    "webhook_retry_delays": (0.1, 0.1, 0.1, 0.1, 0.1),
}
# The same for a gateway process, as its environment gives them.
LAB_PROCESS = {
    "T2V_WEBHOOK_SECRET": SECRET,
    "T2V_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
    "T2V_WEBHOOK_RETRY_DELAYS": "[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]",
    "T2V_WEBHOOK_TIMEOUT_SECONDS": "1",
}
STORY = "A cat sat."
# Long enough for any delivery below; a test that waits this long has failed.
PATIENCE = 20.0


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """A webhook endpoint: records each request, answers with the next scripted status."""

    url: str
    answers: list[int] = field(default_factory=list)  # then 200 for every request after
    hold_seconds: float = 0.0  # how long each answer takes
    received: list[Received] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, headers: dict[str, str], body: bytes) -> tuple[int, float]:
        with self.lock:
            self.received.append(Received(headers, body))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            return (self.answers.pop(0) if self.answers else 200), self.hold_seconds

    def done(self) -> None:
        with self.lock:
            self.in_flight -= 1


@contextmanager
def receiver(
    answer_body: Callable[[BaseHTTPRequestHandler], None] | None = None,
) -> Iterator[Receiver]:
    state: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, hold = state.take(dict(self.headers), body)
            try:
                time.sleep(hold)
                if answer_body is not None:
                    answer_body(self)
                    return
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the gateway stopped listening: what a timeout test expects
            finally:
                state.done()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/t2v?token=abc")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def post_job(client: TestClient | httpx.Client, options: dict[str, Any]) -> httpx.Response:
    return client.post(f"{API}/generate", json={"text": STORY, "options": options})


def submit_with_webhook(client: TestClient | httpx.Client, url: str, **options: Any) -> str:
    response = post_job(client, {"webhook_url": url, **options})
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def wait_for_webhooks(
    client: TestClient | httpx.Client, job_id: str, done: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """The job detail's webhooks once ``done`` holds for them."""
    deadline = time.monotonic() + PATIENCE
    while True:
        webhooks: list[dict[str, Any]] = (
            client.get(f"{API}/jobs/{job_id}").json().get("webhooks", [])
        )
        if done(webhooks):
            return webhooks
        assert time.monotonic() < deadline, f"webhooks never got there: {webhooks}"
        time.sleep(0.05)


def delivered(webhooks: list[dict[str, Any]]) -> bool:
    return bool(webhooks) and all(hook["outcome"] == "delivered" for hook in webhooks)


def signature_is_valid(request: Received) -> bool:
    """The check a receiver makes, as the README shows it."""
    fields = dict(part.split("=", 1) for part in request.headers["X-T2V-Signature"].split(","))
    signed = fields["t"].encode() + b"." + request.body
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) < 300


def complete(broker: BrokerSession, job_id: str) -> None:
    publish_progress(
        broker, stage_done_event(job_id, "tts", StageReport(provider="piper", seconds=1.5))
    )
    publish_progress(broker, completed_event(job_id, "render"))


def test_a_completed_jobs_event_arrives_once_signed(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    with receiver() as hooks, gateway_with(**LAB) as client:
        # Given a job with a webhook
        job_id = submit_with_webhook(client, hooks.url)

        # When it completes, and its completion is reported twice (a redelivered message)
        complete(broker, job_id)
        publish_progress(broker, completed_event(job_id, "render"))

        # Then the job detail shows the event delivered at the first attempt
        webhooks = wait_for_webhooks(client, job_id, delivered)
        assert len(webhooks) == 1
        assert webhooks[0]["event_id"] == f"{job_id}:completed"
        assert webhooks[0]["event"] == "job.completed"
        assert (webhooks[0]["attempts"], webhooks[0]["last_status"]) == (1, 200)
        assert "next_attempt_at" not in webhooks[0]
        # without the token in the URL's query
        assert webhooks[0]["url"] == hooks.url.split("?")[0] + "?..."

    # And the receiver got it once, signed, with its id and the job as the API shows it
    assert len(hooks.received) == 1
    request = hooks.received[0]
    assert signature_is_valid(request)
    assert request.headers["X-T2V-Event-Id"] == f"{job_id}:completed"
    assert request.headers["X-T2V-Event"] == "job.completed"
    assert request.headers["Content-Type"] == "application/json"
    event = request.event
    assert (event["id"], event["type"], event["job_id"]) == (
        f"{job_id}:completed",
        "job.completed",
        job_id,
    )
    assert event["job"]["status"] == "completed"
    assert event["job"]["progress"] == 100
    assert event["job"]["output_file"] == f"output/video_{job_id}.mp4"
    assert event["job"]["stages"] == [{"stage": "tts", "provider": "piper", "seconds": 1.5}]


def test_the_stages_are_not_told_where_a_jobs_events_go(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    # Given a running gateway
    with gateway_with(**LAB) as client:
        # When a job with a webhook (a token in its query) is accepted
        job_id = submit_with_webhook(client, "https://hooks.example.com/t2v?token=secret")

    # Then the first stage's message carries the job's other options, not the webhook URL
    message = parse_stage_message(
        get_message_from_queue(broker, broker.topology.stage_queue("tts"), timeout=5)
    )
    assert message.job_id == job_id
    assert message.options.webhook_url is None
    assert b"secret" not in message.to_bytes()


def test_a_failing_receiver_gets_the_same_event_until_it_answers(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    with receiver() as hooks, gateway_with(**LAB) as client:
        # Given a receiver that answers 500 twice, then 200
        hooks.answers = [500, 500]
        job_id = submit_with_webhook(client, hooks.url)

        # When the job completes
        complete(broker, job_id)

        # Then the third attempt delivers it, and the detail says so
        webhooks = wait_for_webhooks(client, job_id, delivered)
        assert (webhooks[0]["attempts"], webhooks[0]["last_status"]) == (3, 200)
        assert "last_error" not in webhooks[0]

    # And every attempt carried the same event id and body, each signed
    assert len(hooks.received) == 3
    assert {request.headers["X-T2V-Event-Id"] for request in hooks.received} == {
        f"{job_id}:completed"
    }
    assert len({request.body for request in hooks.received}) == 1
    assert [request.headers["X-T2V-Attempt"] for request in hooks.received] == ["1", "2", "3"]
    assert all(signature_is_valid(request) for request in hooks.received)


def test_a_failed_job_sends_job_failed(gateway_with: GatewayStarter, broker: BrokerSession) -> None:
    with receiver() as hooks, gateway_with(**LAB) as client:
        # Given a job with a webhook
        job_id = submit_with_webhook(client, hooks.url)

        # When its footage stage fails
        publish_progress(broker, failed_event(job_id, "footage", StageError("no clips")))

        # Then a job.failed event is delivered, with the reason
        webhooks = wait_for_webhooks(client, job_id, delivered)
    assert [hook["event_id"] for hook in webhooks] == [f"{job_id}:failed"]
    (request,) = hooks.received
    assert request.event["type"] == "job.failed"
    assert request.event["job"]["status"] == "failed"
    assert request.event["job"]["message"] == "Failed at footage: no clips"


def test_a_cancelled_job_sends_job_failed(gateway_with: GatewayStarter) -> None:
    with receiver() as hooks, gateway_with(**LAB) as client:
        # Given a queued job with a webhook
        job_id = submit_with_webhook(client, hooks.url)

        # When it is cancelled
        assert client.delete(f"{API}/jobs/{job_id}").status_code == 202

        # Then it counts as failed: a job.failed event says it was cancelled
        wait_for_webhooks(client, job_id, delivered)
    (request,) = hooks.received
    assert request.event["type"] == "job.failed"
    assert (request.event["job"]["status"], request.event["job"]["message"]) == (
        "failed",
        "Cancelled",
    )


def test_every_stage_is_sent_when_asked(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    with receiver() as hooks, gateway_with(**LAB) as client:
        # Given a job that asks for all its events
        job_id = submit_with_webhook(client, hooks.url, webhook_events="all")

        # When a stage finishes and then the job completes
        complete(broker, job_id)

        # Then both events are delivered, each with its own id
        webhooks = wait_for_webhooks(
            client, job_id, lambda hooks: len(hooks) == 2 and delivered(hooks)
        )
    assert [hook["event_id"] for hook in webhooks] == [f"{job_id}:stage:tts", f"{job_id}:completed"]
    events = sorted(request.event["type"] for request in hooks.received)
    assert events == ["job.completed", "job.stage_completed"]


def test_the_default_url_takes_the_events_of_jobs_without_one(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    with receiver() as hooks, gateway_with(**LAB, webhook_url=hooks.url) as client:
        # Given a gateway with a default webhook, and a job that names none
        response = client.post(f"{API}/generate", json={"text": STORY})
        job_id = response.json()["job_id"]

        # When the job completes, then its event goes to the default
        complete(broker, job_id)
        wait_for_webhooks(client, job_id, delivered)
    assert [request.event["job_id"] for request in hooks.received] == [job_id]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data", "is a link-local address"),
        ("https://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("ftp://example.com/hook", "only http:// and https://"),
        ("https://user:secret@example.com/hook", "credentials in the URL are not allowed"),
        ("https:///hook", "names no host"),
        ("", "only http:// and https://"),
        ("https://example.com/" + "a" * 2000, "at most 2000 characters"),
    ],
)
def test_intake_refuses_urls_that_may_not_receive_webhooks(
    gateway_with: GatewayStarter, url: str, reason: str
) -> None:
    # Given a gateway with webhooks on, private addresses not allowed
    with gateway_with(webhook_secret=SECRET) as client:
        # When a job names such a webhook
        response = post_job(client, {"webhook_url": url})

    # Then it is refused, saying why
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("Invalid options: webhook_url: ")
    assert reason in error


def test_webhooks_are_refused_without_a_secret_to_sign_them(gateway_with: GatewayStarter) -> None:
    with gateway_with() as client:
        response = post_job(client, {"webhook_url": "https://example.com/hook"})
    assert response.status_code == 400
    assert "T2V_WEBHOOK_SECRET" in response.json()["error"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"webhook_url": "https://example.com/hook"}, "needs T2V_WEBHOOK_SECRET"),
        (
            {"webhook_url": "http://10.0.0.5/hook", "webhook_secret": SECRET},
            "10.0.0.5 is a private address",
        ),
    ],
)
def test_a_default_url_that_could_not_be_used_stops_the_gateway_at_start(
    overrides: dict[str, str], reason: str
) -> None:
    # Given a default webhook without a secret, or at a private address; then the settings
    # are refused, as a gateway that refused every job would be a worse way to find out
    with pytest.raises(ValidationError, match=reason):
        GatewaySettings.model_validate(overrides)


def test_a_name_that_resolves_to_loopback_is_refused_when_connecting(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    with receiver() as hooks, gateway_with(webhook_secret=SECRET) as client:
        # Given a job whose webhook names the receiver as "localhost", which intake lets
        # through: a name is judged by where it leads when connecting
        url = hooks.url.replace("127.0.0.1", "localhost")
        job_id = submit_with_webhook(client, url)

        # When the job completes
        complete(broker, job_id)

        # Then the attempt fails with the reason, and no request reaches the receiver
        webhooks = wait_for_webhooks(
            client,
            job_id,
            lambda hooks: bool(hooks) and hooks[0]["attempts"] >= 1 and "last_error" in hooks[0],
        )
        # And the gateway goes on answering
        assert client.get(f"{API}/health").status_code == 200
    (hook,) = webhooks
    assert hook["outcome"] == "pending"
    assert "refused: localhost resolves to" in hook["last_error"]
    assert "a loopback address" in hook["last_error"]
    assert "last_status" not in hook
    assert hooks.received == []


def test_a_receiver_that_does_not_answer_in_time_fails_the_attempt(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    with receiver() as hooks, gateway_with(**{**LAB, "webhook_timeout_seconds": 0.3}) as client:
        # Given a receiver that takes longer than the timeout to answer
        hooks.hold_seconds = 2.0
        job_id = submit_with_webhook(client, hooks.url)

        # When the job completes
        complete(broker, job_id)

        # Then the attempt is failed as timed out
        webhooks = wait_for_webhooks(
            client, job_id, lambda hooks: bool(hooks) and "last_error" in hooks[0]
        )
    assert webhooks[0]["last_error"] == "no answer within 0.3 s"


def test_an_endless_answer_is_cut_short(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()  # no length: the body runs until the connection closes
        chunk = b"x" * 65536
        for _ in range(10_000):  # 650 MB, far more than the gateway reads
            handler.wfile.write(chunk)

    with receiver(endless) as hooks, gateway_with(**LAB) as client:
        # Given a receiver whose answer never ends
        job_id = submit_with_webhook(client, hooks.url)

        # When the job completes, then the event counts as delivered all the same
        complete(broker, job_id)
        webhooks = wait_for_webhooks(client, job_id, delivered)
    assert (webhooks[0]["attempts"], webhooks[0]["last_status"]) == (1, 200)


def test_deliveries_in_flight_are_bounded(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    with receiver() as hooks, gateway_with(**LAB, webhook_max_in_flight=2) as client:
        # Given a slow receiver and a gateway that sends at most two webhooks at once
        hooks.hold_seconds = 0.3
        job_ids = [submit_with_webhook(client, hooks.url) for _ in range(5)]

        # When five jobs complete at once
        for job_id in job_ids:
            publish_progress(broker, completed_event(job_id, "render"))

        # Then all are delivered, never more than two at a time
        for job_id in job_ids:
            wait_for_webhooks(client, job_id, delivered)
    assert len(hooks.received) == 5
    assert hooks.most_in_flight <= 2


def test_a_delivery_survives_a_gateway_restart(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    stack = Stack(settings, tmp_path / "logs")
    stack.environment.update(LAB_PROCESS)
    with receiver() as hooks:
        # Given a gateway process, and a receiver that fails every attempt for now
        hooks.answers = [500] * 1000
        stack.start("gateway")
        try:
            stack.wait_until_healthy()
            with httpx.Client(base_url=stack.base_url.removesuffix(API)) as client:
                job_id = submit_with_webhook(client, hooks.url)

                # When the job completes and the first attempt fails
                complete(broker, job_id)
                wait_for_webhooks(
                    client, job_id, lambda hooks: bool(hooks) and hooks[0].get("last_status") == 500
                )

                # And the gateway process is killed, the receiver recovers, and the gateway
                # is started again
                stack.kill("gateway")
                with hooks.lock:
                    hooks.answers.clear()
                stack.start("gateway")
                stack.wait_until_healthy()

                # Then the restarted gateway delivers the stored event
                webhooks = wait_for_webhooks(client, job_id, delivered)
        finally:
            stack.stop_all()
    assert webhooks[0]["last_status"] == 200
    # (an attempt cut off by the kill may never have reached the receiver)
    assert webhooks[0]["attempts"] >= len(hooks.received) >= 2
    assert {request.headers["X-T2V-Event-Id"] for request in hooks.received} == {
        f"{job_id}:completed"
    }
    assert "delivered at attempt" in stack.log("gateway")
    assert f"job_id={job_id}" in stack.log("gateway")


def test_a_receiver_that_never_recovers_is_given_up(
    gateway_with: GatewayStarter, broker: BrokerSession
) -> None:
    with receiver() as hooks, gateway_with(**LAB) as client:
        # Given a receiver that always answers 503
        hooks.answers = [503] * 1000
        job_id = submit_with_webhook(client, hooks.url)

        # When the job completes
        complete(broker, job_id)

        # Then after the first attempt and one retry per delay, the event is given up
        webhooks = wait_for_webhooks(
            client, job_id, lambda hooks: bool(hooks) and hooks[0]["outcome"] == "given_up"
        )
    (hook,) = webhooks
    assert hook["attempts"] == len(LAB["webhook_retry_delays"]) + 1 == len(hooks.received)
    assert (hook["last_status"], hook["last_error"]) == (503, "HTTP 503")
    assert "next_attempt_at" not in hook


def test_several_gateway_processes_send_each_event_once(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    # Given `python -m gateway` with two worker processes, both consuming progress
    stack = Stack(settings, tmp_path / "logs")
    stack.environment.update(
        T2V_WORKERS="2", T2V_WEBHOOK_SECRET=SECRET, T2V_WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true"
    )
    with receiver() as hooks:
        stack.start("gateway")
        try:
            stack.wait_until_healthy()
            with httpx.Client(base_url=stack.base_url.removesuffix(API)) as client:
                job_ids = [submit_with_webhook(client, hooks.url) for _ in range(6)]

                # When every job completes, each completion reported twice
                for job_id in job_ids:
                    complete(broker, job_id)
                    publish_progress(broker, completed_event(job_id, "render"))

                # Then each job's event is delivered at its first attempt
                for job_id in job_ids:
                    (hook,) = wait_for_webhooks(client, job_id, delivered)
                    assert hook["attempts"] == 1
        finally:
            stack.stop_all()
    # And the receiver got each event once
    ids = sorted(request.headers["X-T2V-Event-Id"] for request in hooks.received)
    assert ids == sorted(f"{job_id}:completed" for job_id in job_ids)


def test_a_gateway_killed_mid_attempt_leaves_a_lease_that_runs_out(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    stack = Stack(settings, tmp_path / "logs")
    # (an attempt's lease is six timeouts: 6 s)
    stack.environment.update(LAB_PROCESS)
    with receiver() as hooks:
        # Given a gateway process, and a receiver that keeps the first request waiting
        hooks.hold_seconds = 60.0
        stack.start("gateway")
        try:
            stack.wait_until_healthy()
            with httpx.Client(base_url=stack.base_url.removesuffix(API)) as client:
                job_id = submit_with_webhook(client, hooks.url)
                complete(broker, job_id)

                # When the gateway is killed while the receiver holds the attempt
                deadline = time.monotonic() + PATIENCE
                while hooks.in_flight == 0:
                    assert time.monotonic() < deadline, "no attempt reached the receiver"
                    time.sleep(0.01)
                stack.kill("gateway")
                hooks.hold_seconds = 0.0

                # And started again
                stack.start("gateway")
                stack.wait_until_healthy()

                # Then once the dead attempt's lease runs out, the event is delivered
                (hook,) = wait_for_webhooks(client, job_id, delivered)
        finally:
            stack.stop_all()
    assert hook["attempts"] >= 2
    assert hook["last_status"] == 200
    assert {request.headers["X-T2V-Event-Id"] for request in hooks.received} == {
        f"{job_id}:completed"
    }
