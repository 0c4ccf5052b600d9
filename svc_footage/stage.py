"""The footage stage: a background clip for every query segment, then the manifest."""

import logging
from collections import Counter
from collections.abc import Sequence

from common.artifacts import JobPaths
from common.documents import FootageClip, FootageManifest, Queries, load_document, save_document
from common.messages import FootageProvider, StageMessage
from common.stage import REUSED, ReportProgress, StageResult, input_artifact
from common.stages import StageName
from svc_footage.cache import ClipCache
from svc_footage.fetching import Fetcher, FetchLimits
from svc_footage.library import library_files
from svc_footage.pexels import Pexels
from svc_footage.pixabay import Pixabay
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

logger = logging.getLogger(__name__)


class FootageStage:
    name: StageName = "footage"

    def __init__(self, settings: FootageSettings) -> None:
        self.settings = settings
        usable = [name for name in settings.footage_providers if self._usable(name)]
        logger.info("footage from: %s", ", ".join(provider_order(usable, None)))

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"footage": paths.relative(paths.footage_manifest)}
        if paths.footage_manifest.exists():
            return StageResult(artifacts, REUSED)
        queries = load_document(Queries, input_artifact(job, paths, "queries"))
        frame = Frame(job.options.width, job.options.height)
        generated = GeneratedSource()
        with Fetcher(self._fetch_limits(), self.settings.download_rules) as fetcher:
            sources = self._sources(job, fetcher, frame)
            clips = []
            for index, segment in enumerate(queries.segments):
                report(f"(clip {index + 1} of {len(queries.segments)})")
                slot = Slot(index, segment, paths.footage_dir / f"clip_{index:03d}")
                found = _first_found(sources, slot) or generated.fill(slot)
                logger.info("segment %d: %s for %r", index, found.source, found.term)
                clips.append(
                    FootageClip(
                        start=segment.start,
                        end=segment.end,
                        path=paths.relative(found.file),
                        source=found.source,
                        term=found.term,
                    )
                )
        save_document(FootageManifest(clips=clips), paths.footage_manifest)
        return StageResult(artifacts, footage_providers(clips))

    def _sources(self, job: StageMessage, fetcher: Fetcher, frame: Frame) -> list[FootageSource]:
        """The job's sources in the order to ask them, up to (not including) generated clips."""
        cache = ClipCache(self.settings.footage_cache_dir, self.settings.footage_cache_max_bytes)
        wanted = job.options.footage_provider
        sources = []
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
            return LibrarySource(files) if files else None
        provider = self._stock_provider(name, fetcher)
        if provider is None:
            return None
        return StockSource(
            provider, fetcher, cache, frame, self.settings.footage_download_max_bytes
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


def _first_found(sources: list[FootageSource], slot: Slot) -> Found | None:
    """A fresh clip from the first source that has one; failing that, one shown before."""
    for reuse in (False, True):
        for source in sources:
            found = source.fill(slot, reuse=reuse)
            if found is not None:
                return found
    return None
