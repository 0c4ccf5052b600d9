"""Whether the gateway is up, and whether it can queue jobs right now."""

from fastapi import APIRouter

from gateway.deps import BrokerDep
from gateway.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", operation_id="health")
def health(broker: BrokerDep) -> Health:
    return Health(broker=broker.is_connected)
