"""The webhook deliveries table: one row per event, from its enqueueing to its outcome.

A row's ``next_attempt_at`` is when it is due; while an attempt runs it is when that
attempt's lease ends, so a process that dies mid-delivery leaves a row that another
process (or the same one restarted) takes up once the lease is over. It is NULL once the
event was delivered or given up.
"""

from dataclasses import dataclass
from typing import Literal

DeliveryOutcome = Literal["pending", "delivered", "given_up"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    event_id         TEXT PRIMARY KEY,
    job_id           TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    job_state        TEXT    NOT NULL,
    created_at       REAL    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_attempt_at  REAL,
    last_status      INTEGER,
    last_error       TEXT,
    next_attempt_at  REAL,
    outcome          TEXT    NOT NULL DEFAULT 'pending'
)
"""
INDEXES = (
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_by_job ON webhook_deliveries (job_id)",
)

# The job as the event found it, frozen in the row so every retry sends the same body.
_JOB_STATE = """json_object(
    'status', status, 'progress', progress, 'message', message, 'created_at', created_at,
    'updated_at', updated_at, 'output_file', output_file, 'stages', json(stages))"""
_WEBHOOK_URL = "json_extract(options, '$.webhook_url')"


def _enqueue(event: str, event_id: str, condition: str) -> str:
    # OR IGNORE: the event id is the event's own, so an event applied twice (a redelivered
    # progress message, a second gateway process) is still stored once.
    return f"""
INSERT OR IGNORE INTO webhook_deliveries
    (event_id, job_id, event, url, job_state, created_at, next_attempt_at)
SELECT {event_id}, job_id, {event}, {_WEBHOOK_URL}, {_JOB_STATE}, :now, :now
FROM jobs
WHERE job_id = :job_id AND {_WEBHOOK_URL} IS NOT NULL AND {condition}
"""


# Run right after a status change in its transaction: the job's end, if it just ended.
ENQUEUE_END = _enqueue(
    "'job.' || status", "job_id || ':' || status", "status IN ('completed', 'failed')"
)
# Run right after a stage's report is recorded: for jobs that asked for every event.
ENQUEUE_STAGE_DONE = _enqueue(
    "'job.stage_completed'",
    "job_id || ':stage:' || :stage",
    "json_extract(options, '$.webhook_events') = 'all' AND status NOT IN ('completed', 'failed')",
)

# One statement, so two processes can never claim the same row: the write lock orders them,
# and the second finds the row no longer due.
CLAIM_DUE = """
UPDATE webhook_deliveries
SET attempts = attempts + 1, last_attempt_at = :now, next_attempt_at = :lease_until
WHERE event_id = (
    SELECT event_id FROM webhook_deliveries
    WHERE next_attempt_at <= :now ORDER BY next_attempt_at LIMIT 1
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
NEXT_DUE = "SELECT MIN(next_attempt_at) FROM webhook_deliveries"
OF_JOB = "SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY created_at, event_id"


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
