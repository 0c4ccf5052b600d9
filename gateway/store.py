"""The job store: one SQLite file that outlives the gateway process.

The broker thread writes progress into it while HTTP handler threads read it, so every
statement runs under one lock on one connection. WAL mode lets other processes (a second
gateway, an operator's sqlite3 shell) read while the gateway writes.
"""

import contextlib
import functools
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from common.artifacts import JobPaths
from common.errors import QuotaExceeded
from common.messages import JobOptions, JobStatus, ProgressEvent, StageReport
from common.stages import QUEUED_MESSAGE
from gateway.webhooks import table as webhooks
from gateway.webhooks.table import DeliveryOutcome, WebhookDelivery

TERMINAL_STATUSES: tuple[JobStatus, ...] = ("completed", "failed")
CANCELLED_MESSAGE = "Cancelled"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id      TEXT PRIMARY KEY,
    status      TEXT    NOT NULL,
    progress    INTEGER NOT NULL,
    message     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  REAL    NOT NULL,
    output_file TEXT,
    error_stage TEXT,
    text        TEXT    NOT NULL,
    options     TEXT    NOT NULL,
    stages      TEXT    NOT NULL DEFAULT '{}',
    owner       TEXT,
    video_seconds REAL  NOT NULL DEFAULT 0
)
"""
# Columns added since the first release, for stores created before them. Jobs stored
# before owners were recorded belong to no key: only admin keys see them.
_ADDED_COLUMNS = {
    "stages": "TEXT NOT NULL DEFAULT '{}'",
    "owner": "TEXT",
    "video_seconds": "REAL NOT NULL DEFAULT 0",
}
# Pages of the job list, newest first, for everyone and for one key; and a key's running
# jobs, few however many it has had, for its quota.
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS jobs_newest ON jobs (created_at)",
    "CREATE INDEX IF NOT EXISTS jobs_newest_by_owner ON jobs (owner, created_at)",
    "CREATE INDEX IF NOT EXISTS jobs_running_by_owner ON jobs (owner)"
    " WHERE status IN ('queued', 'processing')",
    # /metrics counts jobs by status on every scrape: from this index, not the table.
    "CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status)",
)
_RUNNING_BY_OWNER = """
SELECT COUNT(*) FROM jobs WHERE owner = ? AND status IN ('queued', 'processing')
"""
_VIDEO_SECONDS_SINCE = """
SELECT COALESCE(SUM(video_seconds), 0), MIN(created_at) FROM jobs
WHERE owner = ? AND created_at > ?
"""


_COUNT_BY_STATUS = "SELECT status, COUNT(*) FROM jobs GROUP BY status"


def _histogram_query(value: str, source: str, labels: str, buckets: Sequence[float]) -> str:
    """Per ``labels``: the count, the sum, and how many of ``value`` fall in each bucket.

    Computed by SQLite in one pass over the rows ``source`` selects, so a scrape reads no
    rows into Python however many jobs the window holds.
    """
    counts = "".join(f", COALESCE(SUM({value} <= {float(bound)!r}), 0)" for bound in buckets)
    return (
        f"SELECT {labels}, COUNT(*), COALESCE(SUM({value}), 0){counts}"
        f" FROM {source} GROUP BY {labels}"
    )


def _page_query(of_one_owner: bool, after_a_job: bool) -> str:
    """Newest first; jobs of the same second in the order they were stored, newest first too.

    Each case is its own statement: a condition that may be switched off by a parameter
    (``:owner IS NULL OR ...``) would keep SQLite from using the index.
    """
    conditions = ["owner = :owner"] if of_one_owner else []
    if after_a_job:
        conditions.append("(created_at, rowid) < (:after_created, :after_rowid)")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT * FROM jobs {where} ORDER BY created_at DESC, rowid DESC LIMIT :limit"


# Rule 5 of docs/design.md in one statement, so no event can interleave between a read and
# a write: finished jobs never change; otherwise an event applies when it moves the job
# forward, or restates the current progress with a newer note. Terminal events always
# apply to an unfinished job, but never pull its progress back.
_APPLY_EVENT = """
UPDATE jobs
SET status      = :status,
    progress    = MAX(progress, :progress),
    message     = :message,
    error_stage = COALESCE(:error_stage, error_stage),
    output_file = COALESCE(:output_file, output_file),
    updated_at  = :at
WHERE job_id = :job_id
  AND status NOT IN ('completed', 'failed')
  AND (:is_terminal OR progress < :progress OR (progress = :progress AND updated_at <= :at))
