"""``t2v generate --media DIR``: a folder of the user's clips and images, for one video.

The files are checked as an upload is (``common.user_media.inspect_media``, with the
gateway's limits) and kept for the run as the media of an owner of their own, in the
data directory's media folders, where the footage stage finds them as it finds a job's
uploads; they are removed again once the video is made. A file's description is its
sidecar ``<stem>.txt``, if it has one.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from common.errors import T2VError
from common.messages import MAX_JOB_MEDIA, MediaChoice
from common.user_media import (
    MediaFolders,
    MediaItem,
    MediaLimits,
    MediaRefused,
    check_description,
    inspect_media,
)

MEDIA_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".webm", ".mkv", ".jpg", ".jpeg", ".png", ".webp"}
)
SIDECAR_SUFFIX = ".txt"
# A description is a line or two; a sidecar is not read past this.
_MAX_SIDECAR_BYTES = 4096
# Long enough for any run; should the run die, the gateway's retention sweep tidies up.
_KEPT_SECONDS = 86400.0


class MediaFolderRefused(T2VError):
    """A ``--media`` folder that cannot be used, and why."""


@dataclass(frozen=True)
class RunMedia:
    owner: str  # the owner the run's job names, whose folder holds its media
    choices: tuple[MediaChoice, ...]  # options.media


@contextmanager
def media_of_folder(folder: Path, data_dir: Path, limits: MediaLimits) -> Iterator[RunMedia]:
    """The folder's clips and images, in name order, kept for the run; then removed."""
    files = _media_files(folder)
    owner = uuid.uuid4().hex
    folders = MediaFolders(data_dir)
    try:
        yield RunMedia(owner, tuple(_keep(folders, owner, file, limits) for file in files))
    finally:
        shutil.rmtree(folders.folder(owner), ignore_errors=True)


def _media_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise MediaFolderRefused(f"--media {folder}: not a folder")
    files = sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in MEDIA_SUFFIXES and path.is_file()
    )
    if not files:
        raise MediaFolderRefused(
            f"--media {folder}: no clips or images in it ({', '.join(sorted(MEDIA_SUFFIXES))})"
        )
    if len(files) > MAX_JOB_MEDIA:
        raise MediaFolderRefused(
            f"--media {folder}: {len(files)} files; a video uses at most {MAX_JOB_MEDIA}"
        )
    return files


def _keep(folders: MediaFolders, owner: str, file: Path, limits: MediaLimits) -> MediaChoice:
    try:
        facts = inspect_media(file, limits)
    except MediaRefused as exc:
        raise MediaFolderRefused(f"--media: {file.name}: {exc}") from None
    description = _sidecar_description(file)
    item = MediaItem.new(facts, file.stat().st_size, description, _KEPT_SECONDS)
    folder = folders.folder(owner)
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{item.media_id}{item.suffix}"
    try:
        os.link(file, kept)
    except OSError:  # another file system, or one without links
        shutil.copyfile(file, kept)
    folders.save(owner, item)
    return MediaChoice(id=item.media_id)


def _sidecar_description(file: Path) -> str | None:
    sidecar = file.with_suffix(SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None
    with sidecar.open("rb") as handle:
        data = handle.read(_MAX_SIDECAR_BYTES)
    # Lines and runs of spaces become single spaces: a description is one line.
    text = " ".join(data.decode("utf-8", errors="replace").split())
    try:
        return check_description(text)
    except ValueError as exc:
        raise MediaFolderRefused(f"--media: {sidecar.name}: {exc}") from None
