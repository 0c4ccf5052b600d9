"""Downloaded clips kept on the shared volume, so each is fetched once for every job.

A cached file is named after its provider, its id there and the rendition's size, which
is what it holds ("pexels-123-1080x1920.mp4", a photo "pexels-photo-9-1880x1253.jpg"):
another job at the same size finds it, one at another size downloads the rendition that
suits it. Files only ever appear whole (linked into place from a finished
download), so any copy of the service may read the cache while another adds to it.

The cache is kept under its size cap where it grows, when a clip is added, by deleting
the least recently used clips: so it never passes the cap by more than the clip just
added, however long the gateway's sweeps (which expire clips unused for a while) are
apart. A job's own clips are hard links or copies, so a clip leaving the cache never
takes a job's clip with it; a job about to reuse it simply downloads it again.
"""

import logging
import os
import re
import shutil
from pathlib import Path

from common.artifacts import atomic_path
from svc_footage.stock import StockVideo, VideoFile

logger = logging.getLogger(__name__)


class ClipCache:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def path_for(self, video: StockVideo, file: VideoFile) -> Path:
        # Ids are numbers today; anything else a provider might send stays one file name.
        safe_id = re.sub(r"[^A-Za-z0-9_-]", "_", video.id)
        name = f"{video.provider}{video.kind}-{safe_id}-{file.width}x{file.height}{video.suffix}"
        return self.folder / name

    def reuse(self, cached: Path, target: Path) -> None:
        """Link ``cached`` to ``target``; FileNotFoundError if it is not in the cache."""
        link_or_copy(cached, target)
        # Kept fresh by use: the gateway's sweep deletes clips no job has used for a while.
        try:
            os.utime(cached)
        except OSError as exc:
            logger.debug("could not mark %s as used: %s", cached.name, exc)

    def add(self, downloaded: Path, cached: Path) -> None:
        """Keep ``downloaded`` as ``cached``; failing only costs a download next time."""
        try:
            link_or_copy(downloaded, cached)
        except OSError as exc:
            logger.warning("could not keep %s in the footage cache: %s", cached.name, exc)
            return
        self._keep_under_cap(cached)

    def _keep_under_cap(self, newest: Path) -> None:
        """Delete the least recently used clips (by mtime, which reuse() refreshes) beyond
        the cap, never ``newest``."""
        clips = _cached_clips(self.folder)
        total = sum(size for _, size, _ in clips)
        removed = 0
        for _, size, clip in sorted(clips):
            if total <= self.max_bytes:
                break
            if clip == newest:
                continue
            try:
                clip.unlink(missing_ok=True)  # another copy of the service may be tidying too
            except OSError as exc:
                logger.warning("could not remove %s from the footage cache: %s", clip.name, exc)
                continue
            total -= size
            removed += 1
        if removed:
            logger.info(
                "footage cache over %d bytes: removed %d least recently used clips",
                self.max_bytes,
                removed,
            )


def _cached_clips(folder: Path) -> list[tuple[float, int, Path]]:
    """(last used, bytes, path) of each whole clip; downloads being linked in are dot-files."""
    clips = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # removed meanwhile
            clips.append((stat.st_mtime, stat.st_size, Path(entry.path)))
    return clips


def link_or_copy(file: Path, target: Path) -> None:
    """Make ``target`` a hard link to ``file`` (a copy across file systems), atomically."""
    with atomic_path(target) as temporary:
        try:
            os.link(file, temporary)
        except OSError:
            shutil.copyfile(file, temporary)
