"""Probes for an orchestrator: is the process alive, and can it do its work right now."""

from fastapi import APIRouter, HTTPException

from gateway.deps import BrokerDep, SettingsDep, StoreDep
from gateway.disk import low_disk_problem
from gateway.schemas import ErrorBody, Liveness, Readiness

router = APIRouter(tags=["probes"])


@router.get("/healthz", operation_id="liveness")
def liveness() -> Liveness:
    """Answers while the process serves HTTP; restart it when this stops answering."""
    return Liveness()


@router.get("/readyz", operation_id="readiness", responses={503: {"model": ErrorBody}})
def readiness(broker: BrokerDep, store: StoreDep, settings: SettingsDep) -> Readiness:
    """Whether the gateway can queue and track jobs; send it no traffic while it cannot."""
    down = []
    if not broker.is_connected:
        down.append("the message broker is not connected")
    if not store.answers():
        down.append("the job store does not answer")
    if disk := low_disk_problem(settings.data_dir, settings.min_free_disk_bytes):
        down.append(disk)
    if down:
        raise HTTPException(status_code=503, detail=f"Not ready: {'; '.join(down)}")
    return Readiness()
