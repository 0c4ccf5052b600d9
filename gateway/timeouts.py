"""A deadline on producing each response, so a stuck handler answers 503 instead of hanging.

The deadline covers the handler up to the start of its response (reading the request body
included, so a trickling upload is cut off too), never the response body: a large download
streams for as long as the client takes to read it.
"""

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import error_response

logger = logging.getLogger(__name__)

TIMED_OUT_MESSAGE = "Request timed out"


class RequestTimeoutMiddleware:
    def __init__(self, app: ASGIApp, timeout_seconds: float) -> None:
        self.app = app
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = asyncio.Event()
        gave_up = False

        async def send_unless_given_up(message: Message) -> None:
            if gave_up:
                return  # the client already has its 503
            if message["type"] == "http.response.start":
                response_started.set()
            await send(message)

        handler = asyncio.ensure_future(self.app(scope, receive, send_unless_given_up))
        started = asyncio.ensure_future(response_started.wait())
        await asyncio.wait(
            {handler, started}, timeout=self.timeout_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        started.cancel()
        if response_started.is_set() or handler.done():
            await handler
            return
        gave_up = True
        # A handler running in a worker thread cannot be interrupted; it finishes unobserved.
        handler.cancel()
        handler.add_done_callback(_note_abandoned_outcome)
        logger.warning(
            "%s %s took longer than %g s; answered 503",
            scope["method"],
            scope["path"],
            self.timeout_seconds,
        )
        await error_response(503, TIMED_OUT_MESSAGE)(scope, receive, send)


def _note_abandoned_outcome(handler: "asyncio.Future[None]") -> None:
    # Retrieving the outcome keeps asyncio from reporting it as never retrieved.
    if not handler.cancelled() and handler.exception() is not None:
        logger.error("a timed-out request failed afterwards", exc_info=handler.exception())
