"""The footage stage: a background clip for every query segment, then the manifest."""

import logging
from collections import Counter
from collections.abc import Sequence
from itertools import takewhile

from common.artifacts import JobPaths, write_bytes_atomic
from common.documents import (
    MAX_MANIFEST_BYTES,
    FootageClip,
    FootageManifest,
    Queries,
    load_document,
    save_document,
)
from common.errors import JobCancelled, StageError
from common.messages import FootageProvider, StageMessage
from common.stage import REUSED, HandOn, ReportProgress, StageResult, input_artifact
from common.stages import StageName
from svc_footage.cache import ClipCache
from svc_footage.fetching import Fetcher, FetchLimits
from svc_footage.library import library_files
from svc_footage.pexels import Pexels
from svc_footage.pixabay import Pixabay
from svc_footage.relevance import matcher_from
from svc_footage.settings import FootageSettings
from svc_footage.sources import (
    FootageSource,
    Found,
    GeneratedSource,
    LibrarySource,
    Slot,
    StockSource,
)
from svc_footage.stock import Frame, StockProvider
from svc_footage.user_media import user_media_sources

logger = logging.getLogger(__name__)


# Written once the render's message, sent before the last clip was in, is confirmed: a
# redelivered message that finds it does not send the render a second one.
HANDED_ON_MARKER = "handed_on"


class FootageStage:
    """Clips in segment order; with stock footage the render starts once the first is in.

    A clip that takes no download (a library file, a generated background where no stock
    provider comes first) is in at once. The others are listed in the manifest as pending
    and downloaded in segment order after the job is handed on, the manifest rewritten as
    each arrives; a redelivered message resumes the pending ones.
    """

    name: StageName = "footage"

    def __init__(self, settings: FootageSettings) -> None:
        self.settings = settings
        # Made at start, so a matcher that is not installed stops the service at once.
        self.matcher = matcher_from(settings)
        usable = [name for name in settings.footage_providers if self._usable(name)]
        logger.info(
            "footage from: %s; matched by %s",
            ", ".join(provider_order(usable, None)),
            self.matcher.name,
        )

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        """Every clip, then the manifest: for ``t2v generate``, which runs stages in turn."""
        return self._run(job, paths, report, hand_on=None)

    def run_handing_on(
        self, job: StageMessage, paths: JobPaths, report: ReportProgress, hand_on: HandOn
    ) -> StageResult:
        return self._run(job, paths, report, hand_on)

    def _run(
        self, job: StageMessage, paths: JobPaths, report: ReportProgress, hand_on: HandOn | None
    ) -> StageResult:
        artifacts = {"footage": paths.relative(paths.footage_manifest)}
        marker = paths.footage_dir / HANDED_ON_MARKER
        handed_on = marker.exists()
        earlier = _manifest_on_disk(paths)
        if earlier is not None and not earlier.pending:
            return StageResult(artifacts, REUSED, handed_on=handed_on)
        queries = load_document(Queries, input_artifact(job, paths, "queries"))
        slots = [
            Slot(index, segment, paths.footage_dir / f"clip_{index:03d}")
            for index, segment in enumerate(queries.segments)
        ]
        generated = GeneratedSource()
        with Fetcher(self._fetch_limits(), self.settings.download_rules) as fetcher:
            frame = Frame(job.options.width, job.options.height)
            sources = self._sources(job, paths, fetcher, frame)
            if earlier is None:
                clips = [
                    _instant_clip(sources, generated, slot, paths, report, len(slots))
                    for slot in slots
                ]
            else:
                clips = _resumed(earlier, sources, len(slots))
            for index in [index for index, clip in enumerate(clips) if clip.pending]:
                if index > 0 and hand_on is not None and not handed_on:
                    save_document(FootageManifest(clips=clips), paths.footage_manifest)
                    hand_on(artifacts)
                    write_bytes_atomic(marker, b"")
                    handed_on = True
                    logger.info("the render has the job; %d clips to come", _pending(clips))
                if paths.is_cancelled():
                    raise JobCancelled("cancelled while its footage was downloading")
                settled = len(clips) - _pending(clips)
                report(f"(clip {settled + 1} of {len(clips)})")
                slot = slots[index]
                found = _first_found(sources, slot) or generated.fill(slot)
                clips[index] = _clip(slot, found, paths)
                if handed_on:
                    save_document(FootageManifest(clips=clips), paths.footage_manifest)
        save_document(FootageManifest(clips=clips), paths.footage_manifest)
        return StageResult(artifacts, footage_providers(clips), handed_on=handed_on)

    def _sources(
        self, job: StageMessage, paths: JobPaths, fetcher: Fetcher, frame: Frame
    ) -> list[FootageSource]:
        """The job's sources in the order to ask them, up to (not including) generated clips."""
        cache = ClipCache(self.settings.footage_cache_dir, self.settings.footage_cache_max_bytes)
        wanted = job.options.footage_provider
        # The job's own uploads (options.media) before any provider.
        sources = user_media_sources(job, paths.data_dir, self.matcher)
        for name in provider_order(self.settings.footage_providers, wanted):
            if name == "generated":
                break
            source = self._source(name, fetcher, cache, frame)
            if source is not None:
                sources.append(source)
            elif name == wanted:
                logger.warning("the job asks for %s footage, which is not configured", name)
        return sources

    def _source(
        self, name: FootageProvider, fetcher: Fetcher, cache: ClipCache, frame: Frame
    ) -> FootageSource | None:
        if name == "library":
            # Listed once per job, so files added to the folder count from the next job on.
            files = library_files(self.settings.footage_dir)
            return LibrarySource(files, self.matcher) if files else None
        provider = self._stock_provider(name, fetcher)
        if provider is None:
            return None
        return StockSource(
            provider,
            fetcher,
            cache,
            frame,
            self.settings.footage_download_max_bytes,
            self.matcher,
            self.settings.footage_search_pages,
        )

    def _stock_provider(self, name: FootageProvider, fetcher: Fetcher) -> StockProvider | None:
        settings = self.settings
        per_page = settings.footage_results_per_search
        if name == "pexels" and settings.pexels_api_key is not None:
            key = settings.pexels_api_key.get_secret_value()
            return Pexels(fetcher, settings.pexels_base_url, key, per_page)
        if name == "pixabay" and settings.pixabay_api_key is not None:
            key = settings.pixabay_api_key.get_secret_value()
            return Pixabay(fetcher, settings.pixabay_base_url, key, per_page)
        return None

    def _usable(self, name: FootageProvider) -> bool:
        settings = self.settings
        return {
            "pexels": settings.pexels_api_key is not None,
            "pixabay": settings.pixabay_api_key is not None,
            "library": settings.footage_dir is not None,
            "generated": True,
        }[name]

    def _fetch_limits(self) -> FetchLimits:
        settings = self.settings
        return FetchLimits(
            request_timeout_seconds=settings.footage_request_timeout_seconds,
            retry_delays=settings.footage_retry_delays,
            max_retry_after_seconds=settings.footage_max_retry_after_seconds,
            download_max_bytes=settings.footage_download_max_bytes,
            download_timeout_seconds=settings.footage_download_timeout_seconds,
        )


