import os
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from pydantic import SecretStr

from common.artifacts import JobPaths
from common.documents import (
    FootageClip,
    FootageManifest,
    GeneratedBackground,
    Queries,
    QuerySegment,
    load_document,
    save_document,
)
from common.errors import MissingArtifact
from common.messages import JobOptions, StageMessage
from common.settings import Settings
from common.stage import REUSED, StageResult
from svc_footage.generated import write_generated_clip
from svc_footage.settings import FootageSettings
from svc_footage.stage import FootageStage, provider_order
from tests.svc_footage.conftest import LANDSCAPE, PORTRAIT
from tests.svc_footage.stock_server import (
    LOCAL_DOWNLOADS,
    PEXELS_KEY,
    PIXABAY_KEY,
    Reply,
    StockServer,
    pexels_video,
    pixabay_hit,
)

SMALL = JobOptions(width=64, height=112, fps=10)


def _offline_settings(settings: Settings, **overrides: Any) -> FootageSettings:
    """No stock providers, whatever the environment says, and no footage folder."""
    values: dict[str, Any] = {
        "footage_providers": ("pexels", "pixabay", "library", "generated"),
        "footage_dir": None,
        "pexels_api_key": None,
        "pixabay_api_key": None,
    }
    return FootageSettings(data_dir=settings.data_dir, **{**values, **overrides})


def _stock_settings(settings: Settings, server: StockServer, **overrides: Any) -> FootageSettings:
    """Both providers on the local server, with timeouts and retries short enough for tests,
    and downloads allowed to reach it, as only a lab would allow."""
    values: dict[str, Any] = {
        "footage_download_hosts": LOCAL_DOWNLOADS.hosts,
        "footage_allow_private_addresses": LOCAL_DOWNLOADS.allow_private_addresses,
        "pexels_api_key": SecretStr(PEXELS_KEY),
        "pixabay_api_key": SecretStr(PIXABAY_KEY),
        "pexels_base_url": server.pexels_base_url,
        "pixabay_base_url": server.pixabay_base_url,
        "footage_request_timeout_seconds": 0.3,
        "footage_retry_delays": (0.05,),
        "footage_max_retry_after_seconds": 0.5,
    }
    return _offline_settings(settings, **{**values, **overrides})


def _pexels_has(
    server: StockServer,
    term: str,
    videos: list[tuple[int, bytes]],
    size: tuple[int, int] = PORTRAIT,
) -> None:
    """Pexels finds these (id, file) videos for ``term``, each titled ``term``; their links
    redirect, as Pexels' do."""
    for video_id, body in videos:
        server.add_file(f"/files/pexels-{video_id}.mp4", body)
    server.pexels_videos.setdefault(term, []).extend(
        pexels_video(
            video_id, *size, 1, [(video_id * 10, _pexels_link(server, video_id))], title=term
        )
        for video_id, _ in videos
    )


def _pexels_link(server: StockServer, video_id: int) -> str:
    return f"{server.url}/redirect/files/pexels-{video_id}.mp4"


def _pixabay_has(server: StockServer, term: str, videos: list[tuple[int, bytes]]) -> None:
    for video_id, body in videos:
        url = server.add_file(f"/files/pixabay-{video_id}.mp4", body)
        server.pixabay_hits.setdefault(term, []).append(
            pixabay_hit(video_id, 1, {"tiny": (*PORTRAIT, url, len(body))}, tags=term)
        )


def _manifest(paths: JobPaths) -> list[FootageClip]:
    return load_document(FootageManifest, paths.footage_manifest).clips


def _job_with_queries(
    settings: Settings, job_id: str, *segments: tuple[float, float, list[str]]
) -> tuple[StageMessage, JobPaths]:
    paths = JobPaths(settings.data_dir, job_id)
    queries = Queries(
        segments=[
            QuerySegment(start=start, end=end, text=" ".join(terms), terms=terms)
            for start, end, terms in segments
        ]
    )
    save_document(queries, paths.queries)
    job = StageMessage(
        job_id=job_id,
        text="a story",
        options=SMALL,
        artifacts={"queries": paths.relative(paths.queries)},
    )
    return job, paths


