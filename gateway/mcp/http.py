"""``/mcp`` on the gateway: the tools over streamable HTTP, behind the API's key check.

Stateless, and answered in JSON rather than event streams: every request stands alone,
so any gateway worker (``T2V_WORKERS``) serves any request and nothing needs a sticky
route. The route is a plain one, kept out of the OpenAPI document, which describes the
REST API only.

Who may call: the API key is checked on every request exactly as for ``/api/v1`` (see
:mod:`gateway.access`), with the same 401 and the same throttle on failures. The Host
header is not checked: real clients reach the gateway under whatever names its operators
give it. Browsers are told apart by the Origin header they send with every POST, and a
request from a page is refused unless ``T2V_MCP_ALLOWED_ORIGINS`` names its origin; that
also stops a page that rebinds its own name to the gateway's address (DNS rebinding).
"""

import logging
from contextlib import AbstractAsyncContextManager

from mcp.server.mcpserver import Context
from mcp.server.transport_security import TransportSecuritySettings
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from gateway.access import identify_client
from gateway.errors import error_response
from gateway.generate_request import body_limit
from gateway.mcp.service import Call, Service
from gateway.mcp.tools import build_server
from gateway.settings import GatewaySettings

PATH = "/mcp"
FOREIGN_ORIGIN_MESSAGE = (
    "Requests from web pages are refused unless T2V_MCP_ALLOWED_ORIGINS names their origin"
)
# Where the endpoint leaves the caller it identified, for the tools to read.
_CALLER = "t2v.caller"


def _http_call(ctx: Context) -> Call:
    """The caller the endpoint identified, served by the app that received the request."""
    request = ctx.request_context.request
    if request is None:
        raise RuntimeError("a tool call on /mcp came without its HTTP request")
    scope = request.scope
    state = scope["app"].state
    service = Service(state.settings, state.store, state.intake, state.rate_limiter)
    # A request that did not pass the key check has no caller: the call fails.
    return Call(service, scope[_CALLER])


class McpEndpoint:
    """The ASGI app at ``/mcp``; ``running()`` must be entered in the app's lifespan."""

    def __init__(self, settings: GatewaySettings) -> None:
        self._allowed_origins = frozenset(settings.mcp_allowed_origins)
        server = build_server(_http_call, settings.max_text_chars)
        # Only to build the session manager: the gateway routes to it itself, below.
        server.streamable_http_app(
            streamable_http_path=PATH,
            stateless_http=True,
            json_response=True,
            # A tool call carries a job's text: as large as POST /generate takes.
            max_request_body_size=body_limit(settings.max_text_chars),
            # Origins are checked above it; the SDK's own check would also require a
            # list of every Host name the gateway is reached by.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self._sessions = server.session_manager
        # The SDK notes the end of every stateless request at INFO ("Terminating session:
        # None"): a line per request, which the gateway leaves to T2V_ACCESS_LOG.
        logging.getLogger("mcp.server.streamable_http").setLevel(logging.WARNING)

    def running(self) -> AbstractAsyncContextManager[None]:
        return self._sessions.run()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        origin = request.headers.get("origin")
        if origin is not None and origin not in self._allowed_origins:
            await error_response(403, FOREIGN_ORIGIN_MESSAGE)(scope, receive, send)
            return
        try:
            caller = identify_client(request)
        except HTTPException as exc:
            await error_response(exc.status_code, str(exc.detail), exc.headers)(
                scope, receive, send
            )
            return
        scope[_CALLER] = caller
        await self._sessions.handle_request(scope, receive, send)
