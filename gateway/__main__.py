"""``python -m gateway``: serve the API with uvicorn on the configured host and port."""

import ipaddress
import logging

import uvicorn
from fastapi import FastAPI

from common.logs import configure_logging
from gateway.app import create_app
from gateway.http_metrics import share_counts_between_workers
from gateway.settings import GatewaySettings

# Longer than the 60 s idle timeout of common load balancers and proxies, so they never
# reuse a connection the gateway has just closed (which they would answer with a 502);
# short enough that idle clients do not pile up open sockets.
_KEEP_ALIVE_SECONDS = 65

logger = logging.getLogger("gateway")


def main() -> None:
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    if warning := exposure_warning(settings):
        logger.warning(warning)
    with share_counts_between_workers(settings.workers):
        uvicorn.run(
            # Named rather than passed, so that each worker process builds its own.
            "gateway.__main__:serve",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            timeout_keep_alive=_KEEP_ALIVE_SECONDS,
            access_log=settings.access_log,
            # The gateway reads X-Forwarded-For itself, from T2V_TRUSTED_PROXIES only; uvicorn
            # would otherwise believe it from 127.0.0.1, i.e. from any local process.
            proxy_headers=False,
            # log_config=None keeps uvicorn from replacing the logging configured here.
            log_config=None,
        )


def exposure_warning(settings: GatewaySettings) -> str | None:
    """Why starting with these settings is risky, or None when it is not."""
    if settings.api_keys or settings.admin_api_keys or _is_loopback(settings.host):
        return None
    return (
        f"the API listens on {settings.host}:{settings.port} with no API keys: anyone who can "
        "reach this address may queue jobs (each costs minutes of CPU), read every job and "
        "download every video. Set T2V_API_KEYS, or set T2V_HOST=127.0.0.1 and put a proxy "
        "that authenticates in front"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name, which may resolve to any interface


def serve() -> FastAPI:
    """One worker's application; a worker process configures its own logging."""
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    return create_app(settings)


if __name__ == "__main__":
    main()
