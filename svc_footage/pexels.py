"""Video and photo search on Pexels (https://www.pexels.com/api/documentation/)."""

from pydantic import BaseModel, ValidationError

from common.messages import FootageProvider
from svc_footage.fetching import Fetcher, FetchFailed
from svc_footage.stock import Frame, Page, StockPhoto, StockVideo, VideoFile, description_of

# Pexels' "large2x" and "large" photo sizes fit the picture within these boxes.
PHOTO_BOXES = {"large2x": (1880, 1300), "large": (940, 650)}
# Pexels answers pages up to this number; asking for more is refused.
MAX_PAGE = 1000


class _File(BaseModel):
    # Streaming renditions (HLS) come without a size or a quality.
    file_type: str | None = None
    width: int | None = None
    height: int | None = None
    link: str


class _Video(BaseModel):
    id: int
    width: int
    height: int
    duration: float
    video_files: list[_File]
    url: str | None = None  # the video's page, named after its title
    tags: list[str] = []


class _SearchResults(BaseModel):
    videos: list[_Video]
    total_results: int = 0


class _Photo(BaseModel):
    id: int
    width: int
    height: int
    url: str | None = None
    alt: str | None = None  # a sentence about the picture
    src: dict[str, str]  # "original", "large2x", "large", "medium", ...


class _PhotoResults(BaseModel):
    photos: list[_Photo]
    total_results: int = 0


class Pexels:
    name: FootageProvider = "pexels"

    def __init__(self, fetcher: Fetcher, base_url: str, api_key: str, per_page: int) -> None:
        self._fetcher = fetcher
        self._url = f"{base_url.rstrip('/')}/videos/search"
        self._photos_url = f"{base_url.rstrip('/')}/v1/search"
        self._api_key = api_key
        self._per_page = per_page

    def search(self, term: str, frame: Frame, page: int = 1) -> Page:
        body = self._get(self._url, term, frame, _minimum_size(frame), page)
        try:
            results = _SearchResults.model_validate(body)
        except ValidationError as exc:
            raise FetchFailed("the search answer is not Pexels' video search format") from exc
        videos = [video for video in map(_stock_video, results.videos) if video.files]
        return Page(videos, self._more(page, results.total_results))

    def search_photos(self, term: str, frame: Frame) -> Page:
        body = self._get(self._photos_url, term, frame, _minimum_photo_size(frame), page=1)
        try:
            results = _PhotoResults.model_validate(body)
        except ValidationError as exc:
            raise FetchFailed("the search answer is not Pexels' photo search format") from exc
        photos: list[StockVideo] = [
            photo for photo in map(_stock_photo, results.photos) if photo.files
        ]
        return Page(photos, self._more(1, results.total_results))

    def _get(self, url: str, term: str, frame: Frame, size: str, page: int) -> object:
        params: dict[str, str | int] = {
            "query": term,
            "orientation": frame.orientation,
            "size": size,
            "per_page": self._per_page,
        }
        if page > 1:
            params["page"] = page
        return self._fetcher.get_json(url, params=params, headers={"Authorization": self._api_key})

    def _more(self, page: int, total: int) -> bool:
        return page < MAX_PAGE and page * self._per_page < total


def _minimum_size(frame: Frame) -> str:
    """Pexels' size filter: the least of 4K, Full HD and HD that fills the frame."""
    if frame.short_side > 1080:
        return "large"
    if frame.short_side > 720:
        return "medium"
    return "small"


def _minimum_photo_size(frame: Frame) -> str:
    """Pexels' photo size filter: 12 megapixels for a frame over 4, else 4 (its least)."""
    return "medium" if frame.width * frame.height > 4_000_000 else "small"


def _stock_video(video: _Video) -> StockVideo:
    return StockVideo(
        provider="pexels",
        id=str(video.id),
        width=video.width,
        height=video.height,
        duration=video.duration,
        files=tuple(
            VideoFile(url=file.link, width=file.width, height=file.height)
            for file in video.video_files
            if file.file_type == "video/mp4" and file.width and file.height
        ),
        description=description_of(video.url, " ".join(video.tags[:20])),
    )


def _stock_photo(photo: _Photo) -> StockPhoto:
    files = []
    if photo.width > 0 and photo.height > 0:
        if "original" in photo.src:
            files.append(VideoFile(photo.src["original"], photo.width, photo.height))
        for name, box in PHOTO_BOXES.items():
            if name in photo.src:
                files.append(VideoFile(photo.src[name], *_fitted(photo.width, photo.height, box)))
    return StockPhoto(
        provider="pexels",
        id=str(photo.id),
        width=photo.width,
        height=photo.height,
        duration=0.0,
        files=tuple(files),
        # Its alt text says what it shows; the page's name is mostly the same words.
        description=description_of(None, photo.alt) if photo.alt else description_of(photo.url),
    )


def _fitted(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """The size of a ``width`` x ``height`` picture scaled down to fit within ``box``."""
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))
