"""The JSON messages stages exchange, validated on receipt.

Every message carries ``schema_version``; a consumer rejects versions it does not know
instead of guessing at their meaning. A message is untrusted input, like an HTTP body:
every field is bounded, so no message can make a consumer hold or store more than a
job legitimately needs.
"""

import time
import unicodedata
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from common.errors import InvalidMessage
from common.stages import StageName, stage_info

SCHEMA_VERSION = 1

JobStatus = Literal["queued", "processing", "completed", "failed"]

# Far above any narration a deployment would accept at its door (T2V_MAX_TEXT_CHARS), yet
# finite: a message that skipped the gateway still cannot carry a book.
MAX_TEXT_CHARS = 200_000
# A whole message's bytes, checked before parsing: the text at its longest, with every
# character escaped in JSON at 12 bytes (a surrogate pair as two \\uXXXX), and room to spare.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
# A progress note or failure reason: a line for a person, never a log or a traceback.
MAX_NOTE_CHARS = 1000
# Artifacts a job gathers (audio, timing, captions, queries, footage, video) with room to grow.
MAX_ARTIFACTS = 16
MAX_PATH_CHARS = 512
# Parts a stage may split one job's step into (the render's shards): a ten-minute video in
# one-second shards, with room to spare.
MAX_SHARDS = 1000
# Who did a stage's work, as a job's status names it: "piper (joe-medium)".
MAX_PROVIDER_CHARS = 300
# Longer than any webhook endpoint with a token in its query, short enough for a message.
MAX_WEBHOOK_URL_CHARS = 2000


Orientation = Literal["portrait", "landscape", "square"]
CaptionPosition = Literal["bottom", "middle", "top"]
# Who writes a job's footage search terms: the offline keyword extractor or a chat model.
QueryProvider = Literal["keywords", "llm"]
# Where a job's background clips may come from; generated clips are the last resort.
FootageProvider = Literal["pexels", "pixabay", "library", "generated"]
# A BCP 47 tag as voices name their language: "en", "ja", "pt-BR", "zh-Hans-CN".
LanguageTag = Annotated[
    str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
]
# Which job events a webhook receives: its end only, or each finished stage too.
WebhookEvents = Literal["terminal", "all"]
# How a job's own media (options.media) meet its segments: one each in the order listed,
# or each segment the item whose description best matches what it says.
MediaOrder = Literal["listed", "relevance"]
# Uploads a job may list: a clip every few seconds of the longest video, and a bounded message.
MAX_JOB_MEDIA = 100
# A user's upload (common.user_media) is named by a random id.
MEDIA_ID_PATTERN = r"^[0-9a-f]{32}$"
MediaId = Annotated[str, Field(pattern=MEDIA_ID_PATTERN)]
MAX_MEDIA_DESCRIPTION_CHARS = 500


def plain_text(text: str) -> str:
    """``text`` if it holds no control character or lone surrogate, else ValueError."""
    # Newlines and escapes have no place in a line that is matched against speech and
    # shown in a list.
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        raise ValueError("plain text on one line, without control characters")
    return text


# What a clip or picture shows, in a person's words: "seagulls over the shore".
MediaDescription = Annotated[
    str,
    Field(min_length=1, max_length=MAX_MEDIA_DESCRIPTION_CHARS),
    AfterValidator(plain_text),
]
# Whose job it is: the id of the API key that created it (gateway.access.key_id).
OwnerId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]

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


