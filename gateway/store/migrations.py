"""The job store's schema, as versions applied in order at start, on either database.

Rule: a migration is never edited once released; a change to the schema is a new one at
the end of the list. Every step is idempotent (IF NOT EXISTS, a column added only if
missing), so a SQLite file from before versions were recorded, at whatever shape an
earlier release left it, is brought up to date by the same steps. The migrations run in one
transaction, behind a lock (SQLite's write lock; a PostgreSQL advisory lock), so gateways
starting together apply each version once.
"""

import time
from dataclasses import dataclass

from gateway.store.database import Database, Dialect, Session
from gateway.webhooks import table as webhooks


@dataclass(frozen=True)
class AddColumn:
    """A column for tables created before it (neither dialect's ADD COLUMN is idempotent in
    both: only PostgreSQL knows IF NOT EXISTS there)."""

    table: str
    column: str
    definition: str


Step = str | AddColumn

# Statements are formatted with the dialect's fields {row_order_column} and
# {indexed_row_order}.
MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    # 1: the schema as of the first versioned release.
    (
        """
        CREATE TABLE IF NOT EXISTS jobs (
            job_id      TEXT PRIMARY KEY,
            status      TEXT    NOT NULL,
            progress    INTEGER NOT NULL,
            message     TEXT    NOT NULL,
            created_at  BIGINT  NOT NULL,
            updated_at  DOUBLE PRECISION NOT NULL,
            output_file TEXT,
            error_stage TEXT,
            text        TEXT    NOT NULL,
            options     TEXT    NOT NULL{row_order_column}
        )
        """,
        # Jobs stored before owners were recorded belong to no key: only admin keys see them.
        AddColumn("jobs", "stages", "TEXT NOT NULL DEFAULT '{}'"),
        AddColumn("jobs", "owner", "TEXT"),
        AddColumn("jobs", "video_seconds", "DOUBLE PRECISION NOT NULL DEFAULT 0"),
        # Pages of the job list, newest first, for everyone and for one key; and a key's
        # running jobs, few however many it has had, for its quota.
        "CREATE INDEX IF NOT EXISTS jobs_newest ON jobs (created_at{indexed_row_order})",
        "CREATE INDEX IF NOT EXISTS jobs_newest_by_owner"
        " ON jobs (owner, created_at{indexed_row_order})",
        "CREATE INDEX IF NOT EXISTS jobs_running_by_owner ON jobs (owner)"
        " WHERE status IN ('queued', 'processing')",
        # /metrics counts jobs by status on every scrape: from this index, not the table.
        "CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status)",
        webhooks.SCHEMA,
        *webhooks.INDEXES,
    ),
    # 2: stories written from a topic (see gateway.stories). ``topic`` is the request's
    # topic as JSON; ``story_state`` is 'writing' until the story is written and the first
    # stage message published, then 'written'; ``story_lease`` is until when a gateway
    # holds the job to write it.
    (
        AddColumn("jobs", "topic", "TEXT"),
        AddColumn("jobs", "story_state", "TEXT"),
        AddColumn("jobs", "story_lease", "DOUBLE PRECISION"),
        "CREATE INDEX IF NOT EXISTS jobs_story_writing ON jobs (created_at)"
        " WHERE story_state = 'writing'",
    ),
)

_VERSIONS = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at DOUBLE PRECISION NOT NULL
)
"""


def migrate(database: Database) -> int:
    """Apply the migrations the database lacks; the version it is at afterwards."""
    dialect = database.dialect
    with database.transaction() as session:
        if dialect.lock_schema is not None:
            session.rows(dialect.lock_schema)
        session.count(_VERSIONS)
        (row,) = session.rows("SELECT COALESCE(MAX(version), 0) AS version FROM schema_version")
        applied = int(row["version"])
        for version, steps in enumerate(MIGRATIONS[applied:], applied + 1):
            for step in steps:
                _apply(session, dialect, step)
            session.count(
                "INSERT INTO schema_version (version, applied_at) VALUES (:version, :now)",
                {"version": version, "now": time.time()},
            )
    # A database migrated by a newer release stays at its version: its schema only grew.
    return max(applied, len(MIGRATIONS))


def _apply(session: Session, dialect: Dialect, step: Step) -> None:
    if isinstance(step, str):
        fields = {
            "row_order_column": dialect.row_order_column,
            "indexed_row_order": dialect.indexed_row_order,
        }
        session.count(step.format(**fields))
        return
    present = {row["name"] for row in session.rows(dialect.columns_of, {"table": step.table})}
    if step.column not in present:
        session.count(f"ALTER TABLE {step.table} ADD COLUMN {step.column} {step.definition}")
