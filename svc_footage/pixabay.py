"""Video search on Pixabay (https://pixabay.com/api/docs/#api_search_videos)."""

from pydantic import BaseModel, ValidationError

from common.messages import FootageProvider
from svc_footage.fetching import Fetcher, FetchFailed
from svc_footage.stock import Frame, StockVideo, VideoFile

# Pixabay refuses longer queries and fewer than 3 results a page.
MAX_QUERY_CHARS = 100
MIN_PER_PAGE = 3


class _Rendition(BaseModel):
    # A rendition Pixabay does not have comes as an empty url with zero sizes.
    url: str = ""
    width: int = 0
    height: int = 0
    size: int | None = None


class _Hit(BaseModel):
    id: int
    duration: float
    videos: dict[str, _Rendition]  # "large", "medium", "small", "tiny"


class _SearchResults(BaseModel):
    hits: list[_Hit]


class Pixabay:
    name: FootageProvider = "pixabay"

    def __init__(self, fetcher: Fetcher, base_url: str, api_key: str, per_page: int) -> None:
        self._fetcher = fetcher
        self._url = f"{base_url.rstrip('/')}/videos/"
        self._api_key = api_key
        self._per_page = max(MIN_PER_PAGE, per_page)

    def search(self, term: str, frame: Frame) -> list[StockVideo]:
        # Pixabay's video search has no orientation filter: the ranking sorts shapes out.
        body = self._fetcher.get_json(
            self._url,
            params={"key": self._api_key, "q": term[:MAX_QUERY_CHARS], "per_page": self._per_page},
        )
        try:
            results = _SearchResults.model_validate(body)
        except ValidationError as exc:
            raise FetchFailed("the search answer is not Pixabay's video search format") from exc
        return [video for video in map(_stock_video, results.hits) if video.files]


def _stock_video(hit: _Hit) -> StockVideo:
    files = tuple(
        VideoFile(
            url=rendition.url,
            width=rendition.width,
            height=rendition.height,
            size=rendition.size or None,
        )
        for rendition in hit.videos.values()
        if rendition.url and rendition.width and rendition.height
    )
    # The hit itself states no size; its largest rendition has the original's shape.
    largest = max(files, key=lambda file: file.width * file.height, default=None)
    return StockVideo(
        provider="pixabay",
        id=str(hit.id),
        width=largest.width if largest else 0,
        height=largest.height if largest else 0,
        duration=hit.duration,
        files=files,
    )
