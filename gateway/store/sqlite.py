"""The job store in one SQLite file: the zero-configuration default.

The broker thread writes progress into it while HTTP handler threads read it, so every
statement runs under one lock on one connection. WAL mode lets other processes (a second
gateway on the same machine, an operator's sqlite3 shell) read while the gateway writes.
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.errors import StoreError
from gateway.store.database import NO_PARAMETERS, Dialect, Parameters, Row

SQLITE = Dialect(
    name="sqlite",
    row_order="rowid",
    row_order_column="",
    indexed_row_order="",
    columns_of="SELECT name FROM pragma_table_info(:table)",
    # BEGIN IMMEDIATE takes the file's write lock: one writer at a time across processes.
    lock_schema=None,
    lock_owners=None,
    skip_locked="",
    stages_with_report="json_set(stages, '$.' || json_quote(:stage), json(:report))",
    job_state="""json_object(
        'status', status, 'progress', progress, 'message', message, 'created_at', created_at,
        'updated_at', updated_at, 'output_file', output_file, 'stages', json(stages))""",
    stage_reports_of_recent="json_each(recent.stages)",
    stage_report_columns="report.key AS stage,"
    " json_extract(report.value, '$.provider') AS provider,"
    " json_extract(report.value, '$.seconds') AS seconds",
    json_text_of="json_extract({column}, '$.{key}')",
)


class SqliteSession:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def rows(self, statement: str, parameters: Parameters = NO_PARAMETERS) -> list[Row]:
        try:
            return [dict(row) for row in self._connection.execute(statement, dict(parameters))]
        except sqlite3.Error as exc:
            raise StoreError(f"the job store failed a statement: {exc}") from exc

    def count(self, statement: str, parameters: Parameters = NO_PARAMETERS) -> int:
        try:
            return self._connection.execute(statement, dict(parameters)).rowcount
        except sqlite3.Error as exc:
            raise StoreError(f"the job store failed a statement: {exc}") from exc


class SqliteDatabase:
    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # Autocommit: every statement is its own transaction, durable once it returns.
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        self._session = SqliteSession(self._connection)
        with self._lock:
            self._connection.execute("PRAGMA journal_mode=WAL")

    @contextmanager
    def session(self) -> Iterator[SqliteSession]:
        with self._lock:
            yield self._session

    @contextmanager
    def transaction(self) -> Iterator[SqliteSession]:
        """One transaction, so one disk sync, for several statements."""
        with self._lock:
            self._session.count("BEGIN IMMEDIATE")
            try:
                yield self._session
            except BaseException:
                self._session.count("ROLLBACK")
                raise
            self._session.count("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._connection.close()
