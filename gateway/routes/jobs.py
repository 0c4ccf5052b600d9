"""Jobs: queue one, follow one, list them all."""

import json
import logging
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import ValidationError

from common.errors import BrokerUnavailable
from common.logs import job_context
from common.messages import JobOptions
from gateway.deps import BrokerDep, JobDep, SettingsDep, StoreDep
from gateway.schemas import (
    ErrorBody,
    GenerateAccepted,
    GenerateRequest,
    JobList,
    JobStatusView,
    JobSummary,
)
from gateway.store import Job, finished_video

logger = logging.getLogger(__name__)

router = APIRouter(tags=["jobs"])

NO_TEXT_MESSAGE = "No text provided in request body"
# A character may arrive as a 12-byte JSON escape (a surrogate pair); the rest is room
# for the options and the JSON around them.
_BYTES_PER_CHAR = 12
_BODY_OVERHEAD_BYTES = 64 * 1024


async def read_generate_request(request: Request, settings: SettingsDep) -> GenerateRequest:
    """The body of POST /generate, with the contract's errors for every way it can be wrong.

    The body is parsed by hand because the contract answers 400 with one fixed message
    for any body without usable text, where the framework would answer 422. Any content
    type is accepted: existing curl scripts post JSON without declaring it.
    """
    limit = settings.max_text_chars * _BYTES_PER_CHAR + _BODY_OVERHEAD_BYTES
    body = await _read_body(request, limit)
    try:
        document = json.loads(body)
    except ValueError:  # invalid JSON or invalid UTF-8
        raise HTTPException(status_code=400, detail=NO_TEXT_MESSAGE) from None
    text = document.get("text") if isinstance(document, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise HTTPException(status_code=400, detail=NO_TEXT_MESSAGE)
    if len(text) > settings.max_text_chars:
        raise HTTPException(
            status_code=413,
            detail=f"Text is too long: {len(text)} characters, "
            f"the limit is {settings.max_text_chars}",
        )
    return GenerateRequest(text=text, options=_parse_options(document.get("options")))


async def _read_body(request: Request, limit: int) -> bytes:
    # Counting while reading keeps an endless upload from filling memory.
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(
                status_code=413, detail=f"Request body is too large: the limit is {limit} bytes"
            )
    return bytes(body)


def _parse_options(options: Any) -> JobOptions:
    if options is None:
        return JobOptions()
    try:
        return JobOptions.model_validate(options)
    except ValidationError as exc:
        problems = [
            ": ".join([*(str(part) for part in error["loc"]), error["msg"]])
            for error in exc.errors()
        ]
        raise HTTPException(
            status_code=400, detail=f"Invalid options: {'; '.join(problems)}"
        ) from None


GenerateRequestDep = Annotated[GenerateRequest, Depends(read_generate_request)]


@router.post(
    "/generate",
    status_code=202,
    responses={
        400: {"model": ErrorBody},
        413: {"model": ErrorBody},
        500: {"model": ErrorBody},
        503: {"model": ErrorBody},
    },
)
def generate(
    job_request: GenerateRequestDep, store: StoreDep, broker: BrokerDep
) -> GenerateAccepted:
    """Queue a video for `{"text": "...", "options": {...}}`; options are optional."""
    # The job is stored before its message is published, so the first progress event
    # always finds it.
    job = store.create(str(uuid.uuid4()), job_request.text, job_request.options)
    with job_context(job.job_id):
        try:
            broker.submit(job)
        except BrokerUnavailable:
            store.discard(job.job_id)
            raise
        logger.info("job queued (%d characters)", len(job.text))
    return GenerateAccepted(job_id=job.job_id)


@router.get("/status/{job_id:path}", responses={404: {"model": ErrorBody}})
def job_status(job: JobDep) -> JobStatusView:
    return JobStatusView(
        status=job.status, progress=job.progress, message=job.message, created_at=job.created_at
    )


@router.get("/jobs", response_model_exclude_none=True)
def list_jobs(store: StoreDep, settings: SettingsDep) -> JobList:
    return JobList(jobs={job.job_id: _summary(job, settings.data_dir) for job in store.list_all()})


def _summary(job: Job, data_dir: Path) -> JobSummary:
    has_video = finished_video(job, data_dir) is not None
    return JobSummary(
        status=job.status,
        progress=job.progress,
        message=job.message,
        created_at=job.created_at,
        output_file=job.output_file if has_video else None,
    )
