"""The bodies the API sends and receives, as the contract in api-contract.md fixes them."""

from typing import Literal

from pydantic import BaseModel, Field

from common.messages import JobOptions, JobStatus

ACCEPTED_MESSAGE = "Video generation started"


class GenerateRequest(BaseModel):
    text: str = Field(description="The story to narrate")
    options: JobOptions = Field(default_factory=JobOptions)


class GenerateAccepted(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    message: str = ACCEPTED_MESSAGE


class JobStatusView(BaseModel):
    status: JobStatus
    progress: int
    message: str
    created_at: int = Field(description="Unix seconds")


class JobSummary(JobStatusView):
    output_file: str | None = Field(
        default=None, description="Relative to the data directory; present once the video exists"
    )


class JobList(BaseModel):
    jobs: dict[str, JobSummary]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    broker: bool


class ErrorBody(BaseModel):
    error: str
