"""/healthz says the process is up; /readyz says whether it can take and track jobs."""

import re

from fastapi.testclient import TestClient

from gateway.store import JobStore
from tests.gateway.helpers import GatewayStarter


def test_a_connected_gateway_is_alive_and_ready(client: TestClient) -> None:
    alive = client.get("/healthz")
    ready = client.get("/readyz")

    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ready", "broker": True, "store": True},
    )


def test_without_a_broker_the_gateway_is_alive_but_not_ready(offline_client: TestClient) -> None:
    # Given a gateway whose broker is unreachable
    # When an orchestrator probes it
    alive = offline_client.get("/healthz")
    ready = offline_client.get("/readyz")

    # Then it is alive, so not restarted, but says it cannot take jobs and why
    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.json() == {"error": "Not ready: the message broker is not connected"}


def test_a_store_that_does_not_answer_makes_the_gateway_not_ready(client: TestClient) -> None:
    # Given a gateway whose job store has stopped answering
    store = client.app.state.store  # type: ignore[attr-defined]
    assert isinstance(store, JobStore)
    store.close()

    # When an orchestrator probes it
    ready = client.get("/readyz")

    # Then it says the store is the problem
    assert ready.status_code == 503
    assert ready.json() == {"error": "Not ready: the job store does not answer"}


def test_a_nearly_full_data_directory_makes_the_gateway_not_ready(
    gateway_with: GatewayStarter,
) -> None:
    # Given a gateway that wants more free space than the disk has
    with gateway_with(min_free_disk_bytes=10**18) as client:
        # When an orchestrator probes it
        ready = client.get("/readyz")

    # Then it says the data directory is nearly full, with how much is free
    assert ready.status_code == 503
    assert re.fullmatch(
        r"Not ready: the data directory is nearly full \(\d+ MB free, under the "
        r"1000000000000 MB of T2V_MIN_FREE_DISK_BYTES\)",
        ready.json()["error"],
    )
