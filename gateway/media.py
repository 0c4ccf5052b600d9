"""Taking in a key's clips and images (``POST /api/v1/media``), and checking what a job lists.

An upload streams to a temporary file in the key's folder, counted as it comes, so a body
over ``T2V_MEDIA_MAX_BYTES`` costs no more than that much disk and is cut off there. PyAV
then reads it on a worker thread (``common.user_media.inspect_media``); only a file it
takes is renamed to its id and given its record. The key's quota is checked before the
body is read and again, under a lock on the key's folder, just before the item is added,
so uploads at once cannot slip past it together. Whatever goes wrong, the temporary file
is removed.
"""

import asyncio
import fcntl
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import HTTPException, Request
from starlette.requests import ClientDisconnect

from common.messages import JobOptions
from common.user_media import (
    MediaFacts,
    MediaFolders,
    MediaItem,
    MediaRefused,
    inspect_media,
)
from gateway.access import Caller
from gateway.settings import GatewaySettings

_SECONDS_PER_DAY = 86400.0
UPLOAD_PREFIX = ".upload-"
FORM_UPLOAD_MESSAGE = (
    "Unsupported content type multipart/form-data: send the file itself as the request body "
    "(curl --data-binary @clip.mp4)"
)
EMPTY_BODY_MESSAGE = "No file in the request body: send the clip or image itself as the body"
MEDIA_NOT_FOUND_MESSAGE = "Media not found"


def media_folders(settings: GatewaySettings) -> MediaFolders:
    return MediaFolders(settings.data_dir)


async def receive_upload(
    request: Request, caller: Caller, settings: GatewaySettings, description: str | None
) -> MediaItem:
    """The item made of the request's body for ``caller``, or the HTTPException refusing it."""
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        raise HTTPException(status_code=415, detail=FORM_UPLOAD_MESSAGE)
    folders = media_folders(settings)
    owner = caller.key_id
    _check_quota(folders, owner, settings, adding=0)
    limit = settings.media_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    folder = folders.folder(owner)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    temporary = folder / f"{UPLOAD_PREFIX}{uuid.uuid4().hex}.tmp"
    try:
        size = await _stream_to(request, temporary, limit)
        if size == 0:
            raise HTTPException(status_code=400, detail=EMPTY_BODY_MESSAGE)
        facts = await asyncio.to_thread(_inspect, temporary, settings)
        kept = settings.media_retention_days * _SECONDS_PER_DAY
        item = MediaItem.new(facts, size, description, kept)
        await asyncio.to_thread(_add, folders, owner, item, temporary, settings)
        return item
    finally:
        temporary.unlink(missing_ok=True)


async def _stream_to(request: Request, target: Path, limit: int) -> int:
    size = 0
    try:
        with open(target, "wb") as handle:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                handle.write(chunk)
    except ClientDisconnect:
        raise HTTPException(status_code=400, detail="The upload was cut off") from None
    return size


def _inspect(file: Path, settings: GatewaySettings) -> MediaFacts:
    try:
        return inspect_media(file, settings.media_limits)
    except MediaRefused as exc:
        raise HTTPException(status_code=415 if exc.unsupported else 400, detail=str(exc)) from None


def _add(
    folders: MediaFolders,
    owner: str | None,
    item: MediaItem,
    uploaded: Path,
    settings: GatewaySettings,
) -> None:
    with _folder_lock(folders.folder(owner)):
        _check_quota(folders, owner, settings, adding=item.bytes)
        file = folders.folder(owner) / f"{item.media_id}{item.suffix}"
        os.replace(uploaded, file)
        try:
            folders.save(owner, item)
        except BaseException:
            file.unlink(missing_ok=True)
            raise


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    # Every gateway process on the host shares the folder, so the lock is the file system's.
    with open(folder / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_quota(
    folders: MediaFolders, owner: str | None, settings: GatewaySettings, adding: int
) -> None:
    items = folders.items(owner, time.time())
    held = sum(item.bytes for item in items)
    if len(items) >= settings.media_max_items_per_key:
        raise HTTPException(
            status_code=429,
            detail=f"Media quota reached: this key has {len(items)} items, the limit is "
            f"{settings.media_max_items_per_key} (T2V_MEDIA_MAX_ITEMS_PER_KEY); "
            "delete some with DELETE /api/v1/media/<media_id>",
        )
    if held + adding > settings.media_max_bytes_per_key:
        raise HTTPException(
            status_code=429,
            detail=f"Media quota reached: this key holds {held} bytes"
            + (f" and this file is {adding}" if adding else "")
            + f", the limit is {settings.media_max_bytes_per_key} bytes "
            "(T2V_MEDIA_MAX_BYTES_PER_KEY); delete some with DELETE /api/v1/media/<media_id>",
        )


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status_code=413,
        detail=f"Media file is too large: the limit is {limit} bytes (T2V_MEDIA_MAX_BYTES)",
    )


def check_job_media(options: JobOptions, caller: Caller, folders: MediaFolders) -> None:
    """400 unless every upload ``options.media`` lists is the caller's and still kept."""
    now = time.time()
    for choice in options.media:
        if folders.get(caller.key_id, choice.id, now) is None:
            raise HTTPException(
                status_code=400,
                detail=f"Invalid options: media: no media {choice.id} for this key "
                "(GET /api/v1/media lists yours)",
            )
