"""What the job store holds and answers, independent of the database that keeps it."""

import time
from dataclasses import dataclass

from pydantic import BaseModel

from common.messages import JobOptions, JobStatus
from common.stages import QUEUED_MESSAGE

TERMINAL_STATUSES: tuple[JobStatus, ...] = ("completed", "failed")
CANCELLED_MESSAGE = "Cancelled"
WRITING_STORY_MESSAGE = "Writing the story..."


class StoryTopic(BaseModel):
    """What a job's story is written from, when its request gave a topic instead of a text."""

    topic: str
    target_seconds: float
    tone: str | None = None


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
    # Set for a job asked for by topic; its text is empty until the story is written.
    topic: StoryTopic | None = None


def new_job(
    job_id: str,
    text: str,
    options: JobOptions,
    owner: str | None = None,
    video_seconds: float = 0.0,
    topic: StoryTopic | None = None,
) -> Job:
    now = time.time()
    return Job(
        job_id=job_id,
        status="queued",
        progress=0,
        message=QUEUED_MESSAGE if topic is None else WRITING_STORY_MESSAGE,
        created_at=int(now),
        updated_at=now,
        output_file=None,
        error_stage=None,
        text=text,
        options=options,
        owner=owner,
        video_seconds=video_seconds,
        topic=topic,
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
