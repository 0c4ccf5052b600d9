"""The footage manifest as the render reads it, clips still downloading included.

With stock footage the footage stage hands the job on once the first clip is in and goes
on downloading the others in segment order, rewriting the manifest as each arrives; until
then a clip is pending. The render opens a pending clip only when its segment comes on
screen: it reads the manifest again every ``POLL_SECONDS`` until the clip is in, looking
for the job's cancel marker meanwhile, and after ``wait_seconds`` draws a generated
background in its place, so a download that never ends delays the video, never stops it.
"""

import logging
import time
from collections.abc import Callable
from pathlib import Path

from common.animation import clip_seed
from common.artifacts import JobPaths
from common.documents import (
    MAX_MANIFEST_BYTES,
    FootageClip,
    FootageManifest,
    GeneratedBackground,
    load_document,
)
from common.errors import JobCancelled, StageError
from svc_render.background import Arrival, FootageSpan

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1


def read_footage(
    manifest_path: Path,
    paths: JobPaths,
    wait_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> list[FootageSpan]:
    """The manifest's clips as spans; a pending one's span waits for it (see the module)."""
    manifest = load_document(FootageManifest, manifest_path, MAX_MANIFEST_BYTES)
    waiting = PendingClips(manifest_path, paths, wait_seconds, sleep)
    return [
        FootageSpan(
            start=clip.start,
            end=clip.end,
            file=paths.resolve(clip.path),
            arrival=waiting.arrival(index, clip) if clip.pending else None,
        )
        for index, clip in enumerate(manifest.clips)
    ]


class PendingClips:
    """Waits on the manifest for the clips that were pending when the render read it."""

    def __init__(
        self,
        manifest_path: Path,
        paths: JobPaths,
        wait_seconds: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._manifest_path = manifest_path
        self._paths = paths
        self._wait_seconds = wait_seconds
        self._sleep = sleep
        # What each waited-for clip came to: a shard reopening a clip does not wait again.
        self._arrived: dict[int, Path | GeneratedBackground] = {}

    def arrival(self, index: int, clip: FootageClip) -> Arrival:
        def arrived() -> Path | GeneratedBackground:
            if index not in self._arrived:
                self._arrived[index] = self._wait_for(index, clip)
            return self._arrived[index]

        return arrived

    def _wait_for(self, index: int, clip: FootageClip) -> Path | GeneratedBackground:
        deadline = time.monotonic() + self._wait_seconds
        while True:
            if self._paths.is_cancelled():
                raise JobCancelled("cancelled while the render waited for a clip")
            current = self._current(index)
            if not current.pending:
                return self._paths.resolve(current.path)
            if time.monotonic() >= deadline:
                break
            self._sleep(POLL_SECONDS)
        logger.warning(
            "clip %d (%r) still downloading after %g s; a generated background replaces it",
            index,
            clip.term,
            self._wait_seconds,
        )
        return GeneratedBackground(seed=clip_seed(clip.term, index))

    def _current(self, index: int) -> FootageClip:
        clips = load_document(FootageManifest, self._manifest_path, MAX_MANIFEST_BYTES).clips
        if index >= len(clips):
            raise StageError(f"the footage manifest no longer lists clip {index}")
        return clips[index]
