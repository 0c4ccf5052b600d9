"""Where one job's clips come from: stock providers, the local library, generated clips.

Each source fills a segment's clip file or says it has nothing; the stage asks them in
order. A source keeps what it learnt during the job (searches made, clips shown, a
provider that stopped answering), so no request is repeated and no clip shown twice
while there are others to show.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

import av

from common.artifacts import atomic_path
from common.documents import QuerySegment
from common.messages import FootageProvider
from svc_footage.cache import ClipCache, link_or_copy
from svc_footage.fetching import Fetcher, FetchFailed
from svc_footage.generated import DESCRIPTION_SUFFIX, clip_seed, write_description
from svc_footage.library import description_of
from svc_footage.relevance import Matcher, segment_said
from svc_footage.stock import Frame, StockProvider, StockVideo, choose_rendition, rank_videos

logger = logging.getLogger(__name__)

# Downloads that may fail before a provider is left alone for the rest of the job: a CDN
# that failed this often will most likely fail the next clip too, each failure costing
# retries and timeouts.
MAX_FAILED_DOWNLOADS = 3


@dataclass(frozen=True)
class Slot:
    """A segment's place in the video, and its clip's file name without a suffix."""

    index: int
    segment: QuerySegment
    stem: Path


class Found(NamedTuple):
    term: str  # the search term the clip was found for
    source: str  # as the manifest records it: "pexels:123", "library:<file>", "generated"
    file: Path
    score: float | None = None  # the description's relevance, where a matcher chose it


class FootageSource(Protocol):
    name: FootageProvider

    def fill(self, slot: Slot, *, reuse: bool) -> Found | None:
        """Write a clip for the slot's segment at its stem plus a suffix, or return None.

        With ``reuse`` it may show a clip again; without, only clips not yet shown.
        """
        ...


class StockSource:
    """One stock provider's clips for one job, downloaded through the shared cache."""

    def __init__(
        self,
        provider: StockProvider,
        fetcher: Fetcher,
        cache: ClipCache,
        frame: Frame,
        max_bytes: int,
    ) -> None:
        self.name = provider.name
        self._provider = provider
        self._fetcher = fetcher
        self._cache = cache
        self._frame = frame
        self._max_bytes = max_bytes
        self._searches: dict[str, list[StockVideo]] = {}
        self._shown: set[str] = set()
        self._unusable: set[str] = set()
        self._failed_downloads = 0
        self._out_of_service = False

    def fill(self, slot: Slot, *, reuse: bool) -> Found | None:
        target = slot.stem.with_suffix(".mp4")
        seconds = slot.segment.end - slot.segment.start
        for term in slot.segment.terms:
            for video in rank_videos(self._search(term), self._frame, seconds):
                if self._out_of_service:
                    return None
                if video.id in self._unusable or (video.id in self._shown and not reuse):
                    continue
                if self._fetch(video, target):
                    self._shown.add(video.id)
                    return Found(term, video.source, target)
        return None

    def shown_before(self, sources: Iterable[str]) -> None:
        """Count as shown the clips an earlier run of the job chose ("pexels:123")."""
        prefix = f"{self.name}:"
        self._shown.update(
            source.removeprefix(prefix) for source in sources if source.startswith(prefix)
        )

    def _search(self, term: str) -> list[StockVideo]:
        if term in self._searches:
            return self._searches[term]
        if self._out_of_service:
            return []
        try:
            videos = self._provider.search(term, self._frame)
        except FetchFailed as exc:
            logger.warning(
                "%s search failed (%s); not asking it again for this job", self.name, exc
            )
            self._out_of_service = True
            videos = []
        else:
            if not videos:
                logger.info("%s has no videos for %r", self.name, term)
        self._searches[term] = videos
        return videos

    def _fetch(self, video: StockVideo, target: Path) -> bool:
        file = choose_rendition(video, self._frame, self._max_bytes)
        if file is None:
            self._unusable.add(video.id)
            return False
        cached = self._cache.path_for(video, file)
        try:
            self._cache.reuse(cached, target)
            return True
        except FileNotFoundError:
            pass  # not downloaded yet (or just tidied away): fetch it
        try:
            with atomic_path(target) as temporary:
                self._fetcher.download(file.url, temporary)
                check_playable(temporary)
        except FetchFailed as exc:
            self._unusable.add(video.id)
            self._failed_downloads += 1
            logger.warning("%s: could not download %s: %s", self.name, video.source, exc)
            if self._failed_downloads >= MAX_FAILED_DOWNLOADS:
                logger.warning("%s: too many failed downloads; leaving it for this job", self.name)
                self._out_of_service = True
            return False
        self._cache.add(target, cached)
        return True


def check_playable(file: Path) -> None:
    """Raise FetchFailed unless ``file`` is a video PyAV can open, so none is cached."""
    try:
        with av.open(str(file)) as container:
            stream = container.streams.video[0]
            if not stream.codec_context.width or not stream.codec_context.height:
                raise FetchFailed("the download is a video stream without a size")
    except (av.FFmpegError, IndexError) as exc:
        raise FetchFailed("the download is not a playable video") from exc


class LibrarySource:
    """Files from the local footage folder, the most relevant to each segment first.

    Every file's description is read once, when the job's source is made; a segment then
    costs one scoring of all of them (about a millisecond per hundred files).
    """

    name: FootageProvider = "library"

    def __init__(self, files: list[Path], matcher: Matcher) -> None:
        self._files = files
        self._descriptions = [description_of(file) for file in files]
        self._matcher = matcher
        self._shown: set[int] = set()
        # The last segment's scores: fill() is asked for fresh files, then for any.
        self._scored: tuple[int, list[float]] | None = None

    def fill(self, slot: Slot, *, reuse: bool) -> Found | None:
        scores = self._scores(slot)
        relevant = [index for index, score in enumerate(scores) if score >= self._matcher.floor]
        fresh = [index for index in relevant if index not in self._shown]
        candidates = fresh or (relevant if reuse else [])
        if not candidates:
            return None
        # The highest score; of equals, the first in name order.
        chosen = min(candidates, key=lambda index: (-scores[index], index))
        file = self._files[chosen]
        target = slot.stem.with_suffix(file.suffix.lower())
        link_or_copy(file, target)
        self._shown.add(chosen)
        term = self._term_for(slot.segment, self._descriptions[chosen])
        return Found(term, f"library:{file.name}", target, scores[chosen])

    def _scores(self, slot: Slot) -> list[float]:
        if self._scored is None or self._scored[0] != slot.index:
            said = segment_said(slot.segment)
            self._scored = (slot.index, self._matcher.scores(said, self._descriptions))
        return self._scored[1]

    def _term_for(self, segment: QuerySegment, description: str) -> str:
        """The segment's term the description matches best, the earlier of equals."""
        scores = [self._matcher.scores(term, [description])[0] for term in segment.terms]
        return segment.terms[scores.index(max(scores))]


class GeneratedSource:
    """An animated background for the segment: always there, so the last resort.

    Only its description is written; the render draws it (see ``generated``).
    """

    name: FootageProvider = "generated"

    def fill(self, slot: Slot, *, reuse: bool = True) -> Found:
        term = slot.segment.terms[0]
        target = slot.stem.with_suffix(DESCRIPTION_SUFFIX)
        # The index keeps segments about the same thing from looking alike.
        write_description(target, seed=clip_seed(term, slot.index))
        return Found(term, "generated", target)
