"""Stock results chosen by relevance to what is said, more pages when weak, photos last.

Pexels and Pixabay are played by the local stock server, in their own wire formats; the
matcher is the default, ``words``.
"""

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pydantic import SecretStr

from common.artifacts import JobPaths
from common.documents import (
    FootageClip,
    FootageManifest,
    Queries,
    QuerySegment,
    load_document,
    save_document,
)
from common.messages import JobOptions, StageMessage
from common.settings import Settings
from svc_footage.relevance import WORDS_FLOOR
from svc_footage.settings import FootageSettings
from svc_footage.sources import WEAK_MARGIN
from svc_footage.stage import FootageStage
from svc_footage.stock import MAX_DESCRIPTION_WORDS, description_of
from tests.svc_footage.conftest import LANDSCAPE, PORTRAIT
from tests.svc_footage.stock_server import (
    LOCAL_DOWNLOADS,
    PEXELS_KEY,
    PIXABAY_KEY,
    Reply,
    StockServer,
    pexels_photo,
    pexels_video,
    pixabay_image,
)

SMALL = JobOptions(width=64, height=112, fps=10)


@pytest.fixture(scope="module")
def photo() -> bytes:
    """A real JPEG, portrait like the tests' jobs."""
    picture = np.zeros((112, 64, 3), dtype=np.uint8)
    picture[::8] = (200, 180, 40)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="JPEG")
    return buffer.getvalue()


def _settings(settings: Settings, server: StockServer, **overrides: Any) -> FootageSettings:
    values: dict[str, Any] = {
        "footage_providers": ("pexels", "pixabay", "generated"),
        "footage_dir": None,
        "footage_matcher": "words",
        "footage_download_hosts": LOCAL_DOWNLOADS.hosts,
        "footage_allow_private_addresses": LOCAL_DOWNLOADS.allow_private_addresses,
        "pexels_api_key": SecretStr(PEXELS_KEY),
        "pixabay_api_key": None,
        "pexels_base_url": server.pexels_base_url,
        "pixabay_base_url": server.pixabay_base_url,
        "footage_request_timeout_seconds": 0.3,
        "footage_retry_delays": (0.05,),
        "footage_max_retry_after_seconds": 0.5,
    }
    return FootageSettings(data_dir=settings.data_dir, **{**values, **overrides})


def _job(
    settings: Settings, job_id: str, text: str, terms: list[str]
) -> tuple[StageMessage, JobPaths]:
    """A job of one second-long segment that says ``text``, searched for by ``terms``."""
    paths = JobPaths(settings.data_dir, job_id)
    save_document(
        Queries(segments=[QuerySegment(start=0.0, end=1.0, text=text, terms=terms)]),
        paths.queries,
    )
    message = StageMessage(
        job_id=job_id,
        text=text,
        options=SMALL,
        artifacts={"queries": paths.relative(paths.queries)},
    )
    return message, paths


def _video(
    server: StockServer, term: str, video_id: int, title: str, body: bytes, size: tuple[int, int]
) -> None:
    """Pexels finds a video titled ``title`` for ``term``, served at /files/pexels-<id>.mp4."""
    url = server.add_file(f"/files/pexels-{video_id}.mp4", body)
    server.pexels_videos.setdefault(term, []).append(
        pexels_video(video_id, *size, 1, [(video_id * 10, url)], title=title)
    )


def _photo(server: StockServer, term: str, photo_id: int, alt: str, body: bytes) -> None:
    url = server.add_file(f"/files/photo-{photo_id}.jpg", body, "image/jpeg")
    server.pexels_photos.setdefault(term, []).append(pexels_photo(photo_id, *PORTRAIT, url, alt))


def _only_clip(paths: JobPaths) -> FootageClip:
    (clip,) = load_document(FootageManifest, paths.footage_manifest).clips
    return clip


