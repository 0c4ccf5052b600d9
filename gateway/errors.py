"""Every error leaves the API as ``{"error": "<description>"}``, the framework's own included."""

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from common.errors import BrokerUnavailable, QuotaExceeded, StoreUnavailable

logger = logging.getLogger(__name__)

BROKER_UNAVAILABLE_MESSAGE = (
    "The job queue is unavailable (cannot reach the message broker); try again later"
)

STORE_UNAVAILABLE_MESSAGE = (
    "The job store is unavailable (cannot reach its database); try again later"
)


def error_response(
    status_code: int, description: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": description}, status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        # Covers the routes' own errors and the router's 404 and 405 (with its Allow header).
        return error_response(exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        ]
        return error_response(422, f"Invalid request: {'; '.join(problems)}")

    @app.exception_handler(BrokerUnavailable)
    async def broker_unavailable(_request: Request, exc: BrokerUnavailable) -> JSONResponse:
        logger.warning("refusing a request while the broker is unavailable: %s", exc)
        return error_response(503, BROKER_UNAVAILABLE_MESSAGE)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(_request: Request, exc: StoreUnavailable) -> JSONResponse:
        logger.warning("refusing a request while the job store is unavailable: %s", exc)
        return error_response(503, STORE_UNAVAILABLE_MESSAGE)

    @app.exception_handler(QuotaExceeded)
    async def quota_exceeded(_request: Request, exc: QuotaExceeded) -> JSONResponse:
        return error_response(429, str(exc), {"Retry-After": str(exc.retry_after_seconds)})

    @app.exception_handler(Exception)
    async def unexpected_error(_request: Request, _exc: Exception) -> JSONResponse:
        # The server logs the traceback itself; the client gets no internals.
        return error_response(500, "Internal server error")
