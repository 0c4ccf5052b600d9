"""Video and photo search on Pixabay (https://pixabay.com/api/docs/)."""

from pydantic import BaseModel, Field, ValidationError

from common.messages import FootageProvider
from svc_footage.fetching import Fetcher, FetchFailed
from svc_footage.stock import Frame, Page, StockPhoto, StockVideo, VideoFile, description_of

# Pixabay refuses longer queries and fewer than 3 results a page.
MAX_QUERY_CHARS = 100
MIN_PER_PAGE = 3
# Pixabay's largeImageURL is the picture scaled to fit within this many pixels a side.
LARGE_IMAGE_SIDE = 1280
# Pixabay's image search filter for each shape of frame.
IMAGE_ORIENTATIONS = {"landscape": "horizontal", "portrait": "vertical", "square": "all"}


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
    page_url: str | None = Field(default=None, alias="pageURL")
    tags: str = ""  # "seagull, bird, sea"


class _SearchResults(BaseModel):
    hits: list[_Hit]
    total_hits: int = Field(default=0, alias="totalHits")


class _ImageHit(BaseModel):
    id: int
    page_url: str | None = Field(default=None, alias="pageURL")
    tags: str = ""
    large_image_url: str = Field(default="", alias="largeImageURL")
    width: int = Field(default=0, alias="imageWidth")
    height: int = Field(default=0, alias="imageHeight")


class _ImageResults(BaseModel):
    hits: list[_ImageHit]
    total_hits: int = Field(default=0, alias="totalHits")


class Pixabay:
    name: FootageProvider = "pixabay"

    def __init__(self, fetcher: Fetcher, base_url: str, api_key: str, per_page: int) -> None:
        self._fetcher = fetcher
        self._url = f"{base_url.rstrip('/')}/videos/"
        self._images_url = f"{base_url.rstrip('/')}/"
        self._api_key = api_key
        self._per_page = max(MIN_PER_PAGE, per_page)

    def search(self, term: str, frame: Frame, page: int = 1) -> Page:
        # Pixabay's video search has no orientation filter: the ranking sorts shapes out.
        params = self._params(term, page)
        body = self._fetcher.get_json(self._url, params=params)
        try:
            results = _SearchResults.model_validate(body)
        except ValidationError as exc:
            raise FetchFailed("the search answer is not Pixabay's video search format") from exc
        videos = [video for video in map(_stock_video, results.hits) if video.files]
        return Page(videos, page * self._per_page < results.total_hits)

    def search_photos(self, term: str, frame: Frame) -> Page:
        params = {
            **self._params(term, page=1),
            "image_type": "photo",
            "orientation": IMAGE_ORIENTATIONS[frame.orientation],
        }
        body = self._fetcher.get_json(self._images_url, params=params)
        try:
            results = _ImageResults.model_validate(body)
        except ValidationError as exc:
            raise FetchFailed("the search answer is not Pixabay's image search format") from exc
        photos: list[StockVideo] = [
            photo for photo in map(_stock_photo, results.hits) if photo.files
        ]
        return Page(photos, self._per_page < results.total_hits)

    def _params(self, term: str, page: int) -> dict[str, str | int]:
        params: dict[str, str | int] = {
            "key": self._api_key,
            "q": term[:MAX_QUERY_CHARS],
            "per_page": self._per_page,
        }
        if page > 1:
            params["page"] = page
        return params


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
        description=description_of(None, hit.tags, _page_words(hit.page_url)),
    )


def _stock_photo(hit: _ImageHit) -> StockPhoto:
    # Only the large size is downloaded, so it is the size the ranking weighs.
    width = height = 0
    if hit.large_image_url and hit.width > 0 and hit.height > 0:
        scale = min(LARGE_IMAGE_SIDE / max(hit.width, hit.height), 1.0)
        width, height = max(1, round(hit.width * scale)), max(1, round(hit.height * scale))
    files = (VideoFile(hit.large_image_url, width, height),) if width else ()
    return StockPhoto(
        provider="pixabay",
        id=str(hit.id),
        width=width,
        height=height,
        duration=0.0,
        files=files,
        description=description_of(None, hit.tags, _page_words(hit.page_url)),
    )


def _page_words(page_url: str | None) -> str:
    """The words of a page address's last part: "seagull-bird-sea-12345" as a description."""
    return description_of(page_url)
