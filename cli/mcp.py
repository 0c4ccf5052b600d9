"""``t2v mcp``: the service's tools for an agent on this machine, over stdin and stdout.

An MCP client starts it as a subprocess (see README, "For agents: MCP"). It reaches the
service through the data directory and the broker, as a gateway worker does, so it
needs the service's settings (``T2V_DATA_DIR``, ``T2V_BROKER_URL``, ``T2V_AMQP_PREFIX``)
rather than a gateway's address.
"""

import asyncio
from pathlib import Path

from common.logs import configure_logging
from gateway.mcp.stdio import serve_stdio
from gateway.settings import GatewaySettings


def mcp(data_dir: Path | None) -> int:
    settings = GatewaySettings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    # Before anything logs, and to stderr: stdout carries the protocol.
    configure_logging("mcp", settings.log_level)
    asyncio.run(serve_stdio(settings))
    return 0
