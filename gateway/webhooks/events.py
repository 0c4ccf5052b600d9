"""A webhook event as the receiver gets it: the JSON body and the headers that sign it.

The body is the job as ``GET /api/v1/jobs/<job_id>`` shows it when the event happened,
wrapped with the event's id, type and time; it is made from the stored row, so every
retry of one event sends the same bytes. The signature is HMAC-SHA256, keyed with
``T2V_WEBHOOK_SECRET``, over ``<t>.<body>`` where ``t`` is the Unix second of the attempt:
a receiver that checks ``t`` is recent refuses a captured request replayed later.
"""

import hashlib
import hmac
import json

from common.messages import StageReport
from common.stages import STAGE_NAMES
from gateway.schemas import JobDetail, StageDetail
from gateway.webhooks.table import WebhookDelivery

SIGNATURE_HEADER = "X-T2V-Signature"
EVENT_ID_HEADER = "X-T2V-Event-Id"
EVENT_HEADER = "X-T2V-Event"
ATTEMPT_HEADER = "X-T2V-Attempt"
USER_AGENT = "t2v-webhooks/1"


def event_body(delivery: WebhookDelivery) -> bytes:
    state = json.loads(delivery.job_state)
    reports = {
        stage: StageReport.model_validate(report) for stage, report in state["stages"].items()
    }
    job = JobDetail(
        status=state["status"],
        progress=state["progress"],
        message=state["message"],
        created_at=state["created_at"],
        output_file=state["output_file"],
        updated_at=state["updated_at"],
        stages=[
            StageDetail(stage=name, provider=report.provider, seconds=round(report.seconds, 3))
            for name in STAGE_NAMES
            if (report := reports.get(name)) is not None
        ],
    )
    event = {
        "id": delivery.event_id,
        "type": delivery.event,
        "created_at": delivery.created_at,
        "job_id": delivery.job_id,
        "job": job.model_dump(exclude_none=True),
    }
    return json.dumps(event, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_headers(delivery: WebhookDelivery, body: bytes, secret: str, now: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: delivery.event_id,
        EVENT_HEADER: delivery.event,
        ATTEMPT_HEADER: str(delivery.attempts),
        SIGNATURE_HEADER: signature(secret, now, body),
    }
