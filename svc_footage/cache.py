"""Downloaded clips kept on the shared volume, so each is fetched once for every job.

A cached file is named after its provider, its id there and the rendition's size, which
is what it holds: another job at the same size finds it, one at another size downloads the
rendition that suits it. Files only ever appear whole (linked into place from a finished
download), so any copy of the service may read the cache while another adds to it.
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
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, video: StockVideo, file: VideoFile) -> Path:
        # Ids are numbers today; anything else a provider might send stays one file name.
        safe_id = re.sub(r"[^A-Za-z0-9_-]", "_", video.id)
        return self.folder / f"{video.provider}-{safe_id}-{file.width}x{file.height}.mp4"

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


def link_or_copy(file: Path, target: Path) -> None:
    """Make ``target`` a hard link to ``file`` (a copy across file systems), atomically."""
    with atomic_path(target) as temporary:
        try:
            os.link(file, temporary)
        except OSError:
            shutil.copyfile(file, temporary)
