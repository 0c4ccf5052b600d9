import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.errors import ProviderUnavailable, TransientError
from svc_footage.fetching import (
    Fetcher,
    FetchFailed,
    FetchInterrupted,
    FetchLimits,
    retry_after_seconds,
)
from tests.svc_footage.stock_server import LOCAL_DOWNLOADS, Reply, StockServer

LIMITS = FetchLimits(
    request_timeout_seconds=0.3,
    retry_delays=(0.05, 0.05),
    max_retry_after_seconds=0.5,
    download_max_bytes=50_000,
    download_timeout_seconds=2.0,
)
JSON = "/search.json"
FILE = "/files/clip.mp4"
CLIP = bytes(range(256)) * 40  # 10 KiB


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(LIMITS, LOCAL_DOWNLOADS) as fetcher:
        yield fetcher


@pytest.fixture
def server(stock_server: StockServer) -> StockServer:
    stock_server.add_file(JSON, b'{"hits": []}', "application/json")
    stock_server.add_file(FILE, CLIP)
    return stock_server


def test_a_server_error_is_tried_again_until_it_answers(
    server: StockServer, fetcher: Fetcher
) -> None:
    # Given a search that fails twice with server errors, then answers
    server.misbehave(JSON, Reply(status=503), Reply(status=502))

    # When its JSON is fetched, Then the answer arrives on the third try
    assert fetcher.get_json(f"{server.url}{JSON}", params={}) == {"hits": []}
    assert server.count(JSON) == 3


def test_server_errors_that_last_give_up_after_the_retries(
    server: StockServer, fetcher: Fetcher
) -> None:
    # Given a search that always fails with a server error
    server.misbehave(JSON, *[Reply(status=500)] * 5)

    # When its JSON is fetched, Then it fails once every retry has been spent
    with pytest.raises(FetchInterrupted, match="HTTP 500"):
        fetcher.get_json(f"{server.url}{JSON}", params={})
    assert server.count(JSON) == 1 + len(LIMITS.retry_delays)


def test_a_failure_that_outlasts_the_retries_is_an_unavailable_provider(
    server: StockServer, fetcher: Fetcher
) -> None:
    # Given a search that always fails with a server error
    server.misbehave(JSON, *[Reply(status=503)] * 5)

    # When its JSON is fetched
    with pytest.raises(FetchInterrupted) as failure:
        fetcher.get_json(f"{server.url}{JSON}", params={})

    # Then the failure asks for the next source, not for the stage to run again later
    assert isinstance(failure.value, ProviderUnavailable)
    assert not isinstance(failure.value, TransientError)


def test_too_many_requests_waits_as_long_as_retry_after_says(
    server: StockServer, fetcher: Fetcher
) -> None:
    # Given a provider that is rate limited for 0.3 s
    server.misbehave(JSON, Reply(status=429, headers={"Retry-After": "0.3"}))
    began = time.monotonic()

    # When its JSON is fetched
    answer = fetcher.get_json(f"{server.url}{JSON}", params={})

    # Then the second try waited out the limit (not just the short retry delay)
    assert answer == {"hits": []}
    assert time.monotonic() - began >= 0.3
    assert server.count(JSON) == 2


def test_a_retry_after_longer_than_the_cap_gives_up_at_once(
    server: StockServer, fetcher: Fetcher
) -> None:
    # Given a provider that is out of quota for an hour
    server.misbehave(JSON, Reply(status=429, headers={"Retry-After": "3600"}))
    began = time.monotonic()

    # When its JSON is fetched, Then it fails at once, without asking again
    with pytest.raises(FetchInterrupted, match="HTTP 429"):
        fetcher.get_json(f"{server.url}{JSON}", params={})
    assert time.monotonic() - began < 0.3
    assert server.count(JSON) == 1


def test_a_timeout_is_tried_again(server: StockServer, fetcher: Fetcher) -> None:
    # Given a provider that stalls longer than the timeout, then answers
    server.misbehave(JSON, Reply(delay=0.6))

    # When its JSON is fetched, Then the second try gets the answer
    assert fetcher.get_json(f"{server.url}{JSON}", params={}) == {"hits": []}
    assert server.count(JSON) == 2


def test_a_provider_that_keeps_stalling_fails_as_timed_out(
    server: StockServer, fetcher: Fetcher
) -> None:
    # Given a provider that stalls on every request
    server.misbehave(JSON, *[Reply(delay=0.6)] * 3)
    began = time.monotonic()

    # When its JSON is fetched, Then it fails after the retries, each cut short by the timeout
    with pytest.raises(FetchInterrupted, match="timed out"):
        fetcher.get_json(f"{server.url}{JSON}", params={})
    assert time.monotonic() - began < 1.5


