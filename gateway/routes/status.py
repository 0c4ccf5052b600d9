"""GET /api/v1/status/<job_id>: what every client polls, served as a plain Starlette route.

A FastAPI route spends more on resolving its parameters and validating its response than
this endpoint spends on its work (one indexed read); as a plain route it answers about
twice the polls per second (``bench/load.py api``). It checks API keys itself, like the
other job routes, and :mod:`gateway.openapi` describes it.
"""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.access import identify_client
from gateway.deps import find_job

STATUS_PATH = "/api/v1/status/{job_id}"


async def job_status(request: Request) -> JSONResponse:
    identify_client(request)
    job = find_job(request, request.path_params["job_id"])
    # The fields of JobStatusView, which documents them; the schema fuzz checks they agree.
    view = {
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "created_at": job.created_at,
    }
    return JSONResponse(view)


# ":path" so that an id with encoded slashes is looked up (and not found) like any other.
route = Route("/api/v1/status/{job_id:path}", job_status, methods=["GET"], name="job_status")
