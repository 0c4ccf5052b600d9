"""The job store: jobs, their stage reports and webhook deliveries, on SQLite or PostgreSQL.

Every rule lives in a statement the database runs whole (see gateway.store.queries), so
gateway processes sharing the store, on one host or several, cannot interleave a read
and a write.
"""

import dataclasses
import functools
import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from common.artifacts import JobPaths
from common.errors import QuotaExceeded, StoreError
from common.messages import JobOptions, ProgressEvent, StageReport
from gateway.store import queries
from gateway.store.database import Database, Row, Session
from gateway.store.migrations import migrate
from gateway.store.queries import Queries
from gateway.store.records import (
    CANCELLED_MESSAGE,
    TERMINAL_STATUSES,
    FinishedJob,
    Histogram,
    Job,
    JobPage,
    Quota,
    StoryTopic,
)
from gateway.store.sqlite import SqliteDatabase
from gateway.webhooks import table as webhooks
from gateway.webhooks.table import DeliveryOutcome, WebhookDelivery

_DAY_SECONDS = 86400
# When a running job will end is unknown; short jobs take about this long.
_RUNNING_RETRY_SECONDS = 15


class JobStore:
    def __init__(self, database: Path | Database, data_dir: Path) -> None:
        """Open the store in ``database`` (a SQLite file's path, or an open database)."""
        self._database = SqliteDatabase(database) if isinstance(database, Path) else database
        self._data_dir = data_dir
        self._queries = Queries(self._database.dialect)
        try:
            migrate(self._database)
        except BaseException:
            self._database.close()
            raise

    def close(self) -> None:
        self._database.close()

    def insert_all(
        self, jobs: Sequence[Job], quotas: Sequence[Quota | None] = ()
    ) -> list[QuotaExceeded | None]:
        """Store new jobs in one transaction: one disk sync however many there are.

        ``quotas[i]``, if given, is what ``jobs[i]``'s owner may have: a job over it is not
        stored, and its place in the answer says why. Checked inside the transaction, so
        concurrent requests, or gateway processes, cannot together pass a quota: on
        PostgreSQL each owner's checks wait for the other transactions checking the same
        owner to end (an advisory lock per owner); SQLite lets one writer in at a time anyway.
        """
        rows = [_row_of(job) for job in jobs]
        insert = self._queries.insert(list(rows[0]))
        checked = quotas or [None] * len(jobs)
        refusals: list[QuotaExceeded | None] = []
        owners = sorted(
            {job.owner for job, quota in zip(jobs, checked, strict=True) if quota and job.owner}
        )
        lock_owners = self._database.dialect.lock_owners
        with self._database.transaction() as session:
            if lock_owners is not None and owners:
                session.rows(lock_owners, {"owners": owners})
            for job, row, quota in zip(jobs, rows, checked, strict=True):
                refusal = None
                if quota is not None and job.owner is not None:
                    refusal = _over_quota(session, job, quota)
                if refusal is None:
                    session.count(insert, row)
                refusals.append(refusal)
        return refusals

    def discard(self, job_id: str) -> None:
        """Forget a job that never reached the queue."""
        self._count("DELETE FROM jobs WHERE job_id = :job_id", {"job_id": job_id})

    def get(self, job_id: str) -> Job | None:
        rows = self._rows(self._queries.job(), {"job_id": job_id})
        return _job_from_row(rows[0]) if rows else None

    def stage_reports(self, job_id: str) -> dict[str, StageReport]:
        """How each finished stage of the job did its step, by stage name."""
        rows = self._rows("SELECT stages FROM jobs WHERE job_id = :job_id", {"job_id": job_id})
        return _reports(rows[0]["stages"]) if rows else {}

    def get_with_stages(self, job_id: str) -> tuple[Job, dict[str, StageReport]] | None:
        """The job and its stage reports in one read: what an event stream polls."""
        rows = self._rows(self._queries.job(with_stages=True), {"job_id": job_id})
        if not rows:
            return None
        stages = rows[0].pop("stages")
        return _job_from_row(rows[0]), _reports(stages)

    def list_all(self) -> list[Job]:
        return [_job_from_row(row) for row in self._rows(self._queries.all_jobs())]

    def page(
        self, limit: int, owner: str | None = None, after: str | None = None
    ) -> JobPage | None:
        """Up to ``limit`` jobs, newest first: of every owner, or only of key id ``owner``.

        ``after`` is a page's ``next_cursor``: the page then starts with the job after it.
        None if ``after`` names no job this listing holds.
        """
        parameters: dict[str, Any] = {"owner": owner, "limit": limit + 1}
        with self._database.session() as session:
            if after is not None:
                starts = session.rows(self._queries.page_start(), {"job_id": after})
                if not starts or (owner is not None and starts[0]["owner"] != owner):
                    return None
                parameters["after_created"] = starts[0]["created_at"]
                parameters["after_order"] = starts[0]["row_order"]
            query = self._queries.page(owner is not None, after is not None)
            rows = session.rows(query, parameters)
        jobs = [_job_from_row(row) for row in rows[:limit]]
        return JobPage(jobs, jobs[-1].job_id if len(rows) > limit else None)

    def apply(self, event: ProgressEvent) -> bool:
        """Record ``event`` if it moves its job forward; return whether it did."""
        paths = JobPaths(self._data_dir, event.job_id)
        failed_stage = None
        if event.status == "failed":
            failed_stage = event.error.stage if event.error else event.stage
        is_terminal = event.status in TERMINAL_STATUSES
        parameters = {
            "job_id": event.job_id,
            "status": event.status,
            "progress": event.progress,
            "message": event.message,
            "error_stage": failed_stage,
            "output_file": paths.relative(paths.video) if event.status == "completed" else None,
            "at": event.at,
            "is_terminal": is_terminal,
        }
        if event.report is None and not is_terminal:
            return self._count(queries.APPLY_EVENT, parameters) == 1
        # The webhook events the change makes are stored in its transaction: a crash cannot
        # leave a finished job without its event, nor an event whose change was undone.
        enqueued = {"job_id": event.job_id, "stage": event.stage, "now": time.time()}
        with self._database.transaction() as session:
            if event.report is not None:
                report = {
                    "job_id": event.job_id,
                    "stage": event.stage,
                    "report": event.report.model_dump_json(),
                }
                session.count(self._queries.record_stage(), report)
            applied = session.count(queries.APPLY_EVENT, parameters) == 1
            if event.report is not None:
                session.count(self._queries.enqueue_stage_done(), enqueued)
            if applied and is_terminal:
                session.count(self._queries.enqueue_end(), enqueued)
            return applied

    def mark_cancelled(self, job_id: str) -> bool:
        """Fail an unfinished job as cancelled; return False if it had already finished."""
        now = time.time()
        parameters = {"job_id": job_id, "message": CANCELLED_MESSAGE, "at": now}
        with self._database.transaction() as session:
            if session.count(queries.CANCEL, parameters) != 1:
                return False
            session.count(self._queries.enqueue_end(), {"job_id": job_id, "now": now})
            return True

    def claim_story(self, now: float, lease: float) -> Job | None:
        """Take the oldest job waiting for its story, whose lease is free, until ``lease``.

        ``lease`` also names the claim: only its holder's steps below take effect.
        """
        rows = self._rows(self._queries.claim_story(), {"now": now, "lease": lease})
        return _job_from_row(rows[0]) if rows else None

    def write_story(
        self, job_id: str, lease: float, text: str, video_seconds: float, message: str
    ) -> bool:
        """Store the story held under ``lease``; False if the claim was lost or the job ended."""
        parameters = {
            "job_id": job_id,
            "lease": lease,
            "text": text,
            "video_seconds": video_seconds,
            "message": message,
            "at": time.time(),
        }
        return self._count(queries.WRITE_STORY, parameters) == 1

    def story_published(self, job_id: str, lease: float) -> bool:
        """The story's first stage message is out: the job goes on as any other."""
        return self._count(queries.STORY_PUBLISHED, {"job_id": job_id, "lease": lease}) == 1

    def release_story(self, job_id: str, lease: float) -> bool:
        """Give the claim up, for any gateway to take the job again at once."""
        return self._count(queries.RELEASE_STORY, {"job_id": job_id, "lease": lease}) == 1

    def fail_story(self, job_id: str, lease: float, message: str) -> bool:
        """Fail the job held under ``lease`` because its story could not be written."""
        parameters = {"job_id": job_id, "lease": lease, "message": message, "at": time.time()}
        with self._database.transaction() as session:
            if session.count(queries.FAIL_STORY, parameters) != 1:
                return False
            session.count(self._queries.enqueue_end(), {"job_id": job_id, "now": time.time()})
            return True

    def claim_due_delivery(self, now: float, lease_until: float) -> WebhookDelivery | None:
        """Take the webhook delivery due soonest for one attempt, until ``lease_until``.

        The attempt is counted now: a process that dies while sending it may have sent it.
        """
        parameters = {"now": now, "lease_until": lease_until}
        rows = self._rows(self._queries.claim_due(), parameters)
        return WebhookDelivery(**rows[0]) if rows else None

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
        return self._count(webhooks.RECORD_ATTEMPT, parameters) == 1

    def next_delivery_due(self) -> float | None:
        """When the next webhook delivery is due (or its lease ends); None if none is waiting."""
        due = self._rows(webhooks.NEXT_DUE)[0]["due"]
        return float(due) if due is not None else None

    def deliveries_of(self, job_id: str) -> list[WebhookDelivery]:
        """The job's webhook events and how their delivery goes, oldest first."""
        rows = self._rows(webhooks.OF_JOB, {"job_id": job_id})
        return [WebhookDelivery(**row) for row in rows]

    def finished_before(self, cutoff: float) -> list[FinishedJob]:
        """Jobs that completed or failed before ``cutoff`` (Unix seconds)."""
        rows = self._rows(queries.FINISHED_BEFORE, {"cutoff": cutoff})
        return [FinishedJob(row["job_id"], row["status"], row["updated_at"]) for row in rows]

    def count_by_status(self) -> dict[str, int]:
        return {row["status"]: row["jobs"] for row in self._rows(queries.COUNT_BY_STATUS)}

    def stage_durations(self, since: int, limit: int, buckets: Sequence[float]) -> list[Histogram]:
        """Stage reports, by stage and provider, of the newest ``limit`` jobs since ``since``."""
        query = self._queries.stage_durations(buckets)
        rows = self._rows(query, {"since": since, "limit": limit})
        return [_histogram(row, labels=2) for row in rows]

    def completion_times(self, since: int, limit: int, buckets: Sequence[float]) -> Histogram:
        """Seconds from intake to completion, of the newest ``limit`` jobs since ``since``."""
        query = self._queries.completion_times(buckets)
        rows = self._rows(query, {"since": since, "limit": limit})
        if not rows:
            return Histogram((), 0, 0.0, (0,) * len(buckets))
        return dataclasses.replace(_histogram(rows[0], labels=1), labels=())

    def answers(self) -> bool:
        """Whether the store can run a query right now."""
        try:
            self._rows("SELECT 1 AS one")
        except StoreError:
            return False
        return True

    def _count(self, statement: str, parameters: dict[str, Any]) -> int:
        with self._database.session() as session:
            return session.count(statement, parameters)

    def _rows(self, statement: str, parameters: dict[str, Any] | None = None) -> list[Row]:
        with self._database.session() as session:
            return session.rows(statement, parameters or {})


