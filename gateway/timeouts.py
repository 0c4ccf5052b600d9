"""A deadline on producing each response, so a stuck handler answers 503 instead of hanging.

The deadline covers the handler up to the start of its response (reading the request body
included, so a trickling upload is cut off too), never the response body: a large download
streams for as long as the client takes to read it. Paths that take large uploads may
have a longer deadline of their own.
"""

import asyncio
import logging
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import error_response

logger = logging.getLogger(__name__)

TIMED_OUT_MESSAGE = "Request timed out"


class RequestTimeoutMiddleware:
    def __init__(
        self, app: ASGIApp, timeout_seconds: float, slower_paths: Mapping[str, float] = {}
    ) -> None:
        self.app = app
        self.timeout_seconds = timeout_seconds
        self.slower_paths = dict(slower_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The handler runs in this task, under a deadline that the start of its response
        # lifts: no extra task per request.
        seconds = self.slower_paths.get(scope["path"], self.timeout_seconds)
        deadline = asyncio.timeout(seconds)

        async def send_lifting_the_deadline(message: Message) -> None:
            if message["type"] == "http.response.start":
                deadline.reschedule(None)
            await send(message)

        try:
            async with deadline:
                await self.app(scope, receive, send_lifting_the_deadline)
        except TimeoutError:
            if not deadline.expired():
                raise  # the handler's own error, not our deadline
            # A handler in a worker thread cannot be interrupted; it finishes unobserved.
            logger.warning(
                "%s %s took longer than %g s; answered 503",
                scope["method"],
                scope["path"],
                seconds,
            )
            await error_response(503, TIMED_OUT_MESSAGE)(scope, receive, send)
