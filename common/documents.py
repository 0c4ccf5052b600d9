"""The JSON documents stages leave on the shared volume for the stages after them."""

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.artifacts import write_bytes_atomic
from common.errors import MissingArtifact, StageError


class Word(BaseModel):
    text: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)


class TimedPhoneme(BaseModel):
    phoneme: str  # " " between words, punctuation as spoken pauses
    start: float = Field(ge=0)
    end: float = Field(ge=0)


class SpokenSentence(BaseModel):
    """One sentence as the voice split the text, with the time of each of its phonemes."""

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    phonemes: list[TimedPhoneme]


class SpeechTiming(BaseModel):
    """When the voice model spoke each phoneme of the narration (seconds into the audio)."""

    sentences: list[SpokenSentence]


class CaptionGroup(BaseModel):
    """A few words shown on screen together."""

    text: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    words: list[Word]


class Captions(BaseModel):
    duration: float = Field(ge=0)  # seconds of narration the captions belong to
    words: list[Word]
    groups: list[CaptionGroup]


class QuerySegment(BaseModel):
    """A time range of the narration and the search terms that describe it."""

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    text: str
    terms: list[str] = Field(min_length=1, max_length=3)


class Queries(BaseModel):
    segments: list[QuerySegment]


class FootageClip(BaseModel):
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    path: str  # relative to the data directory
    # Where the clip came from: "pexels:<id>", "pixabay:<id>", "library:<file>", "generated".
    source: str
    term: str
    # Still downloading: the footage stage hands the job to the render once the first
    # clip is in, and rewrites the manifest as each later one arrives. A pending clip's
    # path is where it is expected, checked as any path; the render waits for the clip
    # when its segment comes on screen. Manifests from before have no pending clips.
    pending: bool = False
    # How well the clip's description matched what its segment says, from 0 to 1, as the
    # job's footage matcher scored it; None for a generated background, for a clip no
    # matcher scored, and in manifests from before scores.
    score: float | None = None


class FootageManifest(BaseModel):
    clips: list[FootageClip]

    @property
    def pending(self) -> list[int]:
        """The indexes of the clips still downloading, in order."""
        return [index for index, clip in enumerate(self.clips) if clip.pending]


# A manifest lists a clip per few seconds of narration: some thousands at the most.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


# A description is a few dozen bytes; anything much larger is not one.
MAX_DESCRIPTION_BYTES = 4096


class GeneratedBackground(BaseModel):
    """A generated clip's description, the file a manifest clip of source "generated" names.

    The render draws the animation from it at the output's size. Manifests from before
    descriptions name an encoded MP4 instead, which the render still plays as any clip.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["generated"] = "generated"
    # Chooses the palette and every motion path (see common/animation.py).
    seed: int = Field(ge=0, lt=2**64)


class VoiceInfo(BaseModel):
    id: str  # "<backend>:<name>", what a job's "voice" option names
    backend: str
    name: str
    language: str | None = None


class VoiceCatalog(BaseModel):
    """The voices the TTS service has installed, for the gateway to list and check."""

    default: str
    voices: list[VoiceInfo]


def voice_catalog_path(data_dir: Path) -> Path:
    return data_dir / "catalog" / "voices.json"


_D = TypeVar("_D", bound=BaseModel)


def load_document(model: type[_D], path: Path, max_bytes: int | None = None) -> _D:
    """The document in ``path``; with ``max_bytes``, a larger one is refused."""
    try:
        with path.open("rb") as file:
            data = file.read() if max_bytes is None else file.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise MissingArtifact(f"{path.name} is missing") from exc
    if max_bytes is not None and len(data) > max_bytes:
        raise StageError(f"{path.name} is over {max_bytes} bytes")
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        raise StageError(f"{path.name} is not a valid {model.__name__}") from exc


def save_document(document: BaseModel, path: Path) -> None:
    write_bytes_atomic(path, document.model_dump_json(indent=2).encode())