def test_client_errors_are_not_tried_again(server: StockServer, fetcher: Fetcher) -> None:
    # Given a provider that refuses the key
    server.misbehave(JSON, Reply(status=403, body=b'{"error": "Forbidden"}'))

    # When its JSON is fetched, Then it fails for good on the first answer
    with pytest.raises(FetchFailed, match="HTTP 403") as failure:
        fetcher.get_json(f"{server.url}{JSON}", params={})
    assert not isinstance(failure.value, FetchInterrupted)
    assert server.count(JSON) == 1


def test_an_answer_that_is_not_json_is_tried_again(server: StockServer, fetcher: Fetcher) -> None:
    # Given a proxy that answers with an HTML page every time
    page = Reply(body=b"<html>Please log in</html>", headers={"Content-Type": "text/html"})
    server.misbehave(JSON, page, page, page)

    # When the JSON is fetched, Then it fails as not JSON, after the retries
    with pytest.raises(FetchInterrupted, match=r"not JSON \(text/html\)"):
        fetcher.get_json(f"{server.url}{JSON}", params={})
    assert server.count(JSON) == 3


def test_parameters_and_headers_are_sent(server: StockServer, fetcher: Fetcher) -> None:
    # When JSON is fetched with parameters and a header
    fetcher.get_json(
        f"{server.url}{JSON}", params={"q": "blue sky", "per_page": 3}, headers={"X-Key": "k"}
    )

    # Then the server got them
    (request,) = server.requests
    assert request.query == {"q": "blue sky", "per_page": "3"}
    assert request.headers["x-key"] == "k"


def test_downloads_the_whole_file(server: StockServer, fetcher: Fetcher, tmp_path: Path) -> None:
    # When a file is downloaded
    fetcher.download(f"{server.url}{FILE}", tmp_path / "clip.mp4")

    # Then every byte arrived
    assert (tmp_path / "clip.mp4").read_bytes() == CLIP


def test_a_download_cut_off_early_is_tried_again(
    server: StockServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    # Given a server that hangs up half way through the file once
    server.misbehave(FILE, Reply(cut_at=len(CLIP) // 2))

    # When the file is downloaded, Then the second try gets all of it
    fetcher.download(f"{server.url}{FILE}", tmp_path / "clip.mp4")
    assert (tmp_path / "clip.mp4").read_bytes() == CLIP
    assert server.count(FILE) == 2


def test_a_download_that_keeps_breaking_off_fails(
    server: StockServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    # Given a server that always hangs up early
    server.misbehave(FILE, *[Reply(cut_at=1000)] * 3)

    # When the file is downloaded, Then it fails as cut off
    with pytest.raises(FetchInterrupted, match="broke off"):
        fetcher.download(f"{server.url}{FILE}", tmp_path / "clip.mp4")
    assert server.count(FILE) == 3


def test_a_file_declared_over_the_size_limit_is_not_downloaded(
    server: StockServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    # Given a file larger than the limit
    server.add_file(FILE, bytes(LIMITS.download_max_bytes + 1))

    # When it is downloaded, Then it is refused from its Content-Length, once and for all
    with pytest.raises(FetchFailed, match="over 50000") as failure:
        fetcher.download(f"{server.url}{FILE}", tmp_path / "clip.mp4")
    assert not isinstance(failure.value, FetchInterrupted)
    assert server.count(FILE) == 1


def test_a_file_of_unknown_size_is_stopped_at_the_size_limit(
    server: StockServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    # Given a file larger than the limit, sent without a Content-Length
    server.add_file(FILE, bytes(LIMITS.download_max_bytes * 4))
    server.misbehave(FILE, Reply(no_length=True))

    # When it is downloaded, Then it is abandoned once the limit is passed
    with pytest.raises(FetchFailed, match="over 50000 bytes"):
        fetcher.download(f"{server.url}{FILE}", tmp_path / "clip.mp4")
    assert server.count(FILE) == 1
    assert (tmp_path / "clip.mp4").stat().st_size <= LIMITS.download_max_bytes


def test_a_download_slower_than_the_time_limit_is_abandoned(
    server: StockServer, tmp_path: Path
) -> None:
    # Given a server that sends a kibibyte every 0.05 s, never stalling long enough to time out
    server.misbehave(FILE, Reply(drip=0.05))
    limits = FetchLimits(0.3, (0.05,), 0.5, download_max_bytes=50_000, download_timeout_seconds=0.2)
    began = time.monotonic()

    # When the file is downloaded with a 0.2 s limit, Then it is abandoned near the limit
    with Fetcher(limits, LOCAL_DOWNLOADS) as fetcher, pytest.raises(FetchFailed, match="too slow"):
        fetcher.download(f"{server.url}{FILE}", tmp_path / "clip.mp4")
    assert time.monotonic() - began < 0.5


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    now = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "0.25"}) == 0.25
    assert retry_after_seconds({"retry-after": "Tue, 14 Nov 2023 22:13:50 GMT"}, now) == 30.0
    # A date already past means now
    assert retry_after_seconds({"retry-after": "Tue, 14 Nov 2023 22:00:00 GMT"}, now) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({"retry-after": "nan"}) is None
    assert retry_after_seconds({}) is None
