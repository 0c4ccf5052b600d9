"""``python -m gateway``: serve the API with uvicorn on the configured host and port."""

import uvicorn

from common.logs import configure_logging
from gateway.app import create_app
from gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    # log_config=None keeps uvicorn from replacing the logging configured above.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
