"""What a tool call works with: the gateway's pieces and who is calling, and the API's refusals.

The tools answer with the API's own words: its handlers' ``HTTPException`` and the
errors that its error handlers translate become tool errors carrying the same text.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from starlette.exceptions import HTTPException

from common.errors import BrokerUnavailable, QuotaExceeded
from gateway.access import Caller
from gateway.disk import NEARLY_FULL_MESSAGE, low_disk_problem
from gateway.errors import BROKER_UNAVAILABLE_MESSAGE
from gateway.generate_request import check_generate_document
from gateway.intake import Intake
from gateway.rate_limit import RateLimiter
from gateway.schemas import GenerateRequest
from gateway.settings import GatewaySettings
from gateway.store import JobStore


@dataclass(frozen=True)
class Service:
    settings: GatewaySettings
    store: JobStore
    intake: Intake
    # New jobs per minute per caller, as for POST /generate.
    new_jobs: RateLimiter


@dataclass(frozen=True)
class Call:
    service: Service
    caller: Caller


# How a door tells the tools whom a call comes from and what serves it.
WhoCalls = Callable[[Context], Call]


@contextmanager
def api_errors() -> Iterator[None]:
    """Raise what the API would refuse with as a tool error with the API's words."""
    try:
        yield
    except HTTPException as exc:
        raise ToolError(str(exc.detail)) from None
    except QuotaExceeded as exc:
        raise ToolError(str(exc)) from None
    except BrokerUnavailable:
        raise ToolError(BROKER_UNAVAILABLE_MESSAGE) from None


def check_may_add_job(call: Call) -> None:
    """What POST /generate checks before it reads a body: the caller's rate, the free space."""
    if wait_seconds := call.service.new_jobs.acquire(call.caller.client):
        raise ToolError(f"Too many requests; retry in {wait_seconds} s")
    settings = call.service.settings
    if low_disk_problem(settings.data_dir, settings.min_free_disk_bytes) is not None:
        raise ToolError(NEARLY_FULL_MESSAGE)


def read_job_request(text: str, options: Any, settings: GatewaySettings) -> GenerateRequest:
    """The tool's arguments checked as POST /generate checks its body, in the API's words."""
    with api_errors():
        return check_generate_document({"text": text, "options": options}, settings)
