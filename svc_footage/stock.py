"""Stock videos as a provider's search describes them, and which of them suits a segment.

A search gives videos in order of relevance, each in several renditions (sizes). For a
segment the stage wants a video shaped like the frame (the renderer crops the rest away),
long enough not to loop, and, of that video, the smallest file that still fills the frame.
"""

from dataclasses import dataclass
from typing import Protocol

from common.messages import FootageProvider, Orientation

# Sides within this ratio of each other count as square: 4:5 is portrait, 1:1.05 square.
SQUARE_TOLERANCE = 1.1


@dataclass(frozen=True)
class VideoFile:
    """One rendition of a stock video."""

    url: str
    width: int
    height: int
    size: int | None = None  # bytes, where the provider says

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


@dataclass(frozen=True)
class StockVideo:
    provider: str  # "pexels", "pixabay"
    id: str
    width: int
    height: int
    duration: float  # seconds
    files: tuple[VideoFile, ...]

    @property
    def source(self) -> str:
        """How the manifest names it: "pexels:1526909"."""
        return f"{self.provider}:{self.id}"


@dataclass(frozen=True)
class Frame:
    """The size of the video being made."""

    width: int
    height: int

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)

    @property
    def orientation(self) -> Orientation:
        return orientation_of(self.width, self.height)


def orientation_of(width: int, height: int) -> Orientation:
    if width > height * SQUARE_TOLERANCE:
        return "landscape"
    if height > width * SQUARE_TOLERANCE:
        return "portrait"
    return "square"


def rank_videos(videos: list[StockVideo], frame: Frame, seconds: float) -> list[StockVideo]:
    """The videos best suited first: shaped like the frame, then long enough, then relevance.

    The shape comes first because a landscape clip in a portrait frame keeps only a third of
    its picture, while a short clip merely loops.
    """

    def unsuitability(ranked: tuple[int, StockVideo]) -> tuple[bool, bool, int]:
        relevance, video = ranked
        wrong_shape = orientation_of(video.width, video.height) != frame.orientation
        too_short = video.duration < seconds
        return wrong_shape, too_short, relevance

    return [video for _, video in sorted(enumerate(videos), key=unsuitability)]


def choose_rendition(video: StockVideo, frame: Frame, max_bytes: int) -> VideoFile | None:
    """The smallest rendition that fills the frame's short side, else the largest there is.

    Larger files only cost download time and decoding (the renderer scales them down);
    smaller ones are scaled up and look soft, so they are the last resort.
    """
    usable = [
        file
        for file in video.files
        if file.width > 0 and file.height > 0 and (file.size is None or file.size <= max_bytes)
    ]
    filling = [file for file in usable if file.short_side >= frame.short_side]
    if filling:
        return min(filling, key=lambda file: file.width * file.height)
    return max(usable, key=lambda file: file.width * file.height, default=None)


class StockProvider(Protocol):
    name: FootageProvider

    def search(self, term: str, frame: Frame) -> list[StockVideo]:
        """Videos for ``term`` in order of relevance; raises FetchFailed when none can be had."""
        ...
