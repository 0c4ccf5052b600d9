"""The progress events stages publish, worded for the user watching the job."""

from common.messages import FailureReason, ProgressEvent
from common.stages import COMPLETED_MESSAGE, stage_info


def stage_event(job_id: str, stage: str, note: str | None = None) -> ProgressEvent:
    info = stage_info(stage)
    message = info.message if note is None else f"{info.message} {note}"
    return ProgressEvent(
        job_id=job_id, stage=stage, status="processing", progress=info.progress, message=message
    )


def completed_event(job_id: str, stage: str) -> ProgressEvent:
    return ProgressEvent(
        job_id=job_id, stage=stage, status="completed", progress=100, message=COMPLETED_MESSAGE
    )


def failed_event(job_id: str, stage: str, exc: BaseException) -> ProgressEvent:
    reason = failure_reason(exc)
    return ProgressEvent(
        job_id=job_id,
        stage=stage,
        status="failed",
        progress=stage_info(stage).progress,
        message=f"Failed at {stage}: {reason}",
        error=FailureReason(stage=stage, reason=reason),
    )


def failure_reason(exc: BaseException) -> str:
    """One readable line: never a traceback, never empty."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
