"""The job store's statements, written once and completed with a dialect's fragments."""

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.store.database import Dialect
from gateway.webhooks import table as webhooks

# Every field of a Job, in its order; stage reports are read apart, by the one route that
# shows them: a status poll has no use for them.
JOB_COLUMNS = (
    "job_id, status, progress, message, created_at, updated_at, output_file, error_stage,"
    " text, options, owner, video_seconds, topic"
)

RUNNING_BY_OWNER = """
SELECT COUNT(*) AS running FROM jobs
WHERE owner = :owner AND status IN ('queued', 'processing')
"""
VIDEO_SECONDS_SINCE = """
SELECT COALESCE(SUM(video_seconds), 0) AS used, MIN(created_at) AS oldest FROM jobs
WHERE owner = :owner AND created_at > :since
"""
COUNT_BY_STATUS = "SELECT status, COUNT(*) AS jobs FROM jobs GROUP BY status"
FINISHED_BEFORE = """
SELECT job_id, status, updated_at FROM jobs
WHERE status IN ('completed', 'failed') AND updated_at < :cutoff ORDER BY updated_at
"""

# Rule 5 of docs/design.md in one statement, so no event can interleave between a read and
# a write: finished jobs never change; otherwise an event applies when it moves the job
# forward, or restates the current progress with a newer note. Terminal events always
# apply to an unfinished job, but never pull its progress back. (CASE rather than MAX or
# GREATEST: each dialect knows only one of those.)
APPLY_EVENT = """
UPDATE jobs
SET status      = :status,
    progress    = CASE WHEN progress > :progress THEN progress ELSE :progress END,
    message     = :message,
    error_stage = COALESCE(:error_stage, error_stage),
    output_file = COALESCE(:output_file, output_file),
    updated_at  = :at
WHERE job_id = :job_id
  AND status NOT IN ('completed', 'failed')
  AND (:is_terminal OR progress < :progress OR (progress = :progress AND updated_at <= :at))
"""

# A cancelled job fails like any other, so the rule above keeps late events from reviving it.
CANCEL = """
UPDATE jobs
SET status = 'failed', message = :message, updated_at = :at
WHERE job_id = :job_id AND status NOT IN ('completed', 'failed')
"""


# A story's steps (see gateway.stories) are each taken only by the gateway holding the
# job's lease, and only while the job is queued: a cancelled job stays cancelled.
_HELD_STORY = """
WHERE job_id = :job_id AND story_state = 'writing' AND story_lease = :lease AND status = 'queued'
"""
WRITE_STORY = (
    """
UPDATE jobs
SET text = :text, video_seconds = :video_seconds, message = :message, updated_at = :at
"""
    + _HELD_STORY
)
STORY_PUBLISHED = "UPDATE jobs SET story_state = 'written', story_lease = NULL" + _HELD_STORY
RELEASE_STORY = "UPDATE jobs SET story_lease = NULL" + _HELD_STORY
FAIL_STORY = (
    """
UPDATE jobs
SET status = 'failed', message = :message, story_state = 'failed', story_lease = NULL,
    updated_at = :at
"""
    + _HELD_STORY
)


def histogram_query(value: str, source: str, labels: str, buckets: Sequence[float]) -> str:
    """Per ``labels``: the count, the sum, and how many of ``value`` fall in each bucket.

    Computed by the database in one pass over the rows ``source`` selects, so a scrape
    reads no rows into Python however many jobs the window holds.
    """
    counts = "".join(
        f", COALESCE(SUM(CASE WHEN {value} <= {float(bound)!r} THEN 1 ELSE 0 END), 0)"
        f" AS at_most_{n}"
        for n, bound in enumerate(buckets)
    )
    return (
        f"SELECT {labels}, COUNT(*) AS observations, COALESCE(SUM({value}), 0) AS total{counts}"
        f" FROM {source} AS observed GROUP BY {labels}"
    )


@dataclass(frozen=True)
class Queries:
    """The statements whose SQL depends on the dialect."""

    dialect: Dialect

    def insert(self, columns: Sequence[str]) -> str:
        placeholders = ", ".join(f":{column}" for column in columns)
        return f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({placeholders})"

    def job(self, with_stages: bool = False) -> str:
        stages = ", stages" if with_stages else ""
        return f"SELECT {JOB_COLUMNS}{stages} FROM jobs WHERE job_id = :job_id"

    def all_jobs(self) -> str:
        return f"SELECT {JOB_COLUMNS} FROM jobs ORDER BY created_at, {self.dialect.row_order}"

    def page_start(self) -> str:
        return (
            f"SELECT created_at, {self.dialect.row_order} AS row_order, owner"
            " FROM jobs WHERE job_id = :job_id"
        )

    def page(self, of_one_owner: bool, after_a_job: bool) -> str:
        """Newest first; jobs of the same second in the order they were stored, newest first too.

        Each case is its own statement: a condition that may be switched off by a parameter
        (``:owner IS NULL OR ...``) would keep the database from using the index.
        """
        order = self.dialect.row_order
        conditions = ["owner = :owner"] if of_one_owner else []
        if after_a_job:
            conditions.append(f"(created_at, {order}) < (:after_created, :after_order)")
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        return (
            f"SELECT {JOB_COLUMNS} FROM jobs {where}"
            f" ORDER BY created_at DESC, {order} DESC LIMIT :limit"
        )

    def record_stage(self) -> str:
        """A stage's report is kept whatever the order its event arrives in, even after the end."""
        return f"UPDATE jobs SET stages = {self.dialect.stages_with_report} WHERE job_id = :job_id"

    def stage_durations(self, buckets: Sequence[float]) -> str:
        source = (
            f"(SELECT {self.dialect.stage_report_columns}"
            f" FROM (SELECT stages FROM jobs WHERE created_at >= :since"
            f" ORDER BY created_at DESC LIMIT :limit) AS recent,"
            f" {self.dialect.stage_reports_of_recent} AS report)"
        )
        return histogram_query("seconds", source, "stage, provider", buckets)

    def completion_times(self, buckets: Sequence[float]) -> str:
        source = (
            "(SELECT 'completed' AS status, updated_at - created_at AS seconds"
            " FROM (SELECT status, created_at, updated_at FROM jobs WHERE created_at >= :since"
            " ORDER BY created_at DESC LIMIT :limit) AS recent WHERE status = 'completed')"
        )
        return histogram_query("seconds", source, "status", buckets)

    def enqueue_end(self) -> str:
        return webhooks.enqueue_end(self.dialect)

    def enqueue_stage_done(self) -> str:
        return webhooks.enqueue_stage_done(self.dialect)

    def claim_due(self) -> str:
        return webhooks.claim_due(self.dialect)

    def claim_story(self) -> str:
        """The oldest job waiting for its story whose lease is free, for one gateway.

        One statement, as with webhook deliveries: SQLite's write lock orders two claims;
        on PostgreSQL the second skips the row the first holds, and the outer condition is
        checked again on the row it updates.
        """
        waiting = (
            "story_state = 'writing' AND status = 'queued'"
            " AND (story_lease IS NULL OR story_lease <= :now)"
        )
        return f"""
UPDATE jobs SET story_lease = :lease
WHERE {waiting} AND job_id = (
    SELECT job_id FROM jobs WHERE {waiting}
    ORDER BY created_at LIMIT 1 {self.dialect.skip_locked}
)
RETURNING {JOB_COLUMNS}
"""