def provider_order(
    configured: Sequence[FootageProvider], wanted: FootageProvider | None
) -> list[FootageProvider]:
    """The job's choice first, then the configured order, always ending in generated clips."""
    order = [wanted] if wanted is not None else []
    order += [name for name in configured if name not in order]
    if "generated" not in order:
        order.append("generated")
    return order[: order.index("generated") + 1]


def footage_providers(clips: list[FootageClip]) -> str:
    """Where the clips came from, most used first: "library, generated"."""
    counts = Counter(clip.source.split(":")[0] for clip in clips)
    return ", ".join(source for source, _ in counts.most_common()) or "none"


def _manifest_on_disk(paths: JobPaths) -> FootageManifest | None:
    if not paths.footage_manifest.exists():
        return None
    return load_document(FootageManifest, paths.footage_manifest, MAX_MANIFEST_BYTES)


def _instant_clip(
    sources: list[FootageSource],
    generated: GeneratedSource,
    slot: Slot,
    paths: JobPaths,
    report: ReportProgress,
    segment_count: int,
) -> FootageClip:
    """The segment's clip where no download has to come first, else a pending clip.

    Sources before the first stock provider answer at once. Where no stock provider is
    asked at all, every clip is instant, down to a generated background.
    """
    ahead = list(takewhile(lambda source: not isinstance(source, StockSource), sources))
    if len(ahead) == len(sources):
        report(f"(clip {slot.index + 1} of {segment_count})")
        return _clip(slot, _first_found(sources, slot) or generated.fill(slot), paths)
    found = _first_fresh(ahead, slot)
    if found is None:
        return _pending_clip(slot, paths)
    return _clip(slot, found, paths)


def _resumed(
    manifest: FootageManifest, sources: list[FootageSource], segment_count: int
) -> list[FootageClip]:
    """An earlier run's clips, the stock ones counted as shown so none is shown twice."""
    if len(manifest.clips) != segment_count:
        raise StageError(
            f"the footage manifest has {len(manifest.clips)} clips, not {segment_count}"
        )
    chosen = [clip.source for clip in manifest.clips if not clip.pending]
    for source in sources:
        if isinstance(source, StockSource):
            source.shown_before(chosen)
    return list(manifest.clips)


def _clip(slot: Slot, found: Found, paths: JobPaths) -> FootageClip:
    logger.info(
        "segment %d: %s for %r (score %s)", slot.index, found.source, found.term, found.score
    )
    return FootageClip(
        start=slot.segment.start,
        end=slot.segment.end,
        path=paths.relative(found.file),
        source=found.source,
        term=found.term,
        score=found.score,
    )


def _pending_clip(slot: Slot, paths: JobPaths) -> FootageClip:
    """A clip still to download, named where a stock clip will be (it may end up elsewhere)."""
    return FootageClip(
        start=slot.segment.start,
        end=slot.segment.end,
        path=paths.relative(slot.stem.with_suffix(".mp4")),
        source="pending",
        term=slot.segment.terms[0],
        pending=True,
    )


def _pending(clips: list[FootageClip]) -> int:
    return sum(clip.pending for clip in clips)


def _first_fresh(sources: list[FootageSource], slot: Slot) -> Found | None:
    for source in sources:
        found = source.fill(slot, reuse=False)
        if found is not None:
            return found
    return None


def _first_found(sources: list[FootageSource], slot: Slot) -> Found | None:
    """A fresh clip from the first source that has one; failing that, one shown before."""
    for reuse in (False, True):
        for source in sources:
            found = source.fill(slot, reuse=reuse)
            if found is not None:
                return found
    return None
