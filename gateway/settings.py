"""The gateway's settings: the shared ones plus how it serves, guards and tidies HTTP."""

from pathlib import Path
from typing import Annotated, Self

from pydantic import BeforeValidator, Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import NoDecode

from common.llm import LlmSettings
from common.messages import MAX_TEXT_CHARS
from common.settings import split_commas
from common.user_media import MediaLimits
from gateway.webhooks.urls import WebhookRefused, check_webhook_url


class GatewaySettings(LlmSettings):
    # With a chat model (T2V_LLM_BASE_URL, T2V_LLM_MODEL: see common.llm) the gateway
    # takes jobs by topic and writes their stories (gateway.story).
    host: str = "0.0.0.0"
    port: int = 5000
    # A line per request costs more than answering a status poll; job events are logged
    # either way, and a proxy in front usually keeps its own access log.
    access_log: bool = False
    # Processes serving the API. One handles a laptop's load; on a server, one per core
    # roughly multiplies status polls per second. Each keeps its own rate-limit buckets,
    # so a client may get up to this many times the limit.
    workers: int = Field(default=1, ge=1)
    # Longer stories make videos nobody waits for; the limit keeps one request from
    # occupying the pipeline for hours.
    # Capped by what a stage message may carry (common.messages.MAX_TEXT_CHARS).
    max_text_chars: int = Field(default=20000, ge=1, le=MAX_TEXT_CHARS)
    # Pixels a job's render may make (seconds x width x height x fps): what encoding time
    # grows with. The default admits the largest usual video, 1080x1920 at 60 fps for the
    # full 600 s (about half an hour of encoding on 2 cores), and 3840x3840 at 60 fps for
    # 84 s; a size or rate the options allow cannot on its own run up an unbounded bill.
    max_render_pixel_frames: float = Field(default=74_649_600_000, gt=0)

    # T2V_API_KEYS="key-one,key-two"; none means the API is open. Secret so that a logged
    # or printed settings object never shows them.
    api_keys: Annotated[tuple[SecretStr, ...], NoDecode, BeforeValidator(split_commas)] = ()
    # Keys that see and may act on every job, whoever created it; they also work as keys.
    admin_api_keys: Annotated[tuple[SecretStr, ...], NoDecode, BeforeValidator(split_commas)] = ()
    # New jobs per minute per API key (per client address while keys are off); 0 is no limit.
    rate_limit_per_minute: int = Field(default=120, ge=0)
    # Requests with a missing or wrong key per minute per client network before it gets 429
    # (bursts up to as many): guessing keys takes forever. 0 is no limit.
    auth_failures_per_minute: int = Field(default=10, ge=0)
    # Proxies whose X-Forwarded-For names the client (addresses or CIDRs). Nobody else's is
    # believed: a client could write any address there to dodge its limits.
    trusted_proxies: Annotated[
        tuple[IPvAnyNetwork, ...], NoDecode, BeforeValidator(split_commas)
    ] = ()
    # Web pages whose requests /mcp takes (as their Origin header writes them, e.g.
    # "https://agents.example.com"). Agents send no Origin; a page from anywhere else is
    # refused, which also stops a page that rebinds its name to the gateway (DNS rebinding).
    mcp_allowed_origins: Annotated[tuple[str, ...], NoDecode, BeforeValidator(split_commas)] = ()
    # Per key (admin keys and an API without keys have no quotas): jobs queued or processing
    # at once, and video seconds (estimated from the text) accepted in any 24 hours. 0 is no limit.
    max_running_jobs_per_key: int = Field(default=10, ge=0)
    video_seconds_per_day_per_key: float = Field(default=0.0, ge=0)
    # GET /jobs answers this many jobs when the client asks for no number, and never more
    # than the maximum: one answer stays small however many jobs the store holds.
    jobs_page_size: int = Field(default=100, ge=1)
    jobs_page_max: int = Field(default=1000, ge=1)
    # A handler slower than this is answered 503 so clients and proxies are not left hanging;
    # the body of a download streams on without a deadline.
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    # New jobs are refused (503), and /readyz says so, while the data directory has less
    # free space than this; 0 turns the check off.
    min_free_disk_bytes: int = Field(default=1_000_000_000, ge=0)

    # The job store's PostgreSQL database, e.g. "postgresql://t2v:<password>@db:5432/t2v";
    # none: the SQLite file in the data directory. Secret: the password never shows in logs
    # (checked when the store opens: a settings error would print the value).
    database_url: SecretStr | None = None
    # Connections each gateway process keeps to it at most; a statement waits for a free
    # one up to the connect timeout, then the request is answered 503.
    database_pool_size: int = Field(default=10, ge=1, le=100)
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    # An event stream sends a comment after this long without an event: proxies close
    # connections that stay silent for a minute or so.
    events_heartbeat_seconds: float = Field(default=15.0, gt=0)

    cleanup_interval_seconds: float = Field(default=600.0, gt=0)
    # Intermediate files of finished jobs (audio, captions, footage) are only for debugging.
    work_retention_hours: float = Field(default=24.0, ge=0)
    # Completed videos stay downloadable this long.
    output_retention_hours: float = Field(default=168.0, ge=0)
    # Stock clips in the shared footage cache that no job has used for this long.
    cache_retention_hours: float = Field(default=720.0, ge=0)

    # The user's own media (POST /api/v1/media): an upload over this many bytes is refused
    # as it streams in, and a file is let in only with sides within the limit (and a video
    # no longer than the cap), checked with PyAV.
    media_max_bytes: int = Field(default=200_000_000, gt=0)
    media_max_side: int = Field(default=4096, ge=16, le=16384)
    media_max_seconds: float = Field(default=600.0, gt=0)
    # The request deadline of an upload (T2V_REQUEST_TIMEOUT_SECONDS for everything else):
    # the largest file over a slow connection.
    media_upload_timeout_seconds: float = Field(default=600.0, gt=0)
    # Uploads are removed by the retention sweep this long after they arrived.
    media_retention_days: float = Field(default=30.0, gt=0)
    # Per key (and the API without keys as one): items kept at once, and their bytes.
    media_max_items_per_key: int = Field(default=100, ge=1)
    media_max_bytes_per_key: int = Field(default=2_000_000_000, gt=0)

    # Where the events of jobs that name no options.webhook_url go; none: nowhere.
    webhook_url: str | None = None
    # Signs every webhook (HMAC-SHA256); webhooks are refused at intake while it is unset,
    # as an unsigned event could come from anyone.
    webhook_secret: SecretStr | None = None
    # Pauses before each retry of a failed delivery, then it is given up: the default
    # tries for about 67 minutes (the last attempt 4000 s after the first).
    webhook_retry_delays: tuple[Annotated[float, Field(ge=0)], ...] = (
        10.0,
        30.0,
        60.0,
        300.0,
        600.0,
        1200.0,
        1800.0,
    )
    # Each step of an attempt (connecting, sending, the answer) that takes longer fails it.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Attempts under way at once in each gateway process; more wait their turn.
    webhook_max_in_flight: int = Field(default=4, ge=1, le=64)
    # Tests and labs only: webhooks may go to private, loopback and link-local addresses.
    webhook_allow_private_addresses: bool = False

    @model_validator(mode="after")
    def _webhook_default_usable(self) -> Self:
        if self.webhook_url is None:
            return self
        if self.webhook_secret is None:
            raise ValueError("T2V_WEBHOOK_URL needs T2V_WEBHOOK_SECRET to sign the events")
        try:
            check_webhook_url(self.webhook_url, self.webhook_allow_private_addresses)
        except WebhookRefused as exc:
            raise ValueError(f"T2V_WEBHOOK_URL is refused: {exc}") from None
        return self

    @property
    def media_limits(self) -> MediaLimits:
        return MediaLimits(max_side=self.media_max_side, max_seconds=self.media_max_seconds)

    @property
    def jobs_db_path(self) -> Path:
        return self.data_dir / "jobs.sqlite3"
