"""The JSON messages stages exchange, validated on receipt.

Every message carries ``schema_version``; a consumer rejects versions it does not know
instead of guessing at their meaning.
"""

import time
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from common.errors import InvalidMessage

SCHEMA_VERSION = 1

JobStatus = Literal["queued", "processing", "completed", "failed"]


Orientation = Literal["portrait", "landscape", "square"]
CaptionPosition = Literal["bottom", "middle", "top"]
# Who writes a job's footage search terms: the offline keyword extractor or a chat model.
QueryProvider = Literal["keywords", "llm"]
# Where a job's background clips may come from; generated clips are the last resort.
FootageProvider = Literal["pexels", "pixabay", "library", "generated"]

# Full-size frames per orientation; a preview halves both sides.
FRAME_SIZES: dict[Orientation, tuple[int, int]] = {
    "portrait": (1080, 1920),
    "landscape": (1920, 1080),
    "square": (1080, 1080),
}
HexColor = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]


class CaptionStyle(BaseModel):
    """How captions look; the defaults suit a vertical short."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # Pixels; None scales the text with the frame.
    font_size: int | None = Field(default=None, ge=8, le=400)
    color: HexColor = "#FFFFFF"
    highlight: bool = True  # the word being spoken in highlight_color
    highlight_color: HexColor = "#FFD21F"
    outline_color: HexColor = "#000000"
    box: bool = False  # a translucent box behind the text, besides the outline
    position: CaptionPosition = "bottom"


class JobOptions(BaseModel):
    """How a job's video should look; every field has a default a user never has to set.

    ``width`` and ``height`` follow from ``orientation`` and ``preview`` unless given.
    """

    # Frozen, so that equal options read from the job store can be one shared object.
    model_config = ConfigDict(extra="forbid", frozen=True)

    orientation: Orientation = "portrait"
    preview: bool = False
    width: int = Field(default=0, ge=64, le=3840, multiple_of=2)
    height: int = Field(default=0, ge=64, le=3840, multiple_of=2)
    fps: int = Field(default=30, ge=1, le=60)
    captions: CaptionStyle = Field(default_factory=CaptionStyle)
    music: bool = False  # background music from the music folder, under the voice

    # Providers, where a job wants other than the services' configured defaults.
    voice: str | None = Field(
        default=None, max_length=200, description="A voice id from GET /api/v1/voices"
    )
    speaking_rate: float = Field(default=1.0, ge=0.5, le=2.0, description="1.0 is the voice's own")
    query_provider: QueryProvider | None = None
    footage_provider: FootageProvider | None = Field(
        default=None, description="Tried first; the others follow when it has nothing"
    )

    @model_validator(mode="before")
    @classmethod
    def _frame_size_from_orientation(cls, data: Any) -> Any:
        if not isinstance(data, dict) or ("width" in data and "height" in data):
            return data
        orientation = data.get("orientation", "portrait")
        if orientation not in FRAME_SIZES:
            return data  # the field's own validation names the allowed values
        width, height = FRAME_SIZES[orientation]
        if data.get("preview") is True:
            width, height = width // 2, height // 2
        return {"width": width, "height": height, **data}


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


class StageReport(BaseModel):
    """How a stage did its step: who did it, and how long it took."""

    provider: str
    seconds: float = Field(ge=0)


class ProgressEvent(_Message):
    """Tells the gateway how a job moves; routed as ``progress.<stage>``."""

    stage: str
    status: JobStatus
    progress: int = Field(ge=0, le=100)
    message: str
    at: float = Field(default_factory=time.time)
    error: FailureReason | None = None
    report: StageReport | None = None  # set on the event that ends a stage


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
