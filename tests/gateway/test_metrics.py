"""GET /metrics: figures read from the job store and the broker at each scrape."""

from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from common.amqp.session import BrokerSession
from common.messages import StageReport
from common.progress import completed_event, stage_done_event
from common.settings import Settings
from tests.gateway.helpers import GatewayStarter, publish_progress, submit, wait_for_status
from tests.local_service import Stack


def scrape(client: TestClient, **headers: str) -> dict[str, list[Sample]]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {family.name: family.samples for family in text_string_to_metric_families(response.text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    matching = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(matching) == 1, (name, labels, samples)
    return matching[0]


def test_jobs_are_counted_by_status_and_stage_durations_by_provider(
    client: TestClient, broker: BrokerSession
) -> None:
    # Given three jobs: one queued, one past its first stage, one completed
    submit(client)
    running = submit(client)
    done = submit(client)
    report = StageReport(provider="piper (amy)", seconds=1.5)
    publish_progress(broker, stage_done_event(running, "tts", report))
    publish_progress(broker, completed_event(done, "render"))
    wait_for_status(client, running, lambda status: status["progress"] == 40)
    wait_for_status(client, done, lambda status: status["status"] == "completed")

    # When Prometheus scrapes the gateway
    families = scrape(client)

    # Then the jobs are counted by status, every status listed
    jobs = families["t2v_jobs"]
    assert value(jobs, "t2v_jobs", status="queued") == 1
    assert value(jobs, "t2v_jobs", status="processing") == 1
    assert value(jobs, "t2v_jobs", status="completed") == 1
    assert value(jobs, "t2v_jobs", status="failed") == 0
    # And the stage report lands in its stage's buckets, under its provider
    durations = families["t2v_stage_duration_seconds"]
    labels = {"stage": "tts", "provider": "piper (amy)"}
    name = "t2v_stage_duration_seconds_bucket"
    assert value(durations, name, le="1.0", **labels) == 0
    assert value(durations, name, le="2.5", **labels) == 1
    assert value(durations, name, le="+Inf", **labels) == 1
    # (the text format writes a gauge histogram's sum as a gauge of its own)
    total = families["t2v_stage_duration_seconds_gsum"]
    assert value(total, "t2v_stage_duration_seconds_gsum", **labels) == 1.5
    # And the completed job's time from POST to completion is counted
    completion = families["t2v_job_completion_seconds"]
    assert value(completion, "t2v_job_completion_seconds_bucket", le="+Inf") == 1


def test_queued_jobs_show_in_their_stage_queue_depth(
    client: TestClient, broker: BrokerSession
) -> None:
    # Given two jobs waiting in the first stage's queue, with no worker consuming it
    submit(client)
    submit(client)

    # When Prometheus scrapes the gateway
    families = scrape(client)

    # Then the broker answered, and the first stage queue holds both, the others none
    assert value(families["t2v_broker_up"], "t2v_broker_up") == 1
    depths = families["t2v_queue_messages"]
    topology = broker.topology
    assert value(depths, "t2v_queue_messages", queue=topology.stage_queue("tts")) == 2
    assert value(depths, "t2v_queue_messages", queue=topology.stage_queue("render")) == 0
    assert value(depths, "t2v_queue_messages", queue=topology.dead_letter_queue) == 0


def test_without_a_broker_the_scrape_says_it_is_down(offline_client: TestClient) -> None:
    # Given a gateway whose broker is unreachable
    # When Prometheus scrapes it
    families = scrape(offline_client)

    # Then the scrape still answers, with the broker down and no queue depths
    assert value(families["t2v_broker_up"], "t2v_broker_up") == 0
    assert "t2v_queue_messages" not in families
    assert value(families["t2v_jobs"], "t2v_jobs", status="queued") == 0


def test_with_api_keys_on_a_scrape_needs_a_key(gateway_with: GatewayStarter) -> None:
    # Given a gateway with API keys
    with gateway_with(api_keys="scrape-key") as client:
        # When Prometheus scrapes it without a key, and then with one as a bearer token
        refused = client.get("/metrics")
        families = scrape(client, authorization="Bearer scrape-key")

    # Then the keyless scrape is refused like any keyed route, and the keyed one answers
    assert refused.status_code == 401
    assert "error" in refused.json()
    assert value(families["t2v_jobs"], "t2v_jobs", status="queued") == 0


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    # Given a job, and requests for it, for a job that does not exist and for no route
    job_id = submit(client)
    for _ in range(3):
        assert client.get(f"/api/v1/status/{job_id}").status_code == 200
    assert client.get("/api/v1/status/no-such-job").status_code == 404
    assert client.get("/wp-admin/setup.php").status_code == 404

    # When Prometheus scrapes the gateway
    families = scrape(client)

    # Then each request counts under its route's template, never the path as sent
    requests = families["t2v_http_requests"]
    status_route = "/api/v1/status/{job_id}"
    name = "t2v_http_requests_total"
    assert value(requests, name, method="GET", route=status_route, status="200") == 3
    assert value(requests, name, method="GET", route=status_route, status="404") == 1
    assert value(requests, name, method="GET", route="(none)", status="404") == 1
    assert value(requests, name, method="POST", route="/api/v1/generate", status="202") == 1
    # And each has its time to answer in the latency histogram
    latency = families["t2v_http_request_duration_seconds"]
    bucket = "t2v_http_request_duration_seconds_bucket"
    assert value(latency, bucket, method="GET", route=status_route, le="+Inf") == 4
    assert not any(job_id in sample.labels.get("route", "") for sample in requests)


def test_several_workers_report_the_gateways_totals(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    # Given `python -m gateway` with two worker processes
    stack = Stack(settings, tmp_path / "logs")
    stack.environment["T2V_WORKERS"] = "2"
    stack.start("gateway")
    try:
        stack.wait_until_healthy()
        # When 40 status requests arrive, each on a new connection that either worker may take
        for _ in range(40):
            assert httpx.get(f"{stack.base_url}/status/no-such-job").status_code == 404
        # And Prometheus scrapes several times, reaching either worker
        totals = []
        for _ in range(6):
            response = httpx.get(stack.base_url.removesuffix("/api/v1") + "/metrics")
            families = {
                family.name: family.samples
                for family in text_string_to_metric_families(response.text)
            }
            totals.append(
                value(
                    families["t2v_http_requests"],
                    "t2v_http_requests_total",
                    method="GET",
                    route="/api/v1/status/{job_id}",
                    status="404",
                )
            )
    finally:
        stack.stop_all()

    # Then every scrape counts all 40, whichever worker answered it
    assert totals == [40.0] * 6
    workers = {
        line for line in stack.log("gateway").splitlines() if "Started server process" in line
    }
    assert len(workers) == 2
