"""Log records that carry the job they belong to.

Entrypoints call :func:`configure_logging`; library code only uses
``logging.getLogger(__name__)`` and wraps work for one job in :func:`job_context`.
"""

import contextlib
import contextvars
import logging
from collections.abc import Iterator

_job_id: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="-")


@contextlib.contextmanager
def job_context(job_id: str) -> Iterator[None]:
    token = _job_id.set(job_id)
    try:
        yield
    finally:
        _job_id.reset(token)


class _JobIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.job_id = _job_id.get()
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_JobIdFilter())
    handler.setFormatter(
        logging.Formatter(
            f"%(asctime)s %(levelname)s {service} job=%(job_id)s %(name)s: %(message)s"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pika logs each failed connection attempt as several errors with a traceback; our own
    # one-line reconnect warnings say the same.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
