"""A user's own clips and images: what they are, where they live, how they are checked.

Each API key's media lie in a folder of its own, ``media/<key id>/`` in the data directory
(``media/keyless/`` while keys are off): the file ``<media id><suffix>`` and beside it its
record ``<media id>.json``, written after the file, so an item exists once its record does.
Ids are random and checked against one pattern everywhere a request or a message names
one, and a folder is named only from a key id, never from a request, so nothing a client
sends can reach another key's media or any other file.

A file is let in only after PyAV has read it, in a bounded way: its container is told by
its first bytes (MP4/MOV, Matroska/WebM, JPEG, PNG, WebP) and opened as that format alone,
so no other demuxer (a playlist that names other files, say) ever reads it; its sides and
length are checked before anything is decoded, then one frame is decoded.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.artifacts import write_bytes_atomic
from common.errors import T2VError
from common.messages import (
    MAX_MEDIA_DESCRIPTION_CHARS,
    MEDIA_ID_PATTERN,
    MediaDescription,
    MediaId,
    plain_text,
)

logger = logging.getLogger(__name__)

MediaKind = Literal["video", "image"]
_MEDIA_ID = re.compile(MEDIA_ID_PATTERN)
_OWNER = re.compile(r"^[0-9a-f]{32}$")
# The folder of the media uploaded while API keys are off.
KEYLESS_FOLDER = "keyless"
# A record is a few hundred bytes; anything much larger is not one.
MAX_RECORD_BYTES = 8192
# The smallest side a picture may have: below this nothing shows but a smear.
MIN_SIDE = 16
# Packets read looking for the first frame: a playable file gives one within a few.
_MAX_PACKETS_TO_FIRST_FRAME = 500
# How much FFmpeg may read to learn a file's streams.
_PROBE_OPTIONS = {"probesize": "5000000", "analyzeduration": "5000000"}


class MediaRefused(T2VError):
    """A file that is not media we take; ``unsupported`` when it is not even a known type."""

    def __init__(self, reason: str, *, unsupported: bool = False) -> None:
        super().__init__(reason)
        self.unsupported = unsupported


def check_description(text: str | None) -> str | None:
    """``text`` stripped, or None for none; ValueError says what is wrong with it."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if len(text) > MAX_MEDIA_DESCRIPTION_CHARS:
        raise ValueError(f"at most {MAX_MEDIA_DESCRIPTION_CHARS} characters")
    return plain_text(text)


class MediaItem(BaseModel):
    """An uploaded file's record, as the API answers it (``suffix`` stays inside)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    media_id: MediaId
    kind: MediaKind
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    seconds: float | None = Field(default=None, ge=0)  # videos only
    bytes: int = Field(ge=0)
    description: MediaDescription | None = None
    created_at: float
    expires_at: float
    suffix: Literal[".mp4", ".mkv", ".jpg", ".png", ".webp"]

    def expired(self, now: float) -> bool:
        return now >= self.expires_at

    @classmethod
    def new(
        cls, facts: "MediaFacts", size: int, description: str | None, kept_seconds: float
    ) -> "MediaItem":
        """The record of a file just accepted: a fresh id, kept ``kept_seconds`` from now."""
        now = time.time()
        return cls(
            media_id=uuid.uuid4().hex,
            kind=facts.kind,
            width=facts.width,
            height=facts.height,
            seconds=None if facts.seconds is None else round(facts.seconds, 3),
            bytes=size,
            description=description,
            created_at=now,
            expires_at=now + kept_seconds,
            suffix=facts.suffix,  # type: ignore[arg-type]  # one of inspect_media's suffixes
        )


@dataclass(frozen=True)
class MediaLimits:
    max_side: int = 4096
    max_seconds: float = 600.0


@dataclass(frozen=True)
class MediaFacts:
    kind: MediaKind
    suffix: str
    width: int
    height: int
    seconds: float | None


# First bytes -> the FFmpeg demuxer that alone may open the file, its kind and suffix.
_IMAGE_FORMATS = {"jpeg_pipe": ".jpg", "png_pipe": ".png", "webp_pipe": ".webp"}


def _sniff(head: bytes) -> tuple[str, str] | None:
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov", ".mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska", ".mkv"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg_pipe", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png_pipe", ".png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp_pipe", ".webp"
    return None


UNSUPPORTED_MESSAGE = (
    "Unsupported media type: upload a video (MP4, MOV, WebM, MKV) or an image (JPEG, PNG, WebP)"
)


def inspect_media(file: Path, limits: MediaLimits) -> MediaFacts:
    """What ``file`` is, once PyAV has read it within ``limits``; else MediaRefused says why."""
    with open(file, "rb") as handle:
        head = handle.read(16)
    sniffed = _sniff(head)
    if sniffed is None:
        raise MediaRefused(UNSUPPORTED_MESSAGE, unsupported=True)
    demuxer, suffix = sniffed
    kind: MediaKind = "image" if demuxer in _IMAGE_FORMATS else "video"
    try:
        with av.open(str(file), format=demuxer, options=_PROBE_OPTIONS) as container:
            if not container.streams.video:
                raise MediaRefused(f"Invalid media: the {kind} has no picture in it")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            _check_sides(width, height, limits)
            seconds = _seconds(container, stream) if kind == "video" else None
            if seconds is not None and seconds > limits.max_seconds:
                raise MediaRefused(
                    f"Invalid media: the video is {seconds:.0f} s long; the limit is "
                    f"{limits.max_seconds:g} s (T2V_MEDIA_MAX_SECONDS)"
                )
            frame = _first_frame(container, stream)
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise MediaRefused(f"Invalid media: the {kind} cannot be read ({_short(exc)})") from None
    if frame is None:
        raise MediaRefused(f"Invalid media: the {kind} has no frame that decodes")
    _check_sides(frame.width, frame.height, limits)
    return MediaFacts(kind, suffix, frame.width, frame.height, seconds)


def _check_sides(width: int, height: int, limits: MediaLimits) -> None:
    if not (MIN_SIDE <= width <= limits.max_side and MIN_SIDE <= height <= limits.max_side):
        raise MediaRefused(
            f"Invalid media: the picture is {width}x{height} pixels; each side must be "
            f"{MIN_SIDE} to {limits.max_side} (T2V_MEDIA_MAX_SIDE)"
        )


def _seconds(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    raise MediaRefused("Invalid media: the video does not say how long it is")


def _first_frame(
    container: av.container.InputContainer, stream: av.VideoStream
) -> av.VideoFrame | None:
    for count, packet in enumerate(container.demux(stream)):
        if count >= _MAX_PACKETS_TO_FIRST_FRAME:
            return None
        for frame in packet.decode():
            if isinstance(frame, av.VideoFrame):
                return frame
    return None


def _short(exc: BaseException) -> str:
    # FFmpeg's own words, without the file's name: where it lies is nobody's business.
    text = exc.strerror if isinstance(exc, av.FFmpegError) and exc.strerror else str(exc)
    text = text.strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def is_media_id(text: str) -> bool:
    return bool(_MEDIA_ID.fullmatch(text))


def owner_folder_name(owner: str | None) -> str:
    """The folder of ``owner``'s media: its key id, checked, or the keyless folder."""
    if owner is None:
        return KEYLESS_FOLDER
    if not _OWNER.fullmatch(owner):
        raise ValueError(f"{owner!r} is not a key id")
    return owner


