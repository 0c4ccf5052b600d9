"""Video search on Pexels (https://www.pexels.com/api/documentation/#videos-search)."""

from pydantic import BaseModel, ValidationError

from common.messages import FootageProvider
from svc_footage.fetching import Fetcher, FetchFailed
from svc_footage.stock import Frame, StockVideo, VideoFile


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


class _SearchResults(BaseModel):
    videos: list[_Video]


class Pexels:
    name: FootageProvider = "pexels"

    def __init__(self, fetcher: Fetcher, base_url: str, api_key: str, per_page: int) -> None:
        self._fetcher = fetcher
        self._url = f"{base_url.rstrip('/')}/videos/search"
        self._api_key = api_key
        self._per_page = per_page

    def search(self, term: str, frame: Frame) -> list[StockVideo]:
        body = self._fetcher.get_json(
            self._url,
            params={
                "query": term,
                "orientation": frame.orientation,
                "size": _minimum_size(frame),
                "per_page": self._per_page,
            },
            headers={"Authorization": self._api_key},
        )
        try:
            results = _SearchResults.model_validate(body)
        except ValidationError as exc:
            raise FetchFailed("the search answer is not Pexels' video search format") from exc
        return [video for video in map(_stock_video, results.videos) if video.files]


def _minimum_size(frame: Frame) -> str:
    """Pexels' size filter: the least of 4K, Full HD and HD that fills the frame."""
    if frame.short_side > 1080:
        return "large"
    if frame.short_side > 720:
        return "medium"
    return "small"


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
    )
