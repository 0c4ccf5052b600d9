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
from svc_footage.stock import (
    Frame,
    Page,
    StockPhoto,
    StockProvider,
    StockVideo,
    choose_rendition,
    rank_videos,
)

logger = logging.getLogger(__name__)

# Downloads that may fail before a provider is left alone for the rest of the job: a CDN
# that failed this often will most likely fail the next clip too, each failure costing
# retries and timeouts.
MAX_FAILED_DOWNLOADS = 3
# The best fresh result of a page must clear the matcher's floor by this much, or the next
# page is asked for: a page whose best barely clears it most likely holds clips about
# something else that share a word or two with what is said.
WEAK_MARGIN = 0.15
# A photo is at most this many pixels (a 50-megapixel camera's), so that decoding it,
# once per segment in the render, takes bounded memory.
MAX_PICTURE_PIXELS = 50_000_000
# The page number under which a term's photo search is kept.
PHOTOS = 0
NOTHING = Page([], more=False)


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
    """One stock provider's clips for one job, downloaded through the shared cache.

    Every result of a term's search is scored against what the segment says; those under
    the matcher's floor are never downloaded, and the rest are tried most relevant first,
    fit deciding between about equally relevant ones (``rank_videos``). When nothing on a
    page is relevant enough to show (nothing fresh clears the floor by ``WEAK_MARGIN``),
    the next page is asked for, up to ``pages``, before the next term. When no relevant
    video of any term can be had, the provider's photos are searched the same way, and
    the best is shown as a still with a slow zoom (the render's ``ClipReader``).
    """

    def __init__(
        self,
        provider: StockProvider,
        fetcher: Fetcher,
        cache: ClipCache,
        frame: Frame,
        max_bytes: int,
        matcher: Matcher,
        pages: int = 1,
    ) -> None:
        self.name = provider.name
        self._provider = provider
        self._fetcher = fetcher
        self._cache = cache
        self._frame = frame
        self._max_bytes = max_bytes
        self._matcher = matcher
        self._pages = pages
        # Searches made, by term and page (0 for the term's photos).
        self._searches: dict[tuple[str, int], Page] = {}
        # Sources ("pexels:1", "pexels-photo:2") shown, or that could not be downloaded.
        self._shown: set[str] = set()
        self._unusable: set[str] = set()
        # The scores of the results for the last segment asked about, by source.
        self._scored: tuple[int, dict[str, float]] = (-1, {})
        self._failed_downloads = 0
        self._out_of_service = False

    def fill(self, slot: Slot, *, reuse: bool) -> Found | None:
        for term in slot.segment.terms:
            found = self._first_downloaded(term, self._videos(slot, term, reuse), slot, reuse)
            if found is not None or self._out_of_service:
                return found
        for term in slot.segment.terms:
            photos = self._search(term, PHOTOS).results
            found = self._first_downloaded(term, photos, slot, reuse)
            if found is not None or self._out_of_service:
                return found
        return None

    def shown_before(self, sources: Iterable[str]) -> None:
        """Count as shown the clips an earlier run of the job chose ("pexels:123")."""
        prefixes = (f"{self.name}:", f"{self.name}{StockPhoto.kind}:")
        self._shown.update(source for source in sources if source.startswith(prefixes))

    def _videos(self, slot: Slot, term: str, reuse: bool) -> list[StockVideo]:
        """The term's videos, from as many pages as it takes to find a relevant one."""
        videos: dict[str, StockVideo] = {}
        for page in range(1, self._pages + 1):
            results = self._search(term, page)
            videos.update((video.id, video) for video in results.results if video.id not in videos)
            if not results.more or page == self._pages:
                break
            scores = self._scores(slot, list(videos.values()))
            best = max(
                (
                    score
                    for video, score in zip(videos.values(), scores, strict=True)
                    if self._may_show(video, reuse)
                ),
                default=0.0,
            )
            if best >= self._matcher.floor + WEAK_MARGIN:
                break
            logger.info(
                "%s: the best of page %d for %r scores %.2f; asking for page %d",
                self.name,
                page,
                term,
                best,
                page + 1,
            )
        return list(videos.values())

    def _first_downloaded(
        self, term: str, results: list[StockVideo], slot: Slot, reuse: bool
    ) -> Found | None:
        """The most suitable relevant result that downloads, as the slot's clip."""
        scores = self._scores(slot, results)
        relevant = [
            (video, score)
            for video, score in zip(results, scores, strict=True)
            if score >= self._matcher.floor and self._may_show(video, reuse)
        ]
        score_of = {video.source: score for video, score in relevant}
        seconds = slot.segment.end - slot.segment.start
        candidates, scores = [video for video, _ in relevant], [score for _, score in relevant]
        for video in rank_videos(candidates, scores, self._frame, seconds):
            if self._out_of_service:
                return None
            target = slot.stem.with_suffix(video.suffix)
            if self._fetch(video, target):
                self._shown.add(video.source)
                return Found(term, video.source, target, score_of[video.source])
        return None

    def _may_show(self, video: StockVideo, reuse: bool) -> bool:
        return video.source not in self._unusable and (reuse or video.source not in self._shown)

    def _scores(self, slot: Slot, results: list[StockVideo]) -> list[float]:
        """Each result's relevance to the slot's segment, each scored once per segment."""
        if self._scored[0] != slot.index:
            self._scored = (slot.index, {})
        known = self._scored[1]
        new = list({video.source: video for video in results if video.source not in known}.values())
        if new:
            said = segment_said(slot.segment)
            scores = self._matcher.scores(said, [video.description for video in new])
            known.update(zip((video.source for video in new), scores, strict=True))
        return [known[video.source] for video in results]

    def _search(self, term: str, page: int) -> Page:
        """A page of the term's videos, or with ``PHOTOS`` its photos; each asked for once."""
        if (term, page) in self._searches:
            return self._searches[term, page]
        if self._out_of_service:
            return NOTHING
        what = "photos" if page == PHOTOS else "videos"
        try:
            if page == PHOTOS:
                results = self._provider.search_photos(term, self._frame)
            else:
                results = self._provider.search(term, self._frame, page)
        except FetchFailed as exc:
            logger.warning(
                "%s search failed (%s); not asking it again for this job", self.name, exc
            )
            self._out_of_service = True
            results = NOTHING
        else:
            if not results.results:
                logger.info("%s has no %s for %r", self.name, what, term)
        self._searches[term, page] = results
        return results

    def _fetch(self, video: StockVideo, target: Path) -> bool:
        file = choose_rendition(video, self._frame, self._max_bytes)
        if file is None:
            self._unusable.add(video.source)
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
                if isinstance(video, StockPhoto):
                    check_picture(temporary)
                else:
                    check_playable(temporary)
        except FetchFailed as exc:
            self._unusable.add(video.source)
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


def check_picture(file: Path) -> None:
    """Raise FetchFailed unless ``file`` decodes, with PyAV, as one picture of a sane size."""
    try:
        with av.open(str(file)) as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if not width or not height:
                raise FetchFailed("the download is a picture without a size")
            # Checked before decoding: a small file may claim a picture of gigabytes.
            if width * height > MAX_PICTURE_PIXELS:
                raise FetchFailed(f"the picture is {width}x{height}, over the pixel limit")
            frames = 0
            for _ in container.decode(stream):
                frames += 1
                if frames > 1:
                    raise FetchFailed("the download is a moving picture, not a photo")
            if frames == 0:
                raise FetchFailed("the download has no picture in it")
    except (av.FFmpegError, IndexError) as exc:
        raise FetchFailed("the download is not a picture") from exc


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
