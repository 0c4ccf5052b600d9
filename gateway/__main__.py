"""``python -m gateway``: serve the API with uvicorn on the configured host and port."""

import uvicorn

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
        create_app(settings),
        host=settings.host,
        port=settings.port,
        timeout_keep_alive=_KEEP_ALIVE_SECONDS,
        # log_config=None keeps uvicorn from replacing the logging configured above.
        log_config=None,
    )


if __name__ == "__main__":
    main()
