from collections.abc import Iterator

import pytest

from svc_footage.fetching import Fetcher, FetchFailed, FetchLimits
from svc_footage.pexels import Pexels
from svc_footage.stock import Frame, StockVideo, VideoFile
from tests.svc_footage.stock_server import (
    LOCAL_DOWNLOADS,
    PEXELS_KEY,
    Reply,
    StockServer,
    pexels_video,
)

LIMITS = FetchLimits(0.5, (0.05,), 0.5, download_max_bytes=10**6, download_timeout_seconds=2)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(LIMITS, LOCAL_DOWNLOADS) as fetcher:
        yield fetcher


def test_searches_videos_by_term_shape_and_size(
    stock_server: StockServer, fetcher: Fetcher
) -> None:
    # Given Pexels with one portrait video for "city night", in two sizes and a stream
    video = pexels_video(
        2_499_611,
        1080,
        1920,
        14,
        [(99, "https://cdn/sd.mp4"), (100, "https://cdn/hd.mp4")],
        title="Aerial view of a city at night",
        tags=("lights", "<b>skyline</b>", "4k"),
    )
    video["video_files"][0].update(width=540, height=960)
    stock_server.pexels_videos["city night"] = [video]
    pexels = Pexels(fetcher, stock_server.pexels_base_url, PEXELS_KEY, per_page=15)

    # When it is searched for a Full HD portrait video
    page = pexels.search("city night", Frame(1080, 1920))

    # Then the search asked for that shape and size, with the key in the header
    (request,) = stock_server.requests
    assert request.query == {
        "query": "city night",
        "orientation": "portrait",
        "size": "medium",
        "per_page": "15",
    }
    assert request.headers["authorization"] == PEXELS_KEY
    # And the video comes back with its MP4 files only, described by the words of its
    # page's name and its tags
    assert page.results == [
        StockVideo(
            "pexels",
            "2499611",
            1080,
            1920,
            14.0,
            (
                VideoFile("https://cdn/sd.mp4", 540, 960),
                VideoFile("https://cdn/hd.mp4", 1080, 1920),
            ),
            "aerial view of city at night lights skyline",
        )
    ]
    assert page.results[0].source == "pexels:2499611"
    assert not page.more


def test_asks_for_the_smallest_pexels_size_that_fills_the_frame(
    stock_server: StockServer, fetcher: Fetcher
) -> None:
    pexels = Pexels(fetcher, stock_server.pexels_base_url, PEXELS_KEY, per_page=5)
    for frame in (Frame(540, 960), Frame(1920, 1080), Frame(2160, 3840)):
        pexels.search("sea", frame)
    assert [(r.query["orientation"], r.query["size"]) for r in stock_server.requests] == [
        ("portrait", "small"),
        ("landscape", "medium"),
        ("portrait", "large"),
    ]


def test_nothing_found_is_an_empty_list(stock_server: StockServer, fetcher: Fetcher) -> None:
    pexels = Pexels(fetcher, stock_server.pexels_base_url, PEXELS_KEY, per_page=5)
    assert pexels.search("zxqv", Frame(64, 112)).results == []


def test_a_wrong_key_fails(stock_server: StockServer, fetcher: Fetcher) -> None:
    pexels = Pexels(fetcher, stock_server.pexels_base_url, "not-the-key", per_page=5)
    with pytest.raises(FetchFailed, match="HTTP 401"):
        pexels.search("sea", Frame(64, 112))


def test_an_answer_in_another_format_fails(stock_server: StockServer, fetcher: Fetcher) -> None:
    # Given a server that answers the search with JSON of another shape
    stock_server.misbehave("/pexels/videos/search", Reply(body=b'{"photos": []}'))
    pexels = Pexels(fetcher, stock_server.pexels_base_url, PEXELS_KEY, per_page=5)

    # When it is searched, Then that is a failure, not an empty result
    with pytest.raises(FetchFailed, match="not Pexels' video search format"):
        pexels.search("sea", Frame(64, 112))