def test_a_relevant_video_of_the_wrong_shape_beats_a_fitting_irrelevant_one(
    settings: Settings,
    stock_server: StockServer,
    portrait_clips: list[bytes],
    landscape_clip: bytes,
) -> None:
    # Given Pexels listing first a portrait video of something else, then a landscape
    # video of what is said, for a portrait job
    _video(stock_server, "beach", 1, "office desk with a laptop", portrait_clips[0], PORTRAIT)
    _video(stock_server, "beach", 2, "waves on a sandy beach", landscape_clip, LANDSCAPE)
    job, paths = _job(settings, "rank1", "Waves rolled up the sandy beach.", ["beach", "waves"])

    # When the stage runs
    FootageStage(_settings(settings, stock_server)).run(job, paths, lambda note: None)

    # Then the relevant video is shown, with its score, and the other never downloaded
    clip = _only_clip(paths)
    assert (clip.source, clip.term) == ("pexels:2", "beach")
    assert clip.score is not None and clip.score >= WORDS_FLOOR + WEAK_MARGIN
    assert stock_server.count("/files/pexels-1.mp4") == 0


def test_a_video_under_the_floor_is_never_downloaded_though_it_shares_a_word(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given Pexels with a video titled "desert highway at noon" for "noon", and nothing else
    _video(stock_server, "noon", 1, "desert highway at noon", portrait_clips[0], PORTRAIT)
    job, paths = _job(
        settings,
        "floor1",
        "By noon, the market square was full of voices.",
        ["market square", "noon"],
    )

    # When the stage runs
    FootageStage(_settings(settings, stock_server)).run(job, paths, lambda note: None)

    # Then the segment gets a generated clip, and the video was never fetched
    assert _only_clip(paths).source == "generated"
    assert stock_server.count("/files/") == 0
    # And photos were searched for, for each term, before giving up
    assert stock_server.searches("pexels", "photos") == ["market square", "noon"]


def test_a_weak_first_page_asks_once_for_the_second(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given three results a page; on the first only a weak match (it clears the floor,
    # not by the margin), on the second a strong one, and more pages after that
    for video_id in (1, 2):
        _video(stock_server, "harbour", video_id, "old car tyres", portrait_clips[0], PORTRAIT)
    _video(stock_server, "harbour", 3, "harbour wall and crane", portrait_clips[1], PORTRAIT)
    _video(stock_server, "harbour", 4, "fishing boats in a harbour", portrait_clips[2], PORTRAIT)
    for video_id in range(5, 11):
        _video(stock_server, "harbour", video_id, "fishing boats", portrait_clips[3], PORTRAIT)
    text, terms = "Fishing boats rocked in the harbour.", ["harbour", "fishing boats"]
    job, paths = _job(settings, "page1", text, terms)
    stage = FootageStage(_settings(settings, stock_server, footage_results_per_search=3))
    weak = stage.matcher.scores("\n".join([text, *terms]), ["harbour wall and crane"])[0]
    assert WORDS_FLOOR <= weak < WORDS_FLOOR + WEAK_MARGIN

    # When the stage runs
    stage.run(job, paths, lambda note: None)

    # Then the first term's second page was asked for exactly once, and no third
    assert stock_server.searches("pexels") == ["harbour", "harbour#2"]
    # And the strong match of the second page is shown
    assert _only_clip(paths).source == "pexels:4"


def test_a_strong_first_page_asks_for_no_more(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given a full first page with a strong match, and more pages after it
    title, clip = "fishing boats in a harbour", portrait_clips[0]
    for video_id in range(1, 7):
        _video(stock_server, "harbour", video_id, title, clip, PORTRAIT)
    job, paths = _job(settings, "page2", "Fishing boats rocked in the harbour.", ["harbour"])

    # When the stage runs, Then only the first page was asked for
    stage = FootageStage(_settings(settings, stock_server, footage_results_per_search=3))
    stage.run(job, paths, lambda note: None)
    assert stock_server.searches("pexels") == ["harbour"]
    assert _only_clip(paths).source == "pexels:1"


def test_with_no_relevant_video_a_photo_is_shown_and_named_with_its_score(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes], photo: bytes
) -> None:
    # Given Pexels with only an unrelated video, and photos: one unrelated, one relevant
    _video(stock_server, "lighthouse", 1, "city traffic at night", portrait_clips[0], PORTRAIT)
    _photo(stock_server, "lighthouse", 7, "A bowl of ramen noodles", photo)
    _photo(stock_server, "lighthouse", 8, "White lighthouse on a rocky coast", photo)
    job, paths = _job(
        settings, "photo1", "The lighthouse stood on the rocky coast.", ["lighthouse", "coast"]
    )
    stage = FootageStage(_settings(settings, stock_server))

    # When the stage runs
    result = stage.run(job, paths, lambda note: None)

    # Then the relevant photo is the clip, named and scored in the manifest
    clip = _only_clip(paths)
    assert (clip.source, clip.term) == ("pexels-photo:8", "lighthouse")
    assert clip.score is not None and clip.score >= WORDS_FLOOR
    assert result.provider == "pexels-photo"
    file = paths.resolve(clip.path)
    assert (file.name, file.read_bytes()) == ("clip_000.jpg", photo)
    # And the photo search asked for the frame's shape, and the photo is kept in the cache
    request = next(r for r in stock_server.requests if r.path == "/pexels/v1/search")
    assert request.query["orientation"] == "portrait"
    assert [path.name for path in stage.settings.footage_cache_dir.iterdir()] == [
        "pexels-photo-8-64x112.jpg"
    ]
    # And neither the unrelated video nor the unrelated photo was downloaded
    assert stock_server.count("/files/pexels-1.mp4") == stock_server.count("/files/photo-7") == 0


def test_pixabay_photos_are_searched_in_its_own_format(
    settings: Settings, stock_server: StockServer, photo: bytes
) -> None:
    # Given only Pixabay, with no videos but a photo of what is said
    url = stock_server.add_file("/files/pixabay-photo-3.jpg", photo, "image/jpeg")
    stock_server.pixabay_images["fox"] = [pixabay_image(3, *PORTRAIT, url, "fox, animal, snow")]
    job, paths = _job(settings, "photo2", "A red fox crossed the snow.", ["fox"])
    only_pixabay = _settings(
        settings,
        stock_server,
        footage_providers=("pixabay",),
        pexels_api_key=None,
        pixabay_api_key=SecretStr(PIXABAY_KEY),
    )

    # When the stage runs
    FootageStage(only_pixabay).run(job, paths, lambda note: None)

    # Then Pixabay's photo is shown, found by a photo search of the frame's shape
    assert _only_clip(paths).source == "pixabay-photo:3"
    request = next(r for r in stock_server.requests if r.path == "/pixabay/api/")
    assert (request.query["image_type"], request.query["orientation"]) == ("photo", "vertical")


NOT_PICTURES = {
    "a web page": Reply(body=b"<html>Not here</html>", headers={"Content-Type": "text/html"}),
    "a video": None,  # the photo's address serves a video of many frames
}


@pytest.mark.parametrize("reply", NOT_PICTURES.values(), ids=NOT_PICTURES.keys())
def test_a_photo_download_that_is_not_a_picture_is_refused(
    settings: Settings,
    stock_server: StockServer,
    portrait_clips: list[bytes],
    photo: bytes,
    reply: Reply | None,
) -> None:
    # Given two relevant photos, the better of which is not a picture once downloaded
    _photo(stock_server, "kite", 1, "a red kite in the sky", photo)
    _photo(stock_server, "kite", 2, "a kite on a beach", photo)
    if reply is None:
        stock_server.add_file("/files/photo-1.jpg", portrait_clips[0], "image/jpeg")
    else:
        stock_server.misbehave("/files/photo-1.jpg", reply)
    job, paths = _job(settings, "photo3", "Her red kite rose into the sky.", ["kite"])
    stage = FootageStage(_settings(settings, stock_server))

    # When the stage runs
    stage.run(job, paths, lambda note: None)

    # Then the other photo is shown, and nothing of the first is kept
    assert _only_clip(paths).source == "pexels-photo:2"
    assert [path.name for path in stage.settings.footage_cache_dir.iterdir()] == [
        "pexels-photo-2-64x112.jpg"
    ]
    assert sorted(path.name for path in paths.footage_dir.iterdir()) == [
        "clip_000.jpg",
        "manifest.json",
    ]


def test_untrusted_descriptions_keep_only_words() -> None:
    # Given a page address and tags with markup, numbers and far too many words
    page = "https://www.pexels.com/video/seagulls-flying-over-the-shore-854123/"
    tags = (
        "<script>alert(1)</script> 4k, "
        + "gull " * 10
        + " ".join("tag" + chr(97 + n % 26) + chr(97 + n // 26) for n in range(99))
    )

    # When they make a description
    description = description_of(page, tags)

    # Then it is the title's words, then the tags' words, each once, within the limit
    assert description.startswith("seagulls flying over the shore script alert gull")
    assert len(description.split()) == MAX_DESCRIPTION_WORDS
    assert all(word.isalpha() for word in description.split())
