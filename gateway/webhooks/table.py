"""The webhook deliveries table: one row per event, from its enqueueing to its outcome.

A row's ``next_attempt_at`` is when it is due; while an attempt runs it is when that
attempt's lease ends, so a process that dies mid-delivery leaves a row that another
process (or the same one restarted) takes up once the lease is over. It is NULL once the
event was delivered or given up.

The statements are the job store's (see gateway.store.database): written once for SQLite
and PostgreSQL, with the dialect's fragments where JSON is read.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from gateway.store.database import Dialect

DeliveryOutcome = Literal["pending", "delivered", "given_up"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    event_id         TEXT PRIMARY KEY,
    job_id           TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    job_state        TEXT    NOT NULL,
    created_at       DOUBLE PRECISION NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_attempt_at  DOUBLE PRECISION,
    last_status      INTEGER,
    last_error       TEXT,
    next_attempt_at  DOUBLE PRECISION,
    outcome          TEXT    NOT NULL DEFAULT 'pending'
)
"""
INDEXES = (
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_by_job ON webhook_deliveries (job_id)",
)


def _enqueue(dialect: "Dialect", event: str, event_id: str, condition: str) -> str:
    # DO NOTHING: the event id is the event's own, so an event applied twice (a redelivered
    # progress message, a second gateway process) is still stored once.
    url = dialect.json_text("options", "webhook_url")
    return f"""
INSERT INTO webhook_deliveries
    (event_id, job_id, event, url, job_state, created_at, next_attempt_at)
SELECT {event_id}, job_id, {event}, {url}, {dialect.job_state}, :now, :now
FROM jobs
WHERE job_id = :job_id AND {url} IS NOT NULL AND {condition}
ON CONFLICT DO NOTHING
"""


def enqueue_end(dialect: "Dialect") -> str:
    """Run right after a status change in its transaction: the job's end, if it just ended."""
    return _enqueue(
        dialect, "'job.' || status", "job_id || ':' || status", "status IN ('completed', 'failed')"
    )


def enqueue_stage_done(dialect: "Dialect") -> str:
    """Run right after a stage's report is recorded: for jobs that asked for every event."""
    asks_for_all = f"{dialect.json_text('options', 'webhook_events')} = 'all'"
    return _enqueue(
        dialect,
        "'job.stage_completed'",
        "job_id || ':stage:' || :stage",
        f"{asks_for_all} AND status NOT IN ('completed', 'failed')",
    )


def claim_due(dialect: "Dialect") -> str:
    """One statement, so two processes never claim the same row.

    SQLite's write lock orders them, and the second finds the row no longer due; on
    PostgreSQL the second skips the row the first holds, and the outer condition is
    checked again on the row it updates.
    """
    return f"""
UPDATE webhook_deliveries
SET attempts = attempts + 1, last_attempt_at = :now, next_attempt_at = :lease_until
WHERE next_attempt_at <= :now AND event_id = (
    SELECT event_id FROM webhook_deliveries
    WHERE next_attempt_at <= :now ORDER BY next_attempt_at LIMIT 1 {dialect.skip_locked}
)
RETURNING *
"""


# Only the claim that made this attempt records it: if its lease ran out and another process
# claimed the row again, the row's attempt count has moved on.
RECORD_ATTEMPT = """
UPDATE webhook_deliveries
SET last_status = :status, last_error = :error, next_attempt_at = :next_attempt_at,
    outcome = :outcome
WHERE event_id = :event_id AND attempts = :attempts
"""
NEXT_DUE = "SELECT MIN(next_attempt_at) AS due FROM webhook_deliveries"
OF_JOB = "SELECT * FROM webhook_deliveries WHERE job_id = :job_id ORDER BY created_at, event_id"


@dataclass(frozen=True)
class WebhookDelivery:
    event_id: str  # "<job_id>:completed", "<job_id>:failed", "<job_id>:stage:<stage>"
    job_id: str
    event: str  # "job.completed", "job.failed", "job.stage_completed"
    url: str
    job_state: str  # JSON: the job's fields and stage reports when the event happened
    created_at: float  # Unix seconds
    attempts: int
    last_attempt_at: float | None
    last_status: int | None  # the receiver's HTTP status at the last attempt
    last_error: str | None  # why the last attempt failed, when it did
    next_attempt_at: float | None
    outcome: DeliveryOutcome
