"""The ``python -m svc_<stage>`` entrypoint shared by every stage service."""

import logging
import signal
from collections.abc import Callable
from typing import TypeVar

from common.logs import configure_logging
from common.service import StageService
from common.settings import Settings
from common.stage import Stage

S = TypeVar("S", bound=Settings)

logger = logging.getLogger(__name__)


def serve_stage(
    service_name: str,
    settings_class: type[S],
    make_stage: Callable[[S], Stage],
    prefetch: int = 1,
) -> None:
    settings = settings_class()
    configure_logging(service_name, settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Models load here, once per process, before the first message arrives.
    stage = make_stage(settings)
    service = StageService(stage, settings, prefetch)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: service.stop.set())
    service.run_forever()
    logger.info("%s stopped", service_name)
