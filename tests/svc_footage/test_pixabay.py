from collections.abc import Iterator

import pytest

from svc_footage.fetching import Fetcher, FetchFailed, FetchInterrupted, FetchLimits
from svc_footage.pixabay import Pixabay
from svc_footage.stock import Frame, StockVideo, VideoFile
from tests.svc_footage.stock_server import LOCAL_DOWNLOADS, PIXABAY_KEY, StockServer, pixabay_hit

LIMITS = FetchLimits(0.5, (0.05,), 0.5, download_max_bytes=10**6, download_timeout_seconds=2)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(LIMITS, LOCAL_DOWNLOADS) as fetcher:
        yield fetcher


def test_searches_videos_by_term(stock_server: StockServer, fetcher: Fetcher) -> None:
    # Given Pixabay with a landscape video for "forest" in two of its four renditions
    stock_server.pixabay_hits["forest"] = [
        pixabay_hit(
            125,
            12,
            {
                "medium": (1280, 720, "https://cdn/125_medium.mp4", 3_000_000),
                "tiny": (640, 360, "https://cdn/125_tiny.mp4", 900_000),
            },
            tags="forest, trees, sunlight",
        )
    ]
    pixabay = Pixabay(fetcher, stock_server.pixabay_base_url, PIXABAY_KEY, per_page=15)

    # When it is searched
    page = pixabay.search("forest", Frame(64, 112))

    # Then the key, term and page size were sent
    (request,) = stock_server.requests
    assert request.query == {"key": PIXABAY_KEY, "q": "forest", "per_page": "15"}
    # And the video comes back with the renditions it has, shaped like its largest, described
    # by its tags
    assert page.results == [
        StockVideo(
            "pixabay",
            "125",
            1280,
            720,
            12.0,
            (
                VideoFile("https://cdn/125_medium.mp4", 1280, 720, 3_000_000),
                VideoFile("https://cdn/125_tiny.mp4", 640, 360, 900_000),
            ),
            "forest trees sunlight",
        )
    ]


def test_long_terms_and_small_pages_are_kept_within_pixabay_limits(
    stock_server: StockServer, fetcher: Fetcher
) -> None:
    pixabay = Pixabay(fetcher, stock_server.pixabay_base_url, PIXABAY_KEY, per_page=1)
    pixabay.search("word " * 40, Frame(64, 112))
    (request,) = stock_server.requests
    assert len(request.query["q"]) == 100
    assert request.query["per_page"] == "3"


def test_a_wrong_key_fails_without_retrying(stock_server: StockServer, fetcher: Fetcher) -> None:
    # Given a key Pixabay does not know (it answers 400 with a line of text)
    pixabay = Pixabay(fetcher, stock_server.pixabay_base_url, "not-the-key", per_page=5)

    # When it is searched, Then it fails at the first answer
    with pytest.raises(FetchFailed, match="HTTP 400") as failure:
        pixabay.search("forest", Frame(64, 112))
    assert not isinstance(failure.value, FetchInterrupted)
    assert len(stock_server.requests) == 1
