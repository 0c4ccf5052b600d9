"""What a dead-lettered stage message means for its job.

The broker dead-letters a stage message in two cases. A stage that failed rejects it, having
told the gateway already, so nothing is left to do. A message whose worker died on it time
after time (out of memory, a crash in a native library) reaches its queue's delivery limit
and is dead-lettered by RabbitMQ itself: no stage lived to say so, so the gateway fails the
job, with the stage and the count.
"""

from typing import Any

from common.amqp.topology import Topology
from common.errors import InvalidMessage, StageError
from common.messages import ProgressEvent, parse_stage_message
from common.progress import failed_event
from common.settings import Settings
from common.stages import STAGE_NAMES, StageName

# x-death's reason for a message returned more often than its queue allows.
DELIVERY_LIMIT_REASON = "delivery_limit"


def poison_failure(
    settings: Settings, headers: dict[str, Any] | None, body: bytes
) -> ProgressEvent | None:
    """The failure to record for a dead stage message, or None when there is none to record.

    ``headers`` are the dead letter's AMQP headers: RabbitMQ puts its latest death first in
    ``x-death``, so a message retried through a delay queue (dead-lettered there as
    "expired") still reads as what ended it last.
    """
    deaths = (headers or {}).get("x-death")
    latest = deaths[0] if isinstance(deaths, list) and deaths else None
    if not isinstance(latest, dict) or latest.get("reason") != DELIVERY_LIMIT_REASON:
        return None
    stage = _stage_of_queue(settings, latest.get("queue"))
    if stage is None:
        return None
    try:
        job = parse_stage_message(body)
    except InvalidMessage:
        return None
    reason = f"the {stage} worker stopped {settings.delivery_limit} times on this job"
    return failed_event(job.job_id, stage, StageError(reason))


def _stage_of_queue(settings: Settings, queue: object) -> StageName | None:
    topology = Topology.of(settings)
    return next((stage for stage in STAGE_NAMES if topology.stage_queue(stage) == queue), None)
