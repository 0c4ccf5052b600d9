"""Each segment's clip as a job's detail lists it, read from the job's footage manifest.

The manifest is the footage stage's, in the job's work folder: there from the footage
stage on (rewritten as stock clips arrive, the later ones pending until then) until the
folder expires. It is read as the render reads it, bounded and validated; a manifest
that is missing, too large or not valid lists nothing rather than failing the detail.
"""

import logging
from pathlib import Path

from common.artifacts import JobPaths
from common.documents import MAX_MANIFEST_BYTES, FootageManifest, load_document
from common.errors import MissingArtifact, StageError
from gateway.schemas import FootageDetail

logger = logging.getLogger(__name__)


def footage_detail(data_dir: Path, job_id: str) -> list[FootageDetail] | None:
    """The job's clips in segment order; None before the footage stage or after expiry."""
    try:
        manifest = load_document(
            FootageManifest, JobPaths(data_dir, job_id).footage_manifest, MAX_MANIFEST_BYTES
        )
    except MissingArtifact:  # no footage yet, or the work folder expired
        return None
    except StageError as exc:
        logger.warning("the footage manifest cannot be listed: %s", exc)
        return None
    except OSError as exc:
        logger.warning("the footage manifest cannot be read: %s", exc)
        return None
    return [
        FootageDetail(
            start=clip.start,
            end=clip.end,
            source=clip.source,
            term=clip.term,
            score=clip.score,
            pending=True if clip.pending else None,
        )
        for clip in manifest.clips
    ] or None
