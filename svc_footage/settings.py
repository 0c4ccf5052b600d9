"""The footage service's settings: where clips may come from, and how patiently to fetch them."""

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from common.artifacts import footage_cache_dir
from common.messages import FootageProvider
from common.settings import Settings, split_commas
from svc_footage.download_rules import DownloadRules


class FootageSettings(Settings):
    # T2V_FOOTAGE_PROVIDERS="pexels,library": where to look, in order. A provider without
    # its key or folder is skipped, a job's own choice is tried first, and generated clips
    # end the list whether it names them or not, so a job never fails for lack of footage.
    footage_providers: Annotated[tuple[FootageProvider, ...], NoDecode] = (
        "pexels",
        "pixabay",
        "library",
        "generated",
    )
    # A local folder of video files, each described by its name and an optional sidecar
    # text file (svc_footage/library.py), chosen for a segment by the matcher below.
    footage_dir: Path | None = None
    # How a clip's description is matched to what a segment says (svc_footage/relevance.py):
    # "words" (shared words, by stem and compound), "names" (a search term's words in the
    # file's name, as before), "meaning" (sentence embeddings, with the "meaning" extra).
    footage_matcher: Literal["words", "names", "meaning"] = "words"

    # Secret so that a logged or printed settings object never shows them.
    pexels_api_key: SecretStr | None = None
    pixabay_api_key: SecretStr | None = None
    # The real services by default; a proxy or a test server elsewhere.
    pexels_base_url: str = "https://api.pexels.com"
    pixabay_base_url: str = "https://pixabay.com/api"
    # Results asked for per search term: enough to leave fresh clips for every segment.
    footage_results_per_search: int = Field(default=15, ge=3, le=80)
    # Pages of results asked for per search term when the first has nothing relevant
    # enough (svc_footage/sources.py), before the next term is searched.
    footage_search_pages: int = Field(default=2, ge=1, le=10)

    # A provider that sends nothing for this long (connecting, or between bytes) has failed.
    footage_request_timeout_seconds: float = Field(default=10.0, gt=0)
    # A failed request that may pass (a timeout, a 5xx, a 429, a cut-off download) is
    # tried again after each of these pauses in turn, then the next source is asked.
    footage_retry_delays: tuple[float, ...] = (1.0, 3.0)
    # A 429's Retry-After is waited out up to this many seconds; a longer one means the
    # provider is out of quota for now, and the next source is asked at once.
    footage_max_retry_after_seconds: float = Field(default=10.0, ge=0)
    # A clip file larger than this is not downloaded (a stray 4K master is hundreds of MB).
    footage_download_max_bytes: int = Field(default=100_000_000, gt=0)
    # A download still running after this long is abandoned for another clip.
    footage_download_timeout_seconds: float = Field(default=60.0, gt=0)
    # Where clip files may be downloaded from, over https only: a provider's answer is
    # untrusted, so a link elsewhere is refused. Pexels serves files from videos.pexels.com,
    # and its older links on player.vimeo.com redirect to Vimeo's CDNs, and photos from
    # images.pexels.com; Pixabay serves videos from cdn.pixabay.com and photos from
    # pixabay.com itself. ".example.com" allows every name under example.com.
    footage_download_hosts: Annotated[tuple[str, ...], NoDecode] = (
        "videos.pexels.com",
        "player.vimeo.com",
        ".vimeocdn.com",
        "vod-progressive.akamaized.net",
        "cdn.pixabay.com",
        "images.pexels.com",
        "pixabay.com",
    )
    # For tests and labs only: downloads may reach private, loopback and link-local
    # addresses, and use plain http. Never on a machine that can reach anything worth
    # protecting (a cloud's metadata endpoint, the broker's management page).
    footage_allow_private_addresses: bool = False
    # The shared cache of downloaded clips is kept under this many bytes: adding a clip
    # deletes the least recently used ones beyond it.
    footage_cache_max_bytes: int = Field(default=5_000_000_000, gt=0)

    @field_validator("footage_providers", mode="before")
    @classmethod
    def _split_comma_separated_names(cls, value: Any) -> Any:
        return split_commas(value.lower() if isinstance(value, str) else value)

    @field_validator("footage_download_hosts", mode="before")
    @classmethod
    def _split_host_names(cls, value: Any) -> Any:
        hosts = split_commas(value)
        if not isinstance(hosts, tuple | list):
            return hosts
        # "*.example.com" and ".example.com" both mean any name under example.com.
        return tuple(
            host.lower().removeprefix("*") if isinstance(host, str) else host for host in hosts
        )

    @property
    def download_rules(self) -> DownloadRules:
        return DownloadRules(self.footage_download_hosts, self.footage_allow_private_addresses)

    @property
    def footage_cache_dir(self) -> Path:
        return footage_cache_dir(self.data_dir)