def _over_quota(session: Session, job: Job, quota: Quota) -> QuotaExceeded | None:
    owner = job.owner
    if quota.running_jobs:
        (row,) = session.rows(queries.RUNNING_BY_OWNER, {"owner": owner})
        running = row["running"]
        if running >= quota.running_jobs:
            return QuotaExceeded(
                f"Too many running jobs: this key has {running} queued or processing, "
                f"the limit is {quota.running_jobs}; retry in {_RUNNING_RETRY_SECONDS} s",
                _RUNNING_RETRY_SECONDS,
            )
    limit = quota.video_seconds_per_day
    if limit:
        window_start = job.created_at - _DAY_SECONDS
        (row,) = session.rows(queries.VIDEO_SECONDS_SINCE, {"owner": owner, "since": window_start})
        used, oldest = row["used"], row["oldest"]
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


def _histogram(row: Row, labels: int) -> Histogram:
    values = list(row.values())
    return Histogram(
        tuple(values[:labels]),
        values[labels],
        float(values[labels + 1]),
        tuple(values[labels + 2 :]),
    )


def _reports(stages: str) -> dict[str, StageReport]:
    return {
        stage: StageReport.model_validate(report) for stage, report in json.loads(stages).items()
    }


def _row_of(job: Job) -> dict[str, Any]:
    topic = job.topic.model_dump_json() if job.topic is not None else None
    return {
        **asdict(job),
        "options": job.options.model_dump_json(),
        "topic": topic,
        # A job asked for by topic waits for a gateway to write its story (gateway.stories).
        "story_state": "writing" if topic is not None else None,
    }


def _job_from_row(row: Row) -> Job:
    topic = StoryTopic.model_validate_json(row["topic"]) if row["topic"] is not None else None
    return Job(**{**row, "options": _parse_options(row["options"]), "topic": topic})


# Most jobs share a handful of option sets, and a status poll should not re-parse them.
_parse_options = functools.lru_cache(maxsize=1024)(JobOptions.model_validate_json)
