"""Stock videos and photos as a provider's search describes them, and which suits a segment.

A search gives videos in order of the provider's own relevance, each in several
renditions (sizes), and each described by words of its page address and its tags. For a
segment the stage wants, of the results whose description is relevant to what is said,
the most relevant; of about equally relevant ones, a video shaped like the frame (the
renderer crops the rest away), long enough not to loop and large enough not to be scaled
up; and, of that video, the smallest file that still fills the frame. A photo, shown with
a slow zoom, is chosen the same way when no video is relevant.
"""

import math
import re
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from common.messages import FootageProvider, Orientation

# Sides within this ratio of each other count as square: 4:5 is portrait, 1:1.05 square.
SQUARE_TOLERANCE = 1.1
# Scores this close count as equally relevant, so the better fitting result wins: the
# matchers' scores are not precise to a hundredth.
SCORE_BUCKET = 0.05
# A description is the provider's text, so untrusted: at most this many words are kept
# (a title and a dozen tags), each at most MAX_WORD_CHARS long.
MAX_DESCRIPTION_WORDS = 32
MAX_WORD_CHARS = 30


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
    description: str = ""  # words only, see ``description_of``

    # What the cache and the manifest call this kind of result.
    kind = ""
    suffix = ".mp4"

    @property
    def source(self) -> str:
        """How the manifest names it: "pexels:1526909"."""
        return f"{self.provider}{self.kind}:{self.id}"


@dataclass(frozen=True)
class StockPhoto(StockVideo):
    """A still picture; ``files`` are its sizes, ``duration`` is 0."""

    kind = "-photo"
    suffix = ".jpg"


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


def rank_videos(
    videos: list[StockVideo], scores: list[float], frame: Frame, seconds: float
) -> list[StockVideo]:
    """The videos best suited first: the most relevant, then those that fit the frame best.

    ``scores`` are the videos' relevance to what is said, ``videos`` in the provider's own
    order. Of equally relevant ones (to within ``SCORE_BUCKET``), a video shaped like the
    frame comes first, because a landscape clip in a portrait frame keeps only a third of
    its picture; then one long enough, since a short clip merely loops; then one large
    enough to fill the frame; then the higher score, then the provider's order. A photo's
    length never counts against it: it is shown for as long as its segment lasts.
    """

    def unsuitability(position: int) -> tuple[int, bool, bool, bool, float, int]:
        video, score = videos[position], scores[position]
        wrong_shape = orientation_of(video.width, video.height) != frame.orientation
        too_short = not isinstance(video, StockPhoto) and video.duration < seconds
        too_small = min(video.width, video.height) < frame.short_side
        bucket = math.floor(score / SCORE_BUCKET + 1e-9)
        return -bucket, wrong_shape, too_short, too_small, -score, position

    return [videos[position] for position in sorted(range(len(videos)), key=unsuitability)]


def description_of(page_url: str | None, *texts: str) -> str:
    """A result's description: the words of its page address's last part, then ``texts``.

    Pages are named after their title: ".../video/seagulls-flying-over-the-shore-854123/"
    gives "seagulls flying over the shore", the id dropped. Only words of two letters or
    more are kept (no numbers, markup or punctuation), each once (a Pixabay page is named
    after its tags), at most ``MAX_DESCRIPTION_WORDS`` of them.
    """
    slug = ""
    if page_url:
        try:
            path = urlsplit(page_url[:2048]).path
        except ValueError:
            path = ""
        slug = path.rstrip("/").rsplit("/", 1)[-1]
    words: dict[str, None] = {}
    for text in (slug, *texts):
        for word in re.findall(r"[^\W\d_]{2,}", text[:2048].replace("-", " ")):
            words[word[:MAX_WORD_CHARS].lower()] = None
            if len(words) == MAX_DESCRIPTION_WORDS:
                return " ".join(words)
    return " ".join(words)


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

    def search(self, term: str, frame: Frame, page: int = 1) -> "Page":
        """Videos for ``term`` in order of relevance; raises FetchFailed when none can be had."""
        ...

    def search_photos(self, term: str, frame: Frame) -> "Page":
        """Photos for ``term`` in order of relevance; raises FetchFailed as ``search`` does."""
        ...


@dataclass(frozen=True)
class Page:
    """One page of a search's results, and whether the provider has more after it."""

    results: list[StockVideo]
    more: bool
