"""Gateway fixtures: the test's settings as the gateway reads them, and running apps."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.settings import Settings
from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.store import JobStore
from gateway.store.postgres import PostgresDatabase
from tests.broker_helpers import UNREACHABLE_BROKER_URL
from tests.gateway.helpers import GatewayStarter, serve
from tests.postgres_helpers import postgres_schema


@pytest.fixture
def gateway_settings(settings: Settings) -> GatewaySettings:
    return GatewaySettings(**settings.model_dump())


@pytest.fixture
def client(gateway_settings: GatewaySettings, broker: BrokerSession) -> Iterator[TestClient]:
    """The app with its lifespan running and connected to the test's topology.

    Depending on ``broker`` makes the app stop before the topology is deleted, so the
    gateway does not reconnect and declare it again.
    """
    with TestClient(create_app(gateway_settings)) as test_client:
        assert test_client.get("/api/v1/health").json()["broker"] is True
        yield test_client


@pytest.fixture
def served_gateway(gateway_settings: GatewaySettings, broker: BrokerSession) -> Iterator[str]:
    """The app behind a real uvicorn server on a free port: its base URL."""
    with serve(create_app(gateway_settings)) as base_url:
        yield base_url


@pytest.fixture
def offline_settings(gateway_settings: GatewaySettings) -> GatewaySettings:
    return gateway_settings.model_copy(update={"broker_url": UNREACHABLE_BROKER_URL})


@pytest.fixture
def offline_client(offline_settings: GatewaySettings) -> Iterator[TestClient]:
    """The app with its broker unreachable."""
    with TestClient(create_app(offline_settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def gateway_with(gateway_settings: GatewaySettings, broker: BrokerSession) -> GatewayStarter:
    """Start the app with some settings changed: ``with gateway_with(api_keys="k") as client``.

    Overrides are validated as the environment's values would be.
    """

    @contextmanager
    def start(**overrides: Any) -> Iterator[TestClient]:
        changed = GatewaySettings(**{**gateway_settings.model_dump(), **overrides})
        with TestClient(create_app(changed)) as test_client:
            yield test_client

    return start


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[Callable[[], JobStore]]:
    """Opens a store on the test's database, as one more gateway process would.

    Every test that uses it runs twice: on a SQLite file, and on a PostgreSQL schema of its
    own (skipped where no PostgreSQL answers).
    """
    if request.param == "sqlite":
        yield lambda: JobStore(data_dir / "jobs.sqlite3", data_dir)
        return
    with postgres_schema() as url:
        yield lambda: JobStore(PostgresDatabase(url, pool_size=4, connect_timeout=5), data_dir)


@pytest.fixture
def store(open_store: Callable[[], JobStore]) -> Iterator[JobStore]:
    job_store = open_store()
    yield job_store
    job_store.close()
