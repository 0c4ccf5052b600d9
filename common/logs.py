"""Log lines as key=value pairs, one line per event, each naming its job and stage.

Entrypoints call :func:`configure_logging`; library code only uses
``logging.getLogger(__name__)`` and wraps work for one job in :func:`job_context`.
"""

import contextlib
import contextvars
import logging
from collections.abc import Iterator

_job_id: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="-")
_stage: contextvars.ContextVar[str] = contextvars.ContextVar("stage", default="-")


@contextlib.contextmanager
def job_context(job_id: str, stage: str | None = None) -> Iterator[None]:
    job_token = _job_id.set(job_id)
    stage_token = _stage.set(stage) if stage is not None else None
    try:
        yield
    finally:
        _job_id.reset(job_token)
        if stage_token is not None:
            _stage.reset(stage_token)


class KeyValueFormatter(logging.Formatter):
    """``ts=… level=… service=… job_id=… stage=… logger=… msg="…"`` on one line.

    A traceback goes into an ``exc`` field with its newlines escaped, so a log shipper
    never splits one event into many.
    """

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "service": self.service,
            "job_id": _job_id.get(),
            "stage": _stage.get(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        return " ".join(f"{key}={_quoted(value)}" for key, value in fields.items())


def _quoted(value: str) -> str:
    if value and not any(character in value for character in ' "=\\\n\r\t'):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pika logs each failed connection attempt as several errors with a traceback; our own
    # one-line reconnect warnings say the same.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    # httpx logs each request's full URL at INFO, and Pixabay takes its key in the URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
