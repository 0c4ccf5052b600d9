"""The footage stage: a background clip for every query segment, then the manifest."""

import logging
import os
import shutil
from collections import Counter
from pathlib import Path

from common.artifacts import JobPaths, atomic_path
from common.documents import (
    FootageClip,
    FootageManifest,
    Queries,
    QuerySegment,
    load_document,
    save_document,
)
from common.messages import StageMessage
from common.stage import REUSED, ReportProgress, StageResult, input_artifact
from svc_footage.generated import clip_seed, clip_size, write_generated_clip
from svc_footage.library import choose_file, library_files
from svc_footage.settings import FootageSettings

logger = logging.getLogger(__name__)


class FootageStage:
    name = "footage"

    def __init__(self, settings: FootageSettings) -> None:
        self.settings = settings

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"footage": paths.relative(paths.footage_manifest)}
        if paths.footage_manifest.exists():
            return StageResult(artifacts, REUSED)
        queries = load_document(Queries, input_artifact(job, paths, "queries"))
        # Listed once per job, so files added to the folder count from the next job on.
        library = library_files(self.settings.footage_dir)
        used: set[Path] = set()
        clips = []
        for index, segment in enumerate(queries.segments):
            report(f"(clip {index + 1} of {len(queries.segments)})")
            match = choose_file(library, segment.terms, used)
            if match is None:
                clips.append(_generated_clip(job, paths, index, segment))
            else:
                used.add(match.file)
                clips.append(_library_clip(paths, index, segment, match.term, match.file))
        save_document(FootageManifest(clips=clips), paths.footage_manifest)
        return StageResult(artifacts, footage_providers(clips))


def footage_providers(clips: list[FootageClip]) -> str:
    """Where the clips came from, most used first: "library, generated"."""
    counts = Counter(clip.source.split(":")[0] for clip in clips)
    return ", ".join(source for source, _ in counts.most_common()) or "none"


def _library_clip(
    paths: JobPaths, index: int, segment: QuerySegment, term: str, file: Path
) -> FootageClip:
    target = paths.footage_dir / f"clip_{index:03d}{file.suffix.lower()}"
    with atomic_path(target) as temporary:
        # A hard link costs nothing; across file systems it fails and a copy does instead.
        try:
            os.link(file, temporary)
        except OSError:
            shutil.copyfile(file, temporary)
    logger.info("segment %d: library file %s for %r", index, file.name, term)
    return FootageClip(
        start=segment.start,
        end=segment.end,
        path=paths.relative(target),
        source=f"library:{file.name}",
        term=term,
    )


def _generated_clip(
    job: StageMessage, paths: JobPaths, index: int, segment: QuerySegment
) -> FootageClip:
    term = segment.terms[0]
    width, height = clip_size(job.options.width, job.options.height)
    target = paths.footage_dir / f"clip_{index:03d}.mp4"
    with atomic_path(target) as temporary:
        write_generated_clip(
            temporary,
            seed=clip_seed(term, index),
            seconds=segment.end - segment.start,
            width=width,
            height=height,
            fps=job.options.fps,
        )
    logger.info("segment %d: generated a clip for %r", index, term)
    return FootageClip(
        start=segment.start,
        end=segment.end,
        path=paths.relative(target),
        source="generated",
        term=term,
    )
