"""The bodies the API sends and receives, as docs/api-contract.md fixes them."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common.messages import JobOptions, JobStatus
from gateway.store import CANCELLED_MESSAGE
from gateway.story.writing import MAX_TONE_CHARS, MAX_TOPIC_CHARS, MIN_TARGET_SECONDS
from gateway.webhooks.table import DeliveryOutcome

ACCEPTED_MESSAGE = "Video generation started"


class GenerateRequest(BaseModel):
    """Other top-level fields are ignored, so clients may send their own metadata along."""

    # At least one character that is not whitespace; the longest is a setting.
    text: str = Field(min_length=1, pattern=r"\S", description="The story to narrate")
    options: JobOptions = Field(default_factory=JobOptions)


class TopicRequest(BaseModel):
    """A job whose story the gateway's chat model writes; then it goes on as any other."""

    topic: str = Field(
        min_length=1,
        max_length=MAX_TOPIC_CHARS,
        pattern=r"\S",
        description="What the story is about, in a few words",
    )
    target_seconds: float | None = Field(
        default=None,
        ge=MIN_TARGET_SECONDS,
        description="About how long the narration should run; default 60 s, at most the "
        "gateway's longest video (T2V_MAX_VIDEO_SECONDS)",
    )
    tone: str | None = Field(
        default=None,
        max_length=MAX_TONE_CHARS,
        description='A few words on one line, e.g. "calm", "playful", "suspenseful"',
    )
    options: JobOptions = Field(default_factory=JobOptions)


class GenerateAccepted(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    message: str = ACCEPTED_MESSAGE


class JobCancelled(BaseModel):
    job_id: str
    status: Literal["failed"] = "failed"
    message: str = CANCELLED_MESSAGE


class JobStatusView(BaseModel):
    status: JobStatus
    progress: int
    message: str
    created_at: int = Field(description="Unix seconds")


class JobSummary(JobStatusView):
    output_file: str | None = Field(
        default=None, description="Relative to the data directory; present once the video exists"
    )


class StageDetail(BaseModel):
    stage: str
    provider: str = Field(description='Who did the step, e.g. "piper (joe-medium)"')
    seconds: float


class WebhookDetail(BaseModel):
    event_id: str = Field(description="Sent as X-T2V-Event-Id, the same on every retry")
    event: str = Field(description="`job.completed`, `job.failed` or `job.stage_completed`")
    url: str = Field(description="Where it goes, without the URL's query")
    created_at: float = Field(description="Unix seconds when the event happened")
    attempts: int
    last_attempt_at: float | None = None
    last_status: int | None = Field(default=None, description="The receiver's last HTTP status")
    last_error: str | None = Field(default=None, description="Why the last attempt failed")
    next_attempt_at: float | None = Field(
        default=None, description="Unix seconds; absent once delivered or given up"
    )
    outcome: DeliveryOutcome


class FootageDetail(BaseModel):
    start: float = Field(description="Seconds into the narration where the segment starts")
    end: float
    source: str = Field(
        description='Where the clip came from: "library:<file>", "pexels:<id>", '
        '"pixabay:<id>", "generated"; "pending" while it downloads'
    )
    term: str = Field(description="The search term the clip was found for")
    score: float | None = Field(
        default=None,
        description="How well the clip's description matched the segment, 0 to 1; "
        "absent where no matcher chose it (generated backgrounds, stock clips)",
    )
    pending: bool | None = Field(default=None, description="Present (true) while it downloads")


class JobDetail(JobSummary):
    updated_at: float = Field(description="Unix seconds of the last change")
    topic: str | None = Field(default=None, description="Present for a job asked for by topic")
    text: str | None = Field(
        default=None,
        description="The story narrated; for a job asked for by topic, present once written",
    )
    stages: list[StageDetail] = Field(description="The stages that have finished, in order")
    webhooks: list[WebhookDetail] | None = Field(
        default=None, description="Present when the job has a webhook: each event's delivery"
    )
    footage: list[FootageDetail] | None = Field(
        default=None,
        description="Once footage is chosen, while the job's work folder is kept: each "
        "segment's clip, in order",
    )


class JobList(BaseModel):
    jobs: dict[str, JobSummary] = Field(description="Newest first")
    next_cursor: str | None = Field(
        default=None, description="Present when more jobs follow: pass it as `cursor`"
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    broker: bool


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    broker: Literal[True] = True
    store: Literal[True] = True


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    error: str
