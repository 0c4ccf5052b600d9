"""Free space on the data directory: /readyz reports it, and new jobs need it.

A job writes audio, clips and a video to the data directory, and the job store lives
there too; once it is full, stages fail and the store cannot record what happened. So
the gateway takes no new jobs while free space is under ``T2V_MIN_FREE_DISK_BYTES``,
leaving what is left to the jobs already running, and to reading their status.
"""

import shutil
from pathlib import Path

from fastapi import HTTPException, Request

from gateway.settings import GatewaySettings

NEARLY_FULL_MESSAGE = "Not accepting new jobs: the data directory is nearly full; try again later"


def low_disk_problem(data_dir: Path, min_free_bytes: int) -> str | None:
    """What is wrong with the data directory's free space, or None when there is enough."""
    free = shutil.disk_usage(data_dir).free
    if free >= min_free_bytes:
        return None
    return (
        f"the data directory is nearly full ({free // 1_000_000} MB free, "
        f"under the {min_free_bytes // 1_000_000} MB of T2V_MIN_FREE_DISK_BYTES)"
    )


async def require_free_disk(request: Request) -> None:
    """A dependency of intake: 503 while the data directory is nearly full.

    A statvfs call costs microseconds, so it is asked afresh for every new job.
    """
    settings: GatewaySettings = request.app.state.settings
    if low_disk_problem(settings.data_dir, settings.min_free_disk_bytes) is not None:
        raise HTTPException(status_code=503, detail=NEARLY_FULL_MESSAGE)
