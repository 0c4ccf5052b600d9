"""Settings every process reads from the environment (prefix ``T2V_``).

Each process builds one settings object at start-up; processes that need more
(the gateway, a stage with a model) subclass :class:`Settings` in their own package.
"""

from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def split_commas(value: Any) -> Any:
    """A list setting as the environment gives it: "a, b" becomes ("a", "b")."""
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


class Settings(BaseSettings):
    # An empty variable counts as unset, as compose files pass optional keys through empty.
    model_config = SettingsConfigDict(env_prefix="T2V_", extra="ignore", env_ignore_empty=True)

    broker_url: str = "amqp://guest:guest@localhost:5672/"
    # Prefix of every exchange and queue name, so several deployments (or test runs)
    # can share one broker without seeing each other's messages.
    amqp_prefix: str = "t2v"
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    # Seconds between broker reconnection attempts grow up to this cap.
    reconnect_max_delay: float = 30.0
    # A stage that fails for a passing reason (an I/O error) tries again after these
    # delays in turn (the last one repeating), up to max_attempts tries in all.
    max_attempts: int = 3
    retry_delays: tuple[float, ...] = (5.0, 30.0, 120.0)
    # Deliveries of one stage message whose worker never settles it (it died on the job:
    # out of memory, a crash in a native library); after the last one the message is
    # dead-lettered and its job fails, instead of killing workers forever.
    delivery_limit: int = Field(default=3, ge=1, le=100)
    # The longest narration, and so the longest video, a job may have: the gateway refuses
    # a text whose estimated narration is longer, and the TTS stage stops a longer one.
    max_video_seconds: float = Field(default=600.0, gt=0)