def _first_frame(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_generates_a_clip_per_segment_without_a_library(settings: Settings) -> None:
    # Given queries for two segments and no footage folder
    job, paths = _job_with_queries(settings, "f1", (0.0, 1.2, ["ocean"]), (1.2, 2.0, ["city"]))
    stage = FootageStage(_offline_settings(settings))
    notes: list[str] = []

    # When the stage runs
    result = stage.run(job, paths, notes.append)

    # Then the manifest lists one generated clip per segment, timed like its segment
    assert result == StageResult({"footage": "work/f1/footage/manifest.json"}, "generated")
    clips = load_document(FootageManifest, paths.footage_manifest).clips
    assert [(c.start, c.end, c.source, c.term) for c in clips] == [
        (0.0, 1.2, "generated", "ocean"),
        (1.2, 2.0, "generated", "city"),
    ]
    # And each clip is a small description for the render to draw, seeded per segment
    files = [paths.resolve(clip.path) for clip in clips]
    descriptions = [load_document(GeneratedBackground, file) for file in files]
    assert all(file.stat().st_size < 200 for file in files)
    assert descriptions[0].seed != descriptions[1].seed
    assert notes == ["(clip 1 of 2)", "(clip 2 of 2)"]


def test_uses_a_library_file_whose_name_matches_a_term(settings: Settings, tmp_path: Path) -> None:
    # Given a footage folder with a clip named after one segment's second term
    library = tmp_path / "library"
    library.mkdir()
    waves = library / "Ocean_Waves.mp4"
    write_generated_clip(waves, seed=7, seconds=0.5, width=32, height=32, fps=10)
    job, paths = _job_with_queries(
        settings, "f2", (0.0, 1.0, ["sunset", "ocean"]), (1.0, 1.5, ["oceanic"])
    )
    stage = FootageStage(_offline_settings(settings, footage_dir=library))

    # When the stage runs
    stage.run(job, paths, lambda note: None)

    # Then the first segment uses the library file, and the second (no whole-word match)
    # a generated clip
    first, second = load_document(FootageManifest, paths.footage_manifest).clips
    assert (first.source, first.term) == ("library:Ocean_Waves.mp4", "ocean")
    assert paths.resolve(first.path).read_bytes() == waves.read_bytes()
    assert paths.resolve(first.path).parent == paths.footage_dir
    assert (second.source, second.term) == ("generated", "oceanic")
    # And the manifest records how relevant the library clip was; a generated one has no score
    assert first.score is not None and 0.3 <= first.score <= 1.0
    assert second.score is None


def test_running_again_keeps_the_existing_manifest(settings: Settings) -> None:
    # Given a job whose footage was already fetched
    job, paths = _job_with_queries(settings, "f3", (0.0, 0.5, ["rain"]))
    stage = FootageStage(_offline_settings(settings))
    stage.run(job, paths, lambda note: None)
    first_write = paths.footage_manifest.stat().st_mtime_ns
    notes: list[str] = []

    # When the same message is delivered again
    result = stage.run(job, paths, notes.append)

    # Then the manifest is returned without any new work
    assert result == StageResult({"footage": paths.relative(paths.footage_manifest)}, REUSED)
    assert paths.footage_manifest.stat().st_mtime_ns == first_write
    assert notes == []


def test_fails_clearly_without_queries(settings: Settings) -> None:
    # Given a job that never got its queries
    job = StageMessage(job_id="f4", text="a story", options=SMALL)
    paths = JobPaths(settings.data_dir, job.job_id)
    stage = FootageStage(_offline_settings(settings))

    # When the stage runs, Then it reports the missing artifact and writes nothing
    with pytest.raises(MissingArtifact, match="queries"):
        stage.run(job, paths, lambda note: None)
    assert not paths.footage_manifest.exists()


def test_downloads_a_different_stock_clip_for_each_segment(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given Pexels with two videos for "ocean", and two segments about the ocean
    _pexels_has(stock_server, "ocean", [(1, portrait_clips[0]), (2, portrait_clips[1])])
    job, paths = _job_with_queries(settings, "s1", (0.0, 1.0, ["ocean"]), (1.0, 2.0, ["ocean"]))
    stage = FootageStage(_stock_settings(settings, stock_server))

    # When the stage runs
    result = stage.run(job, paths, lambda note: None)

    # Then each segment shows its own Pexels video, named by its id
    assert result == StageResult({"footage": "work/s1/footage/manifest.json"}, "pexels")
    clips = _manifest(paths)
    assert [(clip.source, clip.term) for clip in clips] == [
        ("pexels:1", "ocean"),
        ("pexels:2", "ocean"),
    ]
    # And the files are the videos Pexels served, whole, in the job's footage folder
    for clip, body in zip(clips, portrait_clips, strict=False):
        assert paths.resolve(clip.path).read_bytes() == body
        assert paths.resolve(clip.path).parent == paths.footage_dir
    # And the term was searched once and each file downloaded once
    assert stock_server.searches("pexels") == ["ocean"]
    assert stock_server.count("/files/") == 2


def test_a_second_job_takes_its_clips_from_the_cache(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given a job whose clips were downloaded
    _pexels_has(stock_server, "rain", [(5, portrait_clips[0])])
    stage = FootageStage(_stock_settings(settings, stock_server))
    first_job, _ = _job_with_queries(settings, "c1", (0.0, 1.0, ["rain"]))
    stage.run(first_job, JobPaths(settings.data_dir, "c1"), lambda note: None)
    assert stock_server.count("/files/") == 1

    # When another job finds the same clip
    job, paths = _job_with_queries(settings, "c2", (0.0, 1.0, ["rain"]))
    stage.run(job, paths, lambda note: None)

    # Then it is not downloaded again: the job's file is the cached one
    assert stock_server.count("/files/") == 1
    (clip,) = _manifest(paths)
    assert clip.source == "pexels:5"
    (cached,) = stage.settings.footage_cache_dir.iterdir()
    assert cached.name == "pexels-5-64x112.mp4"
    assert os.path.samefile(paths.resolve(clip.path), cached)


def test_a_clip_is_shown_again_only_when_no_other_can_be_found(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given one video for "city" on each provider, and three segments about the city
    _pexels_has(stock_server, "city", [(1, portrait_clips[0])])
    _pixabay_has(stock_server, "city", [(7, portrait_clips[1])])
    job, paths = _job_with_queries(
        settings, "d1", (0.0, 1.0, ["city"]), (1.0, 2.0, ["city"]), (2.0, 3.0, ["city"])
    )
    stage = FootageStage(_stock_settings(settings, stock_server))

    # When the stage runs
    result = stage.run(job, paths, lambda note: None)

    # Then the second segment takes the other provider's video rather than repeat one,
    # and only the third, with nothing new left, shows the first again (from the cache)
    assert [clip.source for clip in _manifest(paths)] == ["pexels:1", "pixabay:7", "pexels:1"]
    assert result.provider == "pexels, pixabay"
    assert stock_server.count("/files/") == 2


def test_the_next_term_is_searched_when_one_finds_nothing(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given Pexels with nothing for a segment's first term but a video for its second
    _pexels_has(stock_server, "street", [(3, portrait_clips[0])])
    job, paths = _job_with_queries(settings, "t1", (0.0, 1.0, ["zebra crossing", "street"]))
    stage = FootageStage(_stock_settings(settings, stock_server))

    # When the stage runs, Then the clip is the second term's
    stage.run(job, paths, lambda note: None)
    (clip,) = _manifest(paths)
    assert (clip.source, clip.term) == ("pexels:3", "street")
    assert stock_server.searches("pexels") == ["zebra crossing", "street"]


def test_videos_shaped_like_the_frame_are_preferred(
    settings: Settings,
    stock_server: StockServer,
    portrait_clips: list[bytes],
    landscape_clip: bytes,
) -> None:
    # Given Pexels listing a landscape video before a portrait one, for a portrait job
    _pexels_has(stock_server, "beach", [(8, landscape_clip)], size=LANDSCAPE)
    _pexels_has(stock_server, "beach", [(9, portrait_clips[0])])
    job, paths = _job_with_queries(settings, "o1", (0.0, 1.0, ["beach"]))

    # When the stage runs, Then the portrait video is chosen, and only it downloaded
    FootageStage(_stock_settings(settings, stock_server)).run(job, paths, lambda note: None)
    assert [clip.source for clip in _manifest(paths)] == ["pexels:9"]
    assert stock_server.count("/files/") == 1


def test_a_failing_provider_gives_way_to_the_next_and_is_not_asked_again(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given Pexels failing with server errors, and Pixabay with videos
    stock_server.misbehave("/pexels/videos/search", *[Reply(status=503)] * 10)
    _pixabay_has(stock_server, "hills", [(1, portrait_clips[0]), (2, portrait_clips[1])])
    job, paths = _job_with_queries(settings, "p1", (0.0, 1.0, ["hills"]), (1.0, 2.0, ["hills"]))

    # When the stage runs
    stage = FootageStage(_stock_settings(settings, stock_server))
    result = stage.run(job, paths, lambda note: None)

    # Then Pixabay's videos fill the segments
    assert [clip.source for clip in _manifest(paths)] == ["pixabay:1", "pixabay:2"]
    assert result.provider == "pixabay"
    # And Pexels was tried once and retried once, not again for the second segment
    assert stock_server.count("/pexels/") == 2


FAILURES = {
    "server error": Reply(status=500),
    "bad key": Reply(status=401, body=b'{"error": "Unauthorized"}'),
    "timeout": Reply(delay=0.6),
    "rate limited for an hour": Reply(status=429, headers={"Retry-After": "3600"}),
    "not JSON": Reply(body=b"<html>Gateway</html>", headers={"Content-Type": "text/html"}),
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_a_job_never_fails_for_lack_of_footage(
    settings: Settings, stock_server: StockServer, failure: Reply
) -> None:
    # Given both providers failing the same way every time, and no footage folder
    for path in ("/pexels/videos/search", "/pixabay/api/videos/"):
        stock_server.misbehave(path, *[failure] * 4)
    job, paths = _job_with_queries(settings, "n1", (0.0, 1.0, ["moon"]), (1.0, 2.0, ["stars"]))

    # When the stage runs
    stage = FootageStage(_stock_settings(settings, stock_server))
    result = stage.run(job, paths, lambda note: None)

    # Then every segment gets a generated clip
    assert result.provider == "generated"
    assert [clip.source for clip in _manifest(paths)] == ["generated", "generated"]


def test_empty_results_everywhere_lead_to_the_library(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes], tmp_path: Path
) -> None:
    # Given providers that find nothing, and a footage folder with a clip for the term
    library = tmp_path / "library"
    library.mkdir()
    (library / "lighthouse.mp4").write_bytes(portrait_clips[2])
    job, paths = _job_with_queries(settings, "l1", (0.0, 1.0, ["lighthouse"]))
    stage = FootageStage(_stock_settings(settings, stock_server, footage_dir=library))

    # When the stage runs, Then the library's clip is used, after both providers were asked
    assert stage.run(job, paths, lambda note: None).provider == "library"
    assert [clip.source for clip in _manifest(paths)] == ["library:lighthouse.mp4"]
    assert stock_server.searches("pexels") == stock_server.searches("pixabay") == ["lighthouse"]


def test_the_jobs_own_provider_is_tried_first(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given both providers with a video for "fox"
    _pexels_has(stock_server, "fox", [(1, portrait_clips[0])])
    _pixabay_has(stock_server, "fox", [(2, portrait_clips[1])])
    stage = FootageStage(_stock_settings(settings, stock_server))

    # When a job asks for Pixabay, Then Pixabay's video is used and Pexels is not asked
    job, paths = _job_with_queries(settings, "j1", (0.0, 1.0, ["fox"]))
    job = job.model_copy(
        update={"options": SMALL.model_copy(update={"footage_provider": "pixabay"})}
    )
    assert stage.run(job, paths, lambda note: None).provider == "pixabay"
    assert stock_server.searches("pexels") == []

    # And when a job asks for generated clips, no provider is asked at all
    requests_before = len(stock_server.requests)
    job, paths = _job_with_queries(settings, "j2", (0.0, 1.0, ["fox"]))
    job = job.model_copy(
        update={"options": SMALL.model_copy(update={"footage_provider": "generated"})}
    )
    assert stage.run(job, paths, lambda note: None).provider == "generated"
    assert len(stock_server.requests) == requests_before


BROKEN_DOWNLOADS = {
    "cut off": [Reply(cut_at=500)] * 2,
    "not a video": [Reply(body=b"<html>Not here</html>", headers={"Content-Type": "text/html"})],
    "over the size limit": [Reply(body=bytes(60_000))],
    "gone": [Reply(status=404)],
}


@pytest.mark.parametrize("replies", BROKEN_DOWNLOADS.values(), ids=BROKEN_DOWNLOADS.keys())
def test_a_clip_that_cannot_be_downloaded_gives_way_to_the_next(
    settings: Settings,
    stock_server: StockServer,
    portrait_clips: list[bytes],
    replies: list[Reply],
) -> None:
    # Given two videos for "train", the first of which cannot be downloaded whole
    _pexels_has(stock_server, "train", [(1, portrait_clips[0]), (2, portrait_clips[1])])
    stock_server.misbehave("/files/pexels-1.mp4", *replies)
    job, paths = _job_with_queries(settings, "b1", (0.0, 1.0, ["train"]))
    stage = FootageStage(_stock_settings(settings, stock_server, footage_download_max_bytes=50_000))

    # When the stage runs
    stage.run(job, paths, lambda note: None)

    # Then the second video is used, and nothing of the first is kept
    (clip,) = _manifest(paths)
    assert clip.source == "pexels:2"
    assert paths.resolve(clip.path).read_bytes() == portrait_clips[1]
    assert [file.name for file in stage.settings.footage_cache_dir.iterdir()] == [
        "pexels-2-64x112.mp4"
    ]
    assert sorted(file.name for file in paths.footage_dir.iterdir()) == [
        "clip_000.mp4",
        "manifest.json",
    ]


def test_the_order_puts_the_jobs_choice_first_and_ends_with_generated_clips() -> None:
    assert provider_order(("pexels", "pixabay", "library", "generated"), None) == [
        "pexels",
        "pixabay",
        "library",
        "generated",
    ]
    assert provider_order(("pexels", "pixabay", "library"), "library") == [
        "library",
        "pexels",
        "pixabay",
        "generated",
    ]
    # Nothing after generated clips is ever asked
    assert provider_order(("generated", "pexels"), None) == ["generated"]
    assert provider_order(("pexels", "library"), "generated") == ["generated"]


def test_a_provider_whose_downloads_keep_failing_is_left_for_the_job(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given Pexels finding five videos whose files are all gone, and Pixabay with one
    _pexels_has(stock_server, "snow", [(n, portrait_clips[0]) for n in range(1, 6)])
    for n in range(1, 6):
        stock_server.misbehave(f"/files/pexels-{n}.mp4", Reply(status=410))
    _pixabay_has(stock_server, "snow", [(9, portrait_clips[1])])
    job, paths = _job_with_queries(settings, "m1", (0.0, 1.0, ["snow"]))

    # When the stage runs
    FootageStage(_stock_settings(settings, stock_server)).run(job, paths, lambda note: None)

    # Then Pexels is given up after three failed downloads, and Pixabay's video is used
    assert stock_server.count("/files/pexels-") == 3
    assert [clip.source for clip in _manifest(paths)] == ["pixabay:9"]


def test_links_outside_the_download_rules_give_way_to_the_next_provider(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given Pexels answering with links elsewhere: to another host, to a redirect that
    # leaves the allowed hosts; and Pixabay with a video on its allowed host
    outside = stock_server.url.replace("127.0.0.1", "localhost")
    stock_server.add_file("/files/internal-1.mp4", portrait_clips[0])
    stock_server.add_file("/files/internal-2.mp4", portrait_clips[0])
    stock_server.misbehave(
        "/files/hop.mp4", Reply(status=302, headers={"Location": f"{outside}/files/internal-2.mp4"})
    )
    stock_server.pexels_videos["lake"] = [
        pexels_video(1, *PORTRAIT, 1, [(10, f"{outside}/files/internal-1.mp4")], title="lake"),
        pexels_video(2, *PORTRAIT, 1, [(20, f"{stock_server.url}/files/hop.mp4")], title="lake"),
    ]
    _pixabay_has(stock_server, "lake", [(7, portrait_clips[1])])
    job, paths = _job_with_queries(settings, "r1", (0.0, 1.0, ["lake"]))

    # When the stage runs
    FootageStage(_stock_settings(settings, stock_server)).run(job, paths, lambda note: None)

    # Then Pixabay's video is used, and no request reached what the rules forbid
    assert [clip.source for clip in _manifest(paths)] == ["pixabay:7"]
    assert stock_server.count("/files/internal-") == 0
    assert stock_server.count("/files/hop.mp4") == 1