class MediaFolders:
    """Every key's media under ``<data dir>/media``."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "media"

    def folder(self, owner: str | None) -> Path:
        return self.root / owner_folder_name(owner)

    def record_path(self, owner: str | None, media_id: str) -> Path:
        if not is_media_id(media_id):
            raise ValueError(f"{media_id!r} is not a media id")
        return self.folder(owner) / f"{media_id}.json"

    def get(self, owner: str | None, media_id: str, now: float) -> MediaItem | None:
        """``owner``'s item ``media_id`` if it exists and has not expired."""
        if not is_media_id(media_id):
            return None
        item = read_record(self.record_path(owner, media_id))
        if item is None or item.media_id != media_id or item.expired(now):
            return None
        return item

    def file(self, owner: str | None, item: MediaItem) -> Path:
        """The item's file, which must be a plain file inside the owner's folder."""
        folder = self.folder(owner)
        path = folder / f"{item.media_id}{item.suffix}"
        if path.is_symlink() or not path.resolve().is_relative_to(folder.resolve()):
            raise ValueError(f"the file of media {item.media_id} is not in its folder")
        return path

    def items(self, owner: str | None, now: float) -> list[MediaItem]:
        """``owner``'s unexpired items, newest first."""
        found = [
            item
            for record in self.records(self.folder(owner))
            if (item := read_record(record)) is not None and not item.expired(now)
        ]
        return sorted(found, key=lambda item: (item.created_at, item.media_id), reverse=True)

    def save(self, owner: str | None, item: MediaItem) -> None:
        write_bytes_atomic(self.record_path(owner, item.media_id), item.model_dump_json().encode())

    def remove(self, owner: str | None, item: MediaItem) -> None:
        # The record first: once it is gone the item is gone, whatever happens to the file.
        self.record_path(owner, item.media_id).unlink(missing_ok=True)
        self.folder(owner).joinpath(f"{item.media_id}{item.suffix}").unlink(missing_ok=True)

    def owners(self) -> Iterator[Path]:
        if self.root.is_dir():
            yield from (folder for folder in sorted(self.root.iterdir()) if folder.is_dir())

    @staticmethod
    def records(folder: Path) -> list[Path]:
        """The item records in one owner's folder (not the temporary files of one being written)."""
        if not folder.is_dir():
            return []
        return [
            path
            for path in folder.glob("*.json")
            if is_media_id(path.stem) and path.is_file() and not path.is_symlink()
        ]


def read_record(path: Path) -> MediaItem | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_RECORD_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if len(data) > MAX_RECORD_BYTES:
        logger.warning("media record %s is too large to be one; ignoring it", path)
        return None
    try:
        return MediaItem.model_validate_json(data)
    except (ValidationError, json.JSONDecodeError):
        logger.warning("media record %s does not parse; ignoring it", path)
        return None
