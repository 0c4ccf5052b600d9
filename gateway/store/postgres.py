"""The job store on PostgreSQL: for several gateway hosts, or more jobs than one file serves.

Connections come from a bounded pool (psycopg 3). Each statement runs in autocommit
unless the store asks for a transaction. A database that does not answer within the
connect timeout, or a pool whose connections are all busy that long, raises
StoreUnavailable, which the API answers with 503. The URL's password never reaches a log
or an error: only :func:`redacted` forms of it do.
"""

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from common.errors import StoreError, StoreUnavailable
from gateway.store.database import NO_PARAMETERS, Dialect, Parameters, Row

# Advisory lock keys, in their own two-key space (class, object): the first number names
# what is locked, so the store's locks never meet another application's in the database.
_LOCK_CLASS = 0x7432_7600
_SCHEMA_LOCK = 1

POSTGRES = Dialect(
    name="postgres",
    row_order="seq",
    row_order_column=",\n            seq BIGINT GENERATED ALWAYS AS IDENTITY",
    indexed_row_order=", seq",
    columns_of="SELECT column_name AS name FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = :table",
    lock_schema=f"SELECT pg_advisory_xact_lock({_LOCK_CLASS}, {_SCHEMA_LOCK})",
    # Held until the transaction ends; two owners whose names hash alike only queue. Taken
    # in the order of their keys (the lock runs after the sort: it is volatile), so two
    # transactions never each hold a lock the other waits for.
    lock_owners=f"""
        SELECT pg_advisory_xact_lock({_LOCK_CLASS} + 1, owner_key)
        FROM (SELECT DISTINCT hashtext(owner) AS owner_key
              FROM unnest(:owners::text[]) AS owner) AS owner_keys
        ORDER BY owner_key""",
    skip_locked="FOR UPDATE SKIP LOCKED",
    stages_with_report="jsonb_set(stages::jsonb, ARRAY[:stage::text], :report::jsonb)::text",
    job_state="""json_build_object(
        'status', status, 'progress', progress, 'message', message, 'created_at', created_at,
        'updated_at', updated_at, 'output_file', output_file, 'stages', stages::json)::text""",
    stage_reports_of_recent="jsonb_each(recent.stages::jsonb)",
    stage_report_columns="report.key AS stage,"
    " report.value ->> 'provider' AS provider,"
    " (report.value ->> 'seconds')::double precision AS seconds",
    json_text_of="({column}::jsonb ->> '{key}')",
)

# A quoted literal, kept as it is, or a placeholder (not the second half of a :: cast).
_LITERAL_OR_NAME = re.compile(r"'[^']*'|(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=256)
def to_psycopg(statement: str) -> str:
    """``:name`` placeholders as psycopg's ``%(name)s``; a literal ``%`` doubled."""
    return _LITERAL_OR_NAME.sub(
        lambda found: found[0] if found[1] is None else f"%({found[1]})s",
        statement.replace("%", "%%"),
    )


def redacted(url: str) -> str:
    """The URL without its password (in the address or as a parameter), fit for a log line."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        netloc = f"{parts.username or ''}:***@{host}"
    query = [
        (name, "***" if name == "password" else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="*")))


class PostgresSession:
    def __init__(self, connection: psycopg.Connection[Row]) -> None:
        self._connection = connection

    def rows(self, statement: str, parameters: Parameters = NO_PARAMETERS) -> list[Row]:
        cursor = self._connection.execute(to_psycopg(statement), parameters)
        return cursor.fetchall() if cursor.description is not None else []

    def count(self, statement: str, parameters: Parameters = NO_PARAMETERS) -> int:
        return self._connection.execute(to_psycopg(statement), parameters).rowcount


class PostgresDatabase:
    dialect = POSTGRES

    def __init__(self, url: str, pool_size: int, connect_timeout: float) -> None:
        if urlsplit(url).scheme not in ("postgresql", "postgres"):
            # Naming no part of the URL: it may hold a password.
            raise StoreError("T2V_DATABASE_URL must start with postgresql://")
        self._where = redacted(url)
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            # How long a statement waits for a free connection, as for a new one.
            timeout=connect_timeout,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "connect_timeout": max(1, round(connect_timeout)),
            },
            name="t2v-job-store",
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except PoolTimeout:
            self._pool.close()
            raise StoreUnavailable(
                f"PostgreSQL at {self._where} did not answer within {connect_timeout:g} s"
            ) from None

    @contextmanager
    def session(self) -> Iterator[PostgresSession]:
        with self._translated_errors(), self._pool.connection() as connection:
            yield PostgresSession(connection)

    @contextmanager
    def transaction(self) -> Iterator[PostgresSession]:
        with (
            self._translated_errors(),
            self._pool.connection() as connection,
            connection.transaction(),
        ):
            yield PostgresSession(connection)

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except (PoolTimeout, psycopg.OperationalError) as exc:
            # The pool's own errors (timed out, closed) are operational errors too.
            raise StoreUnavailable(
                f"the job store's PostgreSQL at {self._where} is unavailable: {exc}"
            ) from None
        except psycopg.Error as exc:
            raise StoreError(f"the job store failed a statement: {exc}") from exc