"""


# A stage's report is kept whatever the order its event arrives in, even after the job ended.
_RECORD_STAGE = """
UPDATE jobs SET stages = json_set(stages, '$.' || json_quote(:stage), json(:report))
WHERE job_id = :job_id
"""


# A cancelled job fails like any other, so the rule above keeps late events from reviving it.
_CANCEL = """
UPDATE jobs
SET status = 'failed', message = :message, updated_at = :at
WHERE job_id = :job_id AND status NOT IN ('completed', 'failed')
"""


@dataclass(frozen=True)
class Job:
    job_id: str
    status: JobStatus
    progress: int
    message: str
    created_at: int  # Unix seconds
    updated_at: float  # when the last applied event happened
    output_file: str | None  # relative to the data directory, set once the job completes
    error_stage: str | None
    text: str
    options: JobOptions
    owner: str | None = None  # the id of the API key that created it; None: keys were off
    video_seconds: float = 0.0  # estimated from the text at intake, for the daily quota


def new_job(
    job_id: str,
    text: str,
    options: JobOptions,
    owner: str | None = None,
    video_seconds: float = 0.0,
) -> Job:
    now = time.time()
    return Job(
        job_id=job_id,
        status="queued",
        progress=0,
        message=QUEUED_MESSAGE,
        created_at=int(now),
        updated_at=now,
        output_file=None,
        error_stage=None,
        text=text,
        options=options,
        owner=owner,
        video_seconds=video_seconds,
    )


@dataclass(frozen=True)
class Quota:
    """What one key may have at once and in a day; 0 is no limit."""

    running_jobs: int
    video_seconds_per_day: float


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    # The last job's id when more follow: the cursor the next page starts after.
    next_cursor: str | None


_DAY_SECONDS = 86400
# When a running job will end is unknown; short jobs take about this long.
_RUNNING_RETRY_SECONDS = 15


@dataclass(frozen=True)
class FinishedJob:
    job_id: str
    status: JobStatus
    finished_at: float  # Unix seconds


@dataclass(frozen=True)
class Histogram:
    """Observations counted into buckets: how many were at most each bound, in order."""

    labels: tuple[str, ...]
    count: int
    total: float
    at_most: tuple[int, ...]


class JobStore:
    def __init__(self, path: Path, data_dir: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._data_dir = data_dir
        self._lock = threading.Lock()
        # Autocommit: every statement is its own transaction, durable once it returns.
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        with self._lock:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(_SCHEMA)
            present = {row["name"] for row in self._connection.execute("PRAGMA table_info(jobs)")}
            for column, definition in _ADDED_COLUMNS.items():
                if column not in present:
                    self._connection.execute(f"ALTER TABLE jobs ADD COLUMN {column} {definition}")
            for index in _INDEXES:
                self._connection.execute(index)
            # Stores from before webhooks gain the table here, as they gain columns above.
            self._connection.execute(webhooks.SCHEMA)
            for index in webhooks.INDEXES:
                self._connection.execute(index)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def insert_all(
        self, jobs: Sequence[Job], quotas: Sequence[Quota | None] = ()
    ) -> list[QuotaExceeded | None]:
        """Store new jobs in one transaction: one disk sync however many there are.

        ``quotas[i]``, if given, is what ``jobs[i]``'s owner may have: a job over it is not
        stored, and its place in the answer says why. Checked inside the transaction, so
        concurrent requests, or gateway processes, cannot together pass a quota.
        """
        rows = [{**asdict(job), "options": job.options.model_dump_json()} for job in jobs]
        columns = ", ".join(rows[0])
        placeholders = ", ".join(f":{column}" for column in rows[0])
        insert = f"INSERT INTO jobs ({columns}) VALUES ({placeholders})"
        refusals: list[QuotaExceeded | None] = []
        with self._lock, self._transaction():
            for job, row, quota in zip(jobs, rows, quotas or [None] * len(jobs), strict=True):
                refusal = None
                if quota is not None and job.owner is not None:
                    refusal = self._over_quota(job, quota)
                if refusal is None:
                    self._connection.execute(insert, row)
                refusals.append(refusal)
        return refusals

    def _over_quota(self, job: Job, quota: Quota) -> QuotaExceeded | None:
        owner = job.owner
        if quota.running_jobs:
            (running,) = self._connection.execute(_RUNNING_BY_OWNER, (owner,)).fetchone()
            if running >= quota.running_jobs:
                return QuotaExceeded(
                    f"Too many running jobs: this key has {running} queued or processing, "
                    f"the limit is {quota.running_jobs}; retry in {_RUNNING_RETRY_SECONDS} s",
                    _RUNNING_RETRY_SECONDS,
                )
        limit = quota.video_seconds_per_day
        if limit:
            window_start = job.created_at - _DAY_SECONDS
            used, oldest = self._connection.execute(
                _VIDEO_SECONDS_SINCE, (owner, window_start)
            ).fetchone()
            if used + job.video_seconds > limit:
                # The oldest counted job leaving the window is the soonest anything changes.
                retry = max(1, oldest - window_start) if oldest is not None else _DAY_SECONDS
                return QuotaExceeded(
                    f"Daily video quota reached: this key used {used:.0f} of its {limit:g} "
                    f"video seconds in the last 24 hours, and this job needs about "
                    f"{job.video_seconds:.0f}; retry in {retry} s",
                    retry,
                )
        return None

    def discard(self, job_id: str) -> None:
        """Forget a job that never reached the queue."""
        self._execute("DELETE FROM jobs WHERE job_id = ?", (job_id,))

    def get(self, job_id: str) -> Job | None:
        rows = self._query("SELECT * FROM jobs WHERE job_id = ?", (job_id,))
        return _job_from_row(rows[0]) if rows else None

    def stage_reports(self, job_id: str) -> dict[str, StageReport]:
        """How each finished stage of the job did its step, by stage name."""
        rows = self._query("SELECT stages FROM jobs WHERE job_id = ?", (job_id,))
        reports = json.loads(rows[0]["stages"]) if rows else {}
        return {stage: StageReport.model_validate(report) for stage, report in reports.items()}

    def get_with_stages(self, job_id: str) -> tuple[Job, dict[str, StageReport]] | None:
        """The job and its stage reports in one read: what an event stream polls."""
        rows = self._query("SELECT * FROM jobs WHERE job_id = ?", (job_id,))
        if not rows:
            return None
        reports = json.loads(rows[0]["stages"])
        return _job_from_row(rows[0]), {
            stage: StageReport.model_validate(report) for stage, report in reports.items()
        }

    def list_all(self) -> list[Job]:
        rows = self._query("SELECT * FROM jobs ORDER BY created_at, rowid", ())
        return [_job_from_row(row) for row in rows]

    def page(
        self, limit: int, owner: str | None = None, after: str | None = None
    ) -> JobPage | None:
        """Up to ``limit`` jobs, newest first: of every owner, or only of key id ``owner``.

        ``after`` is a page's ``next_cursor``: the page then starts with the job after it.
        None if ``after`` names no job this listing holds.
        """
        parameters: dict[str, Any] = {
            "owner": owner,
            "after_created": None,
            "after_rowid": None,
            "limit": limit + 1,
        }
        with self._lock:
            if after is not None:
                start = self._connection.execute(
                    "SELECT created_at, rowid, owner FROM jobs WHERE job_id = ?", (after,)
                ).fetchone()
                if start is None or (owner is not None and start["owner"] != owner):
                    return None
                parameters["after_created"], parameters["after_rowid"] = start[0], start[1]
            query = _page_query(owner is not None, after is not None)
            rows = self._connection.execute(query, parameters).fetchall()
        jobs = [_job_from_row(row) for row in rows[:limit]]
        return JobPage(jobs, jobs[-1].job_id if len(rows) > limit else None)

    def apply(self, event: ProgressEvent) -> bool:
        """Record ``event`` if it moves its job forward; return whether it did."""
        paths = JobPaths(self._data_dir, event.job_id)
        failed_stage = None
        if event.status == "failed":
            failed_stage = event.error.stage if event.error else event.stage
        parameters = {
            "job_id": event.job_id,
            "status": event.status,
            "progress": event.progress,
            "message": event.message,
            "error_stage": failed_stage,
            "output_file": paths.relative(paths.video) if event.status == "completed" else None,
            "at": event.at,
            "is_terminal": event.status in TERMINAL_STATUSES,
        }
        if event.report is None and not parameters["is_terminal"]:
            return self._execute(_APPLY_EVENT, parameters) == 1
        # The webhook events the change makes are stored in its transaction: a crash cannot
        # leave a finished job without its event, nor an event whose change was undone.
        enqueued = {"job_id": event.job_id, "stage": event.stage, "now": time.time()}
        with self._lock, self._transaction():
            if event.report is not None:
                report = {
                    "job_id": event.job_id,
                    "stage": event.stage,
                    "report": event.report.model_dump_json(),
                }
                self._connection.execute(_RECORD_STAGE, report)
            applied = self._connection.execute(_APPLY_EVENT, parameters).rowcount == 1
            if event.report is not None:
                self._connection.execute(webhooks.ENQUEUE_STAGE_DONE, enqueued)
            if applied and parameters["is_terminal"]:
                self._connection.execute(webhooks.ENQUEUE_END, enqueued)
            return applied

    def mark_cancelled(self, job_id: str) -> bool:
        """Fail an unfinished job as cancelled; return False if it had already finished."""
        now = time.time()
        parameters = {"job_id": job_id, "message": CANCELLED_MESSAGE, "at": now}
        with self._lock, self._transaction():
            if self._connection.execute(_CANCEL, parameters).rowcount != 1:
                return False
            self._connection.execute(webhooks.ENQUEUE_END, {"job_id": job_id, "now": now})
            return True

    def claim_due_delivery(self, now: float, lease_until: float) -> WebhookDelivery | None:
        """Take the webhook delivery due soonest for one attempt, until ``lease_until``.

        The attempt is counted now: a process that dies while sending it may have sent it.
        """
        parameters = {"now": now, "lease_until": lease_until}
        rows = self._query(webhooks.CLAIM_DUE, parameters)
        return WebhookDelivery(**dict(rows[0])) if rows else None

    def record_delivery_attempt(
        self,
        claimed: WebhookDelivery,
        status: int | None,
        error: str | None,
        outcome: DeliveryOutcome,
        next_attempt_at: float | None,
    ) -> bool:
        """Record how the attempt ``claimed`` went; False if its lease ran out meanwhile."""
        parameters = {
            "event_id": claimed.event_id,
            "attempts": claimed.attempts,
            "status": status,
            "error": error,
            "outcome": outcome,
            "next_attempt_at": next_attempt_at,
        }
        return self._execute(webhooks.RECORD_ATTEMPT, parameters) == 1

    def next_delivery_due(self) -> float | None:
        """When the next webhook delivery is due (or its lease ends); None if none is waiting."""
        due = self._query(webhooks.NEXT_DUE, ())[0][0]
        return float(due) if due is not None else None

    def deliveries_of(self, job_id: str) -> list[WebhookDelivery]:
        """The job's webhook events and how their delivery goes, oldest first."""
        return [WebhookDelivery(**dict(row)) for row in self._query(webhooks.OF_JOB, (job_id,))]

    def finished_before(self, cutoff: float) -> list[FinishedJob]:
        """Jobs that completed or failed before ``cutoff`` (Unix seconds)."""
        rows = self._query(
            "SELECT job_id, status, updated_at FROM jobs"
            " WHERE status IN ('completed', 'failed') AND updated_at < ? ORDER BY updated_at",
            (cutoff,),
        )
        return [FinishedJob(row["job_id"], row["status"], row["updated_at"]) for row in rows]

    def count_by_status(self) -> dict[str, int]:
        return {row[0]: row[1] for row in self._query(_COUNT_BY_STATUS, ())}

    def stage_durations(self, since: int, limit: int, buckets: Sequence[float]) -> list[Histogram]:
        """Stage reports, by stage and provider, of the newest ``limit`` jobs since ``since``."""
        source = (
            "(SELECT report.key AS stage,"
            " json_extract(report.value, '$.provider') AS provider,"
            " json_extract(report.value, '$.seconds') AS seconds"
            " FROM (SELECT stages FROM jobs WHERE created_at >= :since"
            " ORDER BY created_at DESC LIMIT :limit) AS recent,"
            " json_each(recent.stages) AS report)"
        )
        query = _histogram_query("seconds", source, "stage, provider", buckets)
        rows = self._query(query, {"since": since, "limit": limit})
        return [Histogram((row[0], row[1]), row[2], row[3], tuple(row[4:])) for row in rows]

    def completion_times(self, since: int, limit: int, buckets: Sequence[float]) -> Histogram:
        """Seconds from intake to completion, of the newest ``limit`` jobs since ``since``."""
        source = (
            "(SELECT 'completed' AS status, updated_at - created_at AS seconds"
            " FROM (SELECT status, created_at, updated_at FROM jobs WHERE created_at >= :since"
            " ORDER BY created_at DESC LIMIT :limit) WHERE status = 'completed')"
        )
        query = _histogram_query("seconds", source, "status", buckets)
        rows = self._query(query, {"since": since, "limit": limit})
        if not rows:
            return Histogram((), 0, 0.0, (0,) * len(buckets))
        return Histogram((), rows[0][1], rows[0][2], tuple(rows[0][3:]))

    def answers(self) -> bool:
        """Whether the store can run a query right now."""
        try:
            self._query("SELECT 1", ())
        except sqlite3.Error:
            return False
        return True

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction, so one disk sync, for several statements (lock held by the caller)."""
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def _execute(self, statement: str, parameters: Any) -> int:
        with self._lock:
            return self._connection.execute(statement, parameters).rowcount

    def _query(self, statement: str, parameters: Any) -> list[sqlite3.Row]:
        with self._lock:
            return self._connection.execute(statement, parameters).fetchall()


def _job_from_row(row: sqlite3.Row) -> Job:
    fields = dict(row)
    fields["options"] = _parse_options(fields["options"])
    # Read apart, by the one route that shows them: a status poll has no use for them.
    del fields["stages"]
    return Job(**fields)


# Most jobs share a handful of option sets, and a status poll should not re-parse them.
_parse_options = functools.lru_cache(maxsize=1024)(JobOptions.model_validate_json)
