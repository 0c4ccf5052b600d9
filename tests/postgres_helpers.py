"""A PostgreSQL schema of the test's own, on the server the tests share.

Each test gets a fresh schema (its URL sets the search path), dropped afterwards, so tests
run side by side without seeing each other's tables. Where no server answers, the test
is skipped with the reason.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest

SERVER_URL = os.environ.get("T2V_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def server_address() -> tuple[str, int]:
    parts = urlsplit(SERVER_URL)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def in_schema(schema: str, via_port: int | None = None) -> str:
    """The server URL, connecting with ``schema`` as the search path (through a local port)."""
    url = SERVER_URL
    if via_port is not None:
        parts = urlsplit(url)
        user = f"{parts.username}@" if parts.username else ""
        url = urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{via_port}"))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL does not answer at {SERVER_URL}: {exc}")


@contextmanager
def postgres_schema(via_port: int | None = None) -> Iterator[str]:
    """A new, empty schema: its URL (reaching the server through ``via_port`` if given)."""
    schema = f"t2v_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield in_schema(schema, via_port)
    finally:
        with _admin() as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
