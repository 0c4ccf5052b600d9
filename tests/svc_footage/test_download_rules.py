"""Footage downloads go only over https, to the providers' file hosts, at public addresses."""

import time
from pathlib import Path

import pytest

from svc_footage.download_rules import DownloadRules
from svc_footage.fetching import Fetcher, FetchFailed, FetchInterrupted, FetchLimits
from svc_footage.settings import FootageSettings
from tests.svc_footage.stock_server import LOCAL_DOWNLOADS, Reply, StockServer

LIMITS = FetchLimits(0.3, (0.05,), 0.5, download_max_bytes=50_000, download_timeout_seconds=2)
FILE = "/files/clip.mp4"
CLIP = bytes(range(256)) * 4


@pytest.fixture
def server(stock_server: StockServer) -> StockServer:
    stock_server.add_file(FILE, CLIP)
    return stock_server


def _refused_download(rules: DownloadRules, url: str, target: Path) -> FetchFailed:
    """Download ``url`` under ``rules``, expecting a refusal that is never retried."""
    with Fetcher(LIMITS, rules) as fetcher, pytest.raises(FetchFailed) as failure:
        fetcher.download(url, target)
    assert not isinstance(failure.value, FetchInterrupted)
    assert "refused" in str(failure.value)
    return failure.value


def test_a_plain_http_link_is_refused(server: StockServer, tmp_path: Path) -> None:
    # Given the rules of production, with the server's host among the allowed ones
    rules = DownloadRules(hosts=("127.0.0.1",))

    # When a provider's answer links to a file over plain http
    failure = _refused_download(rules, f"{server.url}{FILE}", tmp_path / "clip.mp4")

    # Then it is refused before any connection is made
    assert "only https://" in str(failure)
    assert server.connections == 0


def test_a_host_not_allowed_is_refused(server: StockServer, tmp_path: Path) -> None:
    # Given lab rules that allow 127.0.0.1 only, not the name "localhost"
    url = f"{server.url}{FILE}".replace("127.0.0.1", "localhost")

    # When a link names another host, even one that leads to the same server
    failure = _refused_download(LOCAL_DOWNLOADS, url, tmp_path / "clip.mp4")

    # Then it is refused, and the server never hears of it
    assert "localhost is not a host footage comes from" in str(failure)
    assert server.connections == 0


def test_a_name_that_resolves_to_a_loopback_address_is_refused(
    server: StockServer, tmp_path: Path
) -> None:
    # Given production rules that allow a host whose name resolves to this machine
    rules = DownloadRules(hosts=("localhost",))
    url = f"{server.url}{FILE}".replace("http://127.0.0.1", "https://localhost")

    # When a link names it
    failure = _refused_download(rules, url, tmp_path / "clip.mp4")

    # Then the address is refused before connecting
    assert "a loopback address" in str(failure)
    assert server.connections == 0


def test_the_cloud_metadata_address_is_refused_without_a_connection(tmp_path: Path) -> None:
    # Given production rules that (wrongly) list the metadata address as a host
    rules = DownloadRules(hosts=("169.254.169.254",))
    began = time.monotonic()

    # When a link points at it
    failure = _refused_download(
        rules, "https://169.254.169.254/latest/meta-data/", tmp_path / "clip.mp4"
    )

    # Then it is refused as link-local at once, without waiting on a connection
    assert "a link-local address" in str(failure)
    assert time.monotonic() - began < 0.25


def test_a_redirect_to_a_host_not_allowed_is_refused(server: StockServer, tmp_path: Path) -> None:
    # Given an allowed link that redirects to a host that is not allowed
    elsewhere = f"{server.url}/files/internal.mp4".replace("127.0.0.1", "localhost")
    server.add_file("/files/internal.mp4", b"secret")
    server.misbehave(FILE, Reply(status=302, headers={"Location": elsewhere}))

    # When it is downloaded
    failure = _refused_download(LOCAL_DOWNLOADS, f"{server.url}{FILE}", tmp_path / "clip.mp4")

    # Then the redirect is not followed: only the first hop reached the server
    assert "localhost is not a host" in str(failure)
    assert server.count(FILE) == 1
    assert server.count("/files/internal.mp4") == 0


def test_a_redirect_within_the_rules_is_followed(server: StockServer, tmp_path: Path) -> None:
    # Given an allowed link that redirects, as Pexels' links do, to an allowed host
    # When it is downloaded
    with Fetcher(LIMITS, LOCAL_DOWNLOADS) as fetcher:
        fetcher.download(f"{server.url}/redirect{FILE}", tmp_path / "clip.mp4")

    # Then the file arrives
    assert (tmp_path / "clip.mp4").read_bytes() == CLIP


def test_a_link_that_is_not_a_url_is_a_failed_download(tmp_path: Path) -> None:
    with Fetcher(LIMITS, LOCAL_DOWNLOADS) as fetcher, pytest.raises(FetchFailed):
        fetcher.download("https://", tmp_path / "clip.mp4")


def test_allowed_hosts_match_exactly_or_as_subdomains() -> None:
    rules = DownloadRules(hosts=("cdn.pixabay.com", ".vimeocdn.com"))
    assert rules.allows_host("cdn.pixabay.com")
    assert rules.allows_host("CDN.Pixabay.com.")
    assert rules.allows_host("vod-adaptive-ak.vimeocdn.com")
    assert not rules.allows_host("vimeocdn.com.attacker.example")
    assert not rules.allows_host("evilcdn.pixabay.com")
    assert not rules.allows_host("pixabay.com")


def test_the_defaults_allow_the_providers_file_hosts_over_https_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given no download settings in the environment
    for name in ("FOOTAGE_DOWNLOAD_HOSTS", "FOOTAGE_ALLOW_PRIVATE_ADDRESSES"):
        monkeypatch.delenv(f"T2V_{name}", raising=False)

    # When the footage service reads its settings
    rules = FootageSettings().download_rules

    # Then the hosts that Pexels and Pixabay answer with are allowed, and nothing private
    assert not rules.allow_private_addresses
    for host in ("videos.pexels.com", "player.vimeo.com", "cdn.pixabay.com"):
        assert rules.allows_host(host)
    assert not rules.allows_host("169.254.169.254")


def test_download_hosts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T2V_FOOTAGE_DOWNLOAD_HOSTS", "Media.Example.com, *.cdn.example.net")
    monkeypatch.setenv("T2V_FOOTAGE_ALLOW_PRIVATE_ADDRESSES", "true")
    rules = FootageSettings().download_rules
    assert rules == DownloadRules(("media.example.com", ".cdn.example.net"), True)