class MediaChoice(BaseModel):
    """One of the user's uploads a job uses, with what it shows if the job says it better."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: MediaId
    description: MediaDescription | None = Field(
        default=None, description="Instead of the upload's own, for this job"
    )


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
    # What the story is written in; every stage reads it (word boundaries, fonts, search
    # terms, timing). The gateway fills it in from the voice when a job gives none.
    language: LanguageTag | None = Field(
        default=None, description="A BCP 47 language tag such as `en`, `ja` or `pt-BR`"
    )
    query_provider: QueryProvider | None = None
    footage_provider: FootageProvider | None = Field(
        default=None, description="Tried first; the others follow when it has nothing"
    )
    # Only the gateway reads these; the stages carry them along unread.
    webhook_url: str | None = Field(
        default=None,
        max_length=MAX_WEBHOOK_URL_CHARS,
        description="An http(s) URL the job's events are POSTed to, signed",
    )
    webhook_events: WebhookEvents = Field(
        default="terminal", description="`terminal`: completed or failed; `all`: each stage too"
    )
    # The caller's own uploads (POST /api/v1/media), tried before any footage provider.
    media: tuple[MediaChoice, ...] = Field(
        default=(), max_length=MAX_JOB_MEDIA, description="Ids from POST /api/v1/media"
    )
    media_order: MediaOrder = Field(
        default="relevance",
        description="`listed`: one a segment in this order; `relevance`: by description",
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
    # Infinity or NaN in a time would stall a job's progress forever in the store's ordering.
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    schema_version: Literal[1] = 1  # SCHEMA_VERSION
    job_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


_M = TypeVar("_M", bound=_Message)


ArtifactName = Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]
# Relative to the data directory; where it may point is checked when it is used
# (common.artifacts.JobPaths.resolve), since only the job's folder is allowed.
ArtifactPath = Annotated[str, Field(min_length=1, max_length=MAX_PATH_CHARS)]
Note = Annotated[str, Field(max_length=MAX_NOTE_CHARS)]


class Shard(BaseModel):
    """Which part of a step split into ``count`` parts a message asks for (render shards)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=0, lt=MAX_SHARDS)
    count: int = Field(ge=2, le=MAX_SHARDS)

    @model_validator(mode="after")
    def _index_within_count(self) -> Self:
        if self.index >= self.count:
            raise ValueError(f"shard {self.index} of {self.count} does not exist")
        return self


class StageMessage(_Message):
    """Asks one stage to do its step for a job; routed as ``stage.<name>``.

    With ``shard``, it asks for one part of a step the stage split up itself (the render of
    a long video); without, for the whole step.
    """

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    options: JobOptions = Field(default_factory=JobOptions)
    # Artifact name -> path relative to the data directory, growing as stages finish.
    artifacts: dict[ArtifactName, ArtifactPath] = Field(
        default_factory=dict, max_length=MAX_ARTIFACTS
    )
    created_at: float = Field(default_factory=time.time)
    attempt: int = Field(default=1, ge=1, le=1000)
    shard: Shard | None = None
    # Whose media the job may use (options.media); None for a job of no key.
    owner: OwnerId | None = None


class FailureReason(BaseModel):
    stage: StageName
    reason: Note


class StageReport(BaseModel):
    """How a stage did its step: who did it, and how long it took."""

    model_config = ConfigDict(allow_inf_nan=False)

    provider: str = Field(max_length=MAX_PROVIDER_CHARS)
    seconds: float = Field(ge=0)


class ProgressEvent(_Message):
    """Tells the gateway how a job moves; routed as ``progress.<stage>``.

    Well-formed means consistent too: the progress is the one its stage stands for (100
    once completed), and a failure, and only a failure, says why.
    """

    stage: StageName
    status: Literal["processing", "completed", "failed"]
    progress: int = Field(ge=0, le=100)
    message: Note
    at: float = Field(default_factory=time.time)
    error: FailureReason | None = None
    report: StageReport | None = None  # set on the event that ends a stage

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        expected = 100 if self.status == "completed" else stage_info(self.stage).progress
        if self.progress != expected:
            raise ValueError(f"a {self.status} event of {self.stage} is at {expected}%")
        if (self.error is not None) != (self.status == "failed"):
            raise ValueError("an event has an error exactly when its status is failed")
        return self


def parse_stage_message(body: bytes) -> StageMessage:
    return _parse(StageMessage, body)


def parse_progress_event(body: bytes) -> ProgressEvent:
    return _parse(ProgressEvent, body)


def _parse(model: type[_M], body: bytes) -> _M:
    if len(body) > MAX_MESSAGE_BYTES:
        raise InvalidMessage(f"invalid {model.__name__}: over {MAX_MESSAGE_BYTES} bytes")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidMessage(f"invalid {model.__name__}: {where}: {first['msg']}") from exc
