"""The caller's own clips and images: upload one, list them by pages, read one, delete one.

A key sees only its own media, admin keys included: an upload is a user's file, not a
job, and a job may use only its own key's. Another key's item answers as an unknown one.
"""

import asyncio
import time
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from common.user_media import MediaItem, check_description, is_media_id
from gateway.access import CallerDep
from gateway.deps import SettingsDep
from gateway.disk import low_disk_problem
from gateway.media import MEDIA_NOT_FOUND_MESSAGE, media_folders, receive_upload
from gateway.schemas import ErrorBody

router = APIRouter(tags=["media"])

UPLOADS_REFUSED_MESSAGE = (
    "Not accepting uploads: the data directory is nearly full; try again later"
)
_ID_MAX_LENGTH = 64


class MediaInfo(BaseModel):
    media_id: str
    kind: Literal["video", "image"]
    width: int
    height: int
    seconds: float | None = Field(default=None, description="Videos only")
    bytes: int
    description: str | None = None
    created_at: float = Field(description="Unix seconds")
    expires_at: float = Field(description="Unix seconds: when the retention sweep removes it")

    @classmethod
    def of(cls, item: MediaItem) -> "MediaInfo":
        return cls.model_validate(item.model_dump(exclude={"suffix"}))


class MediaList(BaseModel):
    media: list[MediaInfo] = Field(description="Newest first")
    next_cursor: str | None = Field(
        default=None, description="Present when more items follow: pass it as `cursor`"
    )


_FILE_BODY = {
    "requestBody": {
        "required": True,
        "description": "The clip or image itself: MP4, MOV, WebM, MKV, JPEG, PNG or WebP",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/media",
    operation_id="upload_media",
    response_model_exclude_none=True,
    status_code=201,
    openapi_extra=_FILE_BODY,
    responses={
        400: {"model": ErrorBody},
        413: {"model": ErrorBody},
        415: {"model": ErrorBody},
        429: {"model": ErrorBody},
        503: {"model": ErrorBody},
    },
)
async def upload_media(
    request: Request,
    settings: SettingsDep,
    caller: CallerDep,
    description: Annotated[
        str | None, Query(description="What it shows, for choosing it by relevance")
    ] = None,
) -> MediaInfo:
    """Keep a clip or image for this key's jobs (`options.media`); the body is the file."""
    try:
        described = check_description(description)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=f"Invalid description: {exc}") from None
    if low_disk_problem(settings.data_dir, settings.min_free_disk_bytes) is not None:
        raise HTTPException(status_code=503, detail=UPLOADS_REFUSED_MESSAGE)
    item = await receive_upload(request, caller, settings, described)
    return MediaInfo.of(item)


@router.get(
    "/media",
    operation_id="list_media",
    response_model_exclude_none=True,
    responses={400: {"model": ErrorBody}},
)
def list_media(
    settings: SettingsDep,
    caller: CallerDep,
    limit: Annotated[
        int | None, Query(ge=1, description="Items per page; as for GET /jobs")
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=_ID_MAX_LENGTH, description="`next_cursor` of the previous page"),
    ] = None,
) -> MediaList:
    """This key's media, newest first, a page at a time; `next_cursor` leads to the next."""
    size = min(settings.jobs_page_size, settings.jobs_page_max) if limit is None else limit
    if size > settings.jobs_page_max:
        raise HTTPException(
            status_code=400, detail=f"Invalid limit: at most {settings.jobs_page_max} items a page"
        )
    items = media_folders(settings).items(caller.key_id, time.time())
    start = 0
    if cursor is not None:
        ids = [item.media_id for item in items]
        if cursor not in ids:
            raise HTTPException(
                status_code=400, detail="Invalid cursor: use the next_cursor of a previous page"
            )
        start = ids.index(cursor) + 1
    page = items[start : start + size]
    more = start + size < len(items)
    return MediaList(
        media=[MediaInfo.of(item) for item in page],
        next_cursor=page[-1].media_id if more and page else None,
    )


def _own_item(settings: SettingsDep, caller: CallerDep, media_id: str) -> MediaItem:
    item = None
    if is_media_id(media_id):
        item = media_folders(settings).get(caller.key_id, media_id, time.time())
    if item is None:
        raise HTTPException(status_code=404, detail=MEDIA_NOT_FOUND_MESSAGE)
    return item


@router.get(
    "/media/{media_id}",
    operation_id="media_detail",
    response_model_exclude_none=True,
    responses={404: {"model": ErrorBody}},
)
def media_detail(settings: SettingsDep, caller: CallerDep, media_id: str) -> MediaInfo:
    """One of this key's media."""
    return MediaInfo.of(_own_item(settings, caller, media_id))


@router.delete(
    "/media/{media_id}",
    operation_id="delete_media",
    status_code=204,
    response_class=Response,
    responses={404: {"model": ErrorBody}},
)
async def delete_media(settings: SettingsDep, caller: CallerDep, media_id: str) -> Response:
    """Remove one of this key's media; jobs that already have it keep their copy."""
    item = _own_item(settings, caller, media_id)
    await asyncio.to_thread(media_folders(settings).remove, caller.key_id, item)
    return Response(status_code=204)
