"""The progress events stages publish, worded for the user watching the job."""

from common.errors import T2VError
from common.messages import MAX_NOTE_CHARS, FailureReason, ProgressEvent, StageReport
from common.stages import COMPLETED_MESSAGE, StageName, stage_info

MAX_REASON_CHARS = 300


def stage_event(job_id: str, stage: StageName, note: str | None = None) -> ProgressEvent:
    info = stage_info(stage)
    message = info.message if note is None else f"{info.message} {note}"[:MAX_NOTE_CHARS]
    return ProgressEvent(
        job_id=job_id, stage=stage, status="processing", progress=info.progress, message=message
    )


def stage_done_event(job_id: str, stage: StageName, report: StageReport) -> ProgressEvent:
    note = f"done: {report.provider}, {report.seconds:.1f} s"
    return stage_event(job_id, stage, note).model_copy(update={"report": report})


def completed_event(job_id: str, stage: StageName) -> ProgressEvent:
    return ProgressEvent(
        job_id=job_id, stage=stage, status="completed", progress=100, message=COMPLETED_MESSAGE
    )


def failed_event(job_id: str, stage: StageName, exc: BaseException) -> ProgressEvent:
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
    """One readable line: never a traceback, never empty.

    Our own errors are written for users; anything else is named as the internal error
    it is, so the reason still points somewhere.
    """
    text = " ".join(str(exc).split())
    if not isinstance(exc, T2VError):
        text = f"internal error ({type(exc).__name__}{': ' + text if text else ''})"
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 3] + "..."
