"""``python -m gateway``: serve the API with uvicorn on the configured host and port."""

import uvicorn
from fastapi import FastAPI

from common.logs import configure_logging
from gateway.app import create_app
from gateway.settings import GatewaySettings

# Longer than the 60 s idle timeout of common load balancers and proxies, so they never
# reuse a connection the gateway has just closed (which they would answer with a 502);
# short enough that idle clients do not pile up open sockets.
_KEEP_ALIVE_SECONDS = 65


def main() -> None:
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
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


def serve() -> FastAPI:
    """One worker's application; a worker process configures its own logging."""
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    return create_app(settings)


if __name__ == "__main__":
    main()
