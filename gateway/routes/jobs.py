"""Jobs: queue one, list them by pages, detail one, cancel one (polling is in :mod:`.status`).

With API keys on, a caller sees only the jobs its key created (an admin key sees all):
the listing is filtered, and every route that names a job finds it through ``JobDep``.
"""

import logging
import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from common.artifacts import JobPaths, write_bytes_atomic
from common.logs import job_context
from common.stages import STAGE_NAMES
from gateway.access import CallerDep, limit_rate
from gateway.deps import IntakeDep, JobDep, RetentionDep, SettingsDep, StoreDep
from gateway.disk import require_free_disk
from gateway.footage import footage_detail
from gateway.generate_request import GenerateRequestDep
from gateway.retention import Retention, available_video
from gateway.schemas import (
    ErrorBody,
    GenerateAccepted,
    JobCancelled,
    JobDetail,
    JobList,
    JobSummary,
    StageDetail,
    TopicRequest,
    WebhookDetail,
)
from gateway.store import TERMINAL_STATUSES, Job, StoryTopic
from gateway.webhooks.table import WebhookDelivery
from gateway.webhooks.urls import shown_url

logger = logging.getLogger(__name__)

router = APIRouter(tags=["jobs"])

ALREADY_FINISHED_MESSAGE = "Job already finished"
# OpenAPI links: where a new job's id leads, for clients and fuzzers that follow them.
_NEW_JOB_LINKS = {
    name: {"operationId": operation, "parameters": {"job_id": "$response.body#/job_id"}}
    for name, operation in (
        ("JobStatus", "job_status"),
        ("DownloadVideo", "download_video"),
        ("CancelJob", "cancel_job"),
    )
}


@router.post(
    "/generate",
    operation_id="generate",
    status_code=202,
    # After the key check, before the body is read: a flood costs no parsing.
    dependencies=[Depends(limit_rate), Depends(require_free_disk)],
    responses={
        202: {"links": _NEW_JOB_LINKS},
        400: {"model": ErrorBody},
        413: {"model": ErrorBody},
        415: {"model": ErrorBody},
        429: {"model": ErrorBody},
        500: {"model": ErrorBody},
        503: {"model": ErrorBody},
    },
)
async def generate(
    job_request: GenerateRequestDep, intake: IntakeDep, caller: CallerDep
) -> GenerateAccepted:
    """Queue a video for `{"text": "...", "options": {...}}`; options are optional.

    Or for `{"topic": "...", "target_seconds": 60, "tone": "..."}`: the gateway's chat model
    writes the story first (the gateway needs `T2V_LLM_BASE_URL` and `T2V_LLM_MODEL`)."""
    if isinstance(job_request, TopicRequest):
        topic = StoryTopic.model_validate(job_request.model_dump(exclude={"options"}))
        job = await intake.accept_topic(topic, job_request.options, caller)
    else:
        job = await intake.accept(job_request.text, job_request.options, caller)
    return GenerateAccepted(job_id=job.job_id)


# Job ids are 36 characters; a cursor is one.
_CURSOR_MAX_LENGTH = 64


@router.get(
    "/jobs",
    operation_id="list_jobs",
    response_model_exclude_none=True,
    responses={400: {"model": ErrorBody}},
)
def list_jobs(
    store: StoreDep,
    settings: SettingsDep,
    retention: RetentionDep,
    caller: CallerDep,
    limit: Annotated[
        int | None, Query(ge=1, description="Jobs per page; the default and maximum are settings")
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=_CURSOR_MAX_LENGTH, description="`next_cursor` of the previous page"),
    ] = None,
) -> JobList:
    """The caller's jobs, newest first, a page at a time; `next_cursor` leads to the next."""
    # The maximum bounds the default too, so lowering only the maximum takes effect.
    size = min(settings.jobs_page_size, settings.jobs_page_max) if limit is None else limit
    if size > settings.jobs_page_max:
        raise HTTPException(
            status_code=400, detail=f"Invalid limit: at most {settings.jobs_page_max} jobs a page"
        )
    page = store.page(size, owner=None if caller.sees_all else caller.key_id, after=cursor)
    if page is None:
        raise HTTPException(
            status_code=400, detail="Invalid cursor: use the next_cursor of a previous page"
        )
    now = time.time()
    return JobList(
        jobs={job.job_id: _summary(job, settings.data_dir, retention, now) for job in page.jobs},
        next_cursor=page.next_cursor,
    )


@router.get(
    "/jobs/{job_id:path}",
    operation_id="job_detail",
    response_model_exclude_none=True,
    responses={404: {"model": ErrorBody}},
)
def job_detail(
    job: JobDep, store: StoreDep, settings: SettingsDep, retention: RetentionDep
) -> JobDetail:
    """The job's status, with the provider and duration of each stage that has finished,
    how its webhook events are being delivered, and each segment's clip."""
    summary = _summary(job, settings.data_dir, retention, time.time())
    reports = store.stage_reports(job.job_id)
    deliveries = store.deliveries_of(job.job_id)
    return JobDetail(
        **summary.model_dump(),
        updated_at=job.updated_at,
        topic=job.topic.topic if job.topic is not None else None,
        # Empty while a topic's story is being written.
        text=job.text or None,
        stages=[
            StageDetail(stage=name, provider=report.provider, seconds=round(report.seconds, 3))
            for name in STAGE_NAMES
            if (report := reports.get(name)) is not None
        ],
        webhooks=[_webhook_detail(delivery) for delivery in deliveries] or None,
        footage=footage_detail(settings.data_dir, job.job_id),
    )


def _webhook_detail(delivery: WebhookDelivery) -> WebhookDetail:
    return WebhookDetail(
        event_id=delivery.event_id,
        event=delivery.event,
        url=shown_url(delivery.url),
        created_at=delivery.created_at,
        attempts=delivery.attempts,
        last_attempt_at=delivery.last_attempt_at,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at,
        outcome=delivery.outcome,
    )


def _summary(job: Job, data_dir: Path, retention: Retention, now: float) -> JobSummary:
    has_video = available_video(job, data_dir, retention, now) is not None
    return JobSummary(
        status=job.status,
        progress=job.progress,
        message=job.message,
        created_at=job.created_at,
        output_file=job.output_file if has_video else None,
    )


@router.delete(
    "/jobs/{job_id:path}",
    operation_id="cancel_job",
    status_code=202,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def cancel_job(job: JobDep, store: StoreDep, settings: SettingsDep) -> JobCancelled:
    """Stop a queued or running job at its next stage boundary; it then reads as failed."""
    if job.status in TERMINAL_STATUSES:
        raise HTTPException(status_code=409, detail=ALREADY_FINISHED_MESSAGE)
    marker = JobPaths(settings.data_dir, job.job_id).cancel_marker
    with job_context(job.job_id):
        # The marker comes first: if writing it fails, the job is untouched and the client
        # can try again, rather than a job that reads as cancelled running on.
        write_bytes_atomic(marker, b"")
        if not store.mark_cancelled(job.job_id):
            # It finished in the meantime; the marker would only mislead whoever reads the folder.
            marker.unlink(missing_ok=True)
            raise HTTPException(status_code=409, detail=ALREADY_FINISHED_MESSAGE)
        logger.info("job cancelled at %d%%", job.progress)
    return JobCancelled(job_id=job.job_id)
