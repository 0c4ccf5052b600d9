"""The job store on PostgreSQL: what several gateway hosts on one database rely on."""

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from common.errors import StoreUnavailable
from common.messages import JobOptions
from gateway.settings import GatewaySettings
from gateway.store import JobStore, Quota, new_job, open_job_store
from gateway.store.migrations import MIGRATIONS
from gateway.store.postgres import PostgresDatabase, redacted
from tests.postgres_helpers import postgres_schema


@pytest.fixture
def schema_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


def opener(url: str, data_dir: Path) -> Callable[[], JobStore]:
    return lambda: JobStore(PostgresDatabase(url, pool_size=2, connect_timeout=5), data_dir)


def at_once(count: int, work: Callable[[int], None]) -> None:
    """Run ``work(0)`` ... ``work(count - 1)`` on threads started together."""
    start = threading.Barrier(count)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            work(n)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_gateways_starting_together_apply_each_migration_once(
    schema_url: str, data_dir: Path
) -> None:
    # Given an empty database, and five gateways starting at once
    stores: list[JobStore] = []
    open_store = opener(schema_url, data_dir)

    # When each opens the store
    at_once(5, lambda _n: stores.append(open_store()))

    # Then every one works, and each version was recorded once
    try:
        for n, store in enumerate(stores):
            store.insert_all([new_job(f"job-{n}", "text", JobOptions())])
        assert len(stores[0].list_all()) == 5
    finally:
        for store in stores:
            store.close()
    with psycopg.connect(schema_url) as connection:
        versions = connection.execute("SELECT version FROM schema_version").fetchall()
    assert versions == [(version,) for version in range(1, len(MIGRATIONS) + 1)]


def test_a_quota_holds_across_gateways_writing_at_once(schema_url: str, data_dir: Path) -> None:
    # Given four gateways on one database, and a key that may run three jobs at once
    open_store = opener(schema_url, data_dir)
    stores = [open_store() for _ in range(4)]
    quota = Quota(running_jobs=3, video_seconds_per_day=0)
    refusals: list[object] = []

    # When each gateway stores two jobs of the key in one group commit, all at the same time
    def post(n: int) -> None:
        jobs = [new_job(f"job-{n}-{k}", "text", JobOptions(), owner="alice") for k in range(2)]
        refusals.extend(stores[n].insert_all(jobs, [quota, quota]))

    try:
        at_once(4, post)
        stored = stores[0].list_all()
    finally:
        for store in stores:
            store.close()

    # Then three were stored and the other five refused
    assert len(stored) == 3
    assert sum(refusal is None for refusal in refusals) == 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_database_that_does_not_answer_is_unavailable_and_its_password_stays_secret(
    data_dir: Path,
) -> None:
    # Given settings naming a PostgreSQL where nothing listens, with a password
    url = f"postgresql://t2v:hunter2@127.0.0.1:{free_port()}/t2v"
    settings = GatewaySettings(
        data_dir=data_dir, database_url=url, database_connect_timeout_seconds=1
    )

    # When the store is opened
    with pytest.raises(StoreUnavailable) as raised:
        open_job_store(settings)

    # Then it says where it looked, without the password, and neither do the settings
    assert "127.0.0.1" in str(raised.value) and "hunter2" not in str(raised.value)
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())


def test_a_url_is_redacted_of_its_password_only() -> None:
    assert redacted("postgresql://t2v:s3cret@db:5432/t2v?sslmode=require") == (
        "postgresql://t2v:***@db:5432/t2v?sslmode=require"
    )
    assert (
        redacted("postgresql://postgres@127.0.0.1/test") == "postgresql://postgres@127.0.0.1/test"
    )
