"""How every connection to the broker is opened."""

import pika

from common.settings import Settings

# A broker under a resource alarm blocks publishing connections; past this many seconds
# the connection is dropped and opened again rather than left hanging.
BLOCKED_CONNECTION_TIMEOUT = 60


def connection_parameters(settings: Settings) -> pika.URLParameters:
    parameters = pika.URLParameters(settings.broker_url)
    # One attempt per call: the callers retry with a backoff of their own, and meanwhile
    # tell their clients the broker is down instead of hanging.
    parameters.connection_attempts = 1
    parameters.blocked_connection_timeout = BLOCKED_CONNECTION_TIMEOUT
    return parameters
