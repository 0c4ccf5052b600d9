"""What the job store needs of a database, and how the two it runs on differ in their SQL.

Statements are written once, with ``:name`` placeholders (SQLite's own; the PostgreSQL
backend rewrites them to psycopg's ``%(name)s``). Where the dialects part, mostly over
JSON, a :class:`Dialect` holds each one's fragment.
"""

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

Row = dict[str, Any]
Parameters = Mapping[str, Any]
NO_PARAMETERS: Parameters = MappingProxyType({})


@dataclass(frozen=True)
class Dialect:
    name: str
    # The column that orders jobs stored in the same second: SQLite's built-in rowid, or
    # PostgreSQL's identity column (its definition in the jobs table).
    row_order: str
    row_order_column: str
    # What the listing indexes add after created_at to hold that order (SQLite's indexes
    # end with the rowid by themselves).
    indexed_row_order: str
    # The names of a table's columns, for migrations that add one.
    columns_of: str
    # Taken first in the migrations' transaction, so gateways starting together queue.
    lock_schema: str | None
    # Taken for the :owners of a group commit before it checks their quotas (see
    # JobStore.insert_all); None where the transaction itself already serializes writers.
    lock_owners: str | None
    # Lets concurrent claims of a webhook delivery pass each other rather than wait.
    skip_locked: str
    # SET clause value: the job's stage reports with :report recorded under :stage.
    stages_with_report: str
    # The job's fields and stage reports as a JSON text (a webhook event's body).
    job_state: str
    # From the subquery ``recent`` holding ``stages``: one row (stage, provider, seconds)
    # per stage report, ``report`` naming each.
    stage_reports_of_recent: str
    stage_report_columns: str
    # The text at {key} of the JSON object in {column}; NULL where there is none.
    json_text_of: str

    def json_text(self, column: str, key: str) -> str:
        return self.json_text_of.format(column=column, key=key)


class Session(Protocol):
    """Statements on one connection, inside a transaction or one each."""

    def rows(self, statement: str, parameters: Parameters = NO_PARAMETERS) -> list[Row]: ...

    def count(self, statement: str, parameters: Parameters = NO_PARAMETERS) -> int:
        """Run ``statement``; how many rows it changed."""
        ...


class Database(Protocol):
    dialect: Dialect

    def session(self) -> AbstractContextManager[Session]:
        """Each statement its own transaction."""
        ...

    def transaction(self) -> AbstractContextManager[Session]:
        """Every statement in one transaction, committed when the block ends without error."""
        ...

    def close(self) -> None: ...
