"""GET /api/v1/status/<job_id>: what every client polls, served as a plain Starlette route.

A FastAPI route spends more on resolving its parameters and validating its response than
this endpoint spends on its work (one indexed read); as a plain route it answers about
twice the polls per second (``bench/load.py api``). It checks API keys and the job's
owner itself, like the other job routes. The framework cannot see a plain route, so
``documentation`` describes it to FastAPI, which derives the OpenAPI operation from the
same models as every other route's (see :mod:`gateway.openapi`); that route is never mounted.
"""

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.access import INVALID_KEY_MESSAGE, identify_client
from gateway.deps import find_job
from gateway.schemas import ErrorBody, JobStatusView

# ":path" so that an id with encoded slashes is looked up (and not found) like any other.
_PATH = "/api/v1/status/{job_id:path}"
# The body is the view's fields read straight off the stored job: no validation per poll.
_FIELDS = tuple(JobStatusView.model_fields)


async def job_status(request: Request) -> JSONResponse:
    caller = identify_client(request)
    job = find_job(request, request.path_params["job_id"], caller)
    return JSONResponse({field: getattr(job, field) for field in _FIELDS})


route = Route(_PATH, job_status, methods=["GET"], name="job_status")


async def _documented_job_status(job_id: str) -> JobStatusView:
    raise NotImplementedError("documentation only: the plain route above serves this path")


documentation = APIRoute(
    _PATH,
    _documented_job_status,
    methods=["GET"],
    name="job_status",
    operation_id="job_status",
    tags=["jobs"],
    response_model=JobStatusView,
    response_description="The job's status and progress",
    responses={
        401: {"model": ErrorBody, "description": INVALID_KEY_MESSAGE},
        404: {"model": ErrorBody, "description": "Job not found"},
        429: {"model": ErrorBody, "description": "Too many failed authentication attempts"},
    },
)
