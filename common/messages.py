"""The JSON messages stages exchange, validated on receipt.

Every message carries ``schema_version``; a consumer rejects versions it does not know
instead of guessing at their meaning.
"""

import time
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.errors import InvalidMessage

SCHEMA_VERSION = 1

JobStatus = Literal["queued", "processing", "completed", "failed"]


class JobOptions(BaseModel):
    """How a job's video should look; every field has a default a user never has to set."""

    model_config = ConfigDict(extra="forbid")

    width: int = Field(default=1080, ge=64, le=3840, multiple_of=2)
    height: int = Field(default=1920, ge=64, le=3840, multiple_of=2)
    fps: int = Field(default=30, ge=1, le=60)


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: Literal[1] = 1  # SCHEMA_VERSION
    job_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


_M = TypeVar("_M", bound=_Message)


class StageMessage(_Message):
    """Asks one stage to do its step for a job; routed as ``stage.<name>``."""

    text: str = Field(min_length=1)
    options: JobOptions = Field(default_factory=JobOptions)
    # Artifact name -> path relative to the data directory, growing as stages finish.
    artifacts: dict[str, str] = Field(default_factory=dict)
    created_at: float = Field(default_factory=time.time)
    attempt: int = Field(default=1, ge=1)


class FailureReason(BaseModel):
    stage: str
    reason: str


class ProgressEvent(_Message):
    """Tells the gateway how a job moves; routed as ``progress.<stage>``."""

    stage: str
    status: JobStatus
    progress: int = Field(ge=0, le=100)
    message: str
    at: float = Field(default_factory=time.time)
    error: FailureReason | None = None


def parse_stage_message(body: bytes) -> StageMessage:
    return _parse(StageMessage, body)


def parse_progress_event(body: bytes) -> ProgressEvent:
    return _parse(ProgressEvent, body)


def _parse(model: type[_M], body: bytes) -> _M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidMessage(f"invalid {model.__name__}: {where}: {first['msg']}") from exc
