"""The render reads the footage manifest, and waits for a clip still downloading when its
segment comes on screen, up to a limit after which it draws a generated background."""

import logging

import numpy as np
import pytest

from common.animation import clip_seed
from common.artifacts import JobPaths
from common.documents import (
    MAX_MANIFEST_BYTES,
    Captions,
    FootageClip,
    FootageManifest,
    GeneratedBackground,
    load_document,
    save_document,
)
from common.errors import JobCancelled, StageError, UnsafeArtifactPath
from common.messages import JobOptions, Shard, StageMessage
from common.settings import Settings
from common.stage import Split
from svc_render.background import BackgroundTrack
from svc_render.footage import read_footage
from svc_render.generated import DrawnBackground
from svc_render.settings import RenderSettings
from svc_render.stage import RenderStage
from tests.svc_render.media import decoded_rgb, solid, to_rgb, write_clip, write_tone

RED, BLUE = (220, 30, 30), (30, 30, 220)
SIZE = 32, 48
RENDER_SIZE = 64, 96


def _colour(frame: np.ndarray) -> str:
    red, _, blue = frame.reshape(-1, 3).astype(int).mean(axis=0)
    return "red" if red > blue + 100 else "blue" if blue > red + 100 else "other"


def _clip(paths: JobPaths, name: str, **fields: object) -> FootageClip:
    values: dict[str, object] = {"source": "pexels:1", "term": "ocean"}
    return FootageClip.model_validate(
        {"path": paths.relative(paths.footage_dir / name), **values, **fields}
    )


def _red_then_pending(paths: JobPaths, end: float = 2.0) -> None:
    """A manifest whose first clip (red) is in and whose second is still downloading."""
    write_clip(paths.footage_dir / "clip_000.mp4", [solid(RED, *SIZE)] * 3, fps=10)
    clips = [
        _clip(paths, "clip_000.mp4", start=0.0, end=1.0),
        _clip(paths, "clip_001.mp4", start=1.0, end=end, source="pending", pending=True),
    ]
    save_document(FootageManifest(clips=clips), paths.footage_manifest)


def _resolve_second_blue(paths: JobPaths) -> None:
    """What the footage stage does once the second clip is downloaded."""
    write_clip(paths.footage_dir / "clip_001.mp4", [solid(BLUE, *SIZE)] * 3, fps=10)
    manifest = load_document(FootageManifest, paths.footage_manifest)
    manifest.clips[1] = _clip(paths, "clip_001.mp4", start=1.0, end=2.0, source="pexels:2")
    save_document(manifest, paths.footage_manifest)


def test_a_pending_clip_is_waited_for_when_its_segment_comes_on_screen(settings: Settings) -> None:
    # Given a render's footage with its second clip still downloading, which arrives while
    # the render waits for it (the first look at the manifest finds it pending)
    paths = JobPaths(settings.data_dir, "w1")
    _red_then_pending(paths)
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:
            _resolve_second_blue(paths)

    track = BackgroundTrack(read_footage(paths.footage_manifest, paths, 60, wait), *SIZE)

    # When frames are taken through the first segment, and then the second
    first = [_colour(to_rgb(track.frame_at(step / 10))) for step in range(10)]
    assert waits == []
    second = [_colour(to_rgb(track.frame_at(1.0 + step / 10))) for step in range(10)]

    # Then the first segment did not wait, and the second showed its clip once it was in
    # (after the crossfade from the first)
    assert set(first) == {"red"}
    assert set(second[5:]) == {"blue"}
    assert waits == [0.1]


def test_a_clip_that_does_not_arrive_in_time_is_drawn_as_a_generated_background(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Given footage whose second clip stays pending, and a render that waits 0.3 s at most
    paths = JobPaths(settings.data_dir, "w2")
    _red_then_pending(paths)
    track = BackgroundTrack(read_footage(paths.footage_manifest, paths, 0.3), *SIZE)
    track.frame_at(0.0)

    # When the second segment comes on screen, and its crossfade is over
    with caplog.at_level(logging.WARNING):
        track.frame_at(1.0)
    shown = to_rgb(track.frame_at(1.5)).astype(int)

    # Then it shows the background the footage stage would have generated for it, and says so
    drawn = DrawnBackground(GeneratedBackground(seed=clip_seed("ocean", 1)), *SIZE)
    expected = to_rgb(drawn.frame_at(0.5)).astype(int)
    assert np.abs(shown - expected).mean() < 2
    assert "still downloading" in caplog.text


def test_a_cancel_stops_the_wait(settings: Settings) -> None:
    # Given a clip that never arrives, and a job cancelled while the render waits for it
    paths = JobPaths(settings.data_dir, "w3")
    _red_then_pending(paths)

    def wait(seconds: float) -> None:
        paths.cancel_marker.parent.mkdir(parents=True, exist_ok=True)
        paths.cancel_marker.touch()

    track = BackgroundTrack(read_footage(paths.footage_manifest, paths, 600, wait), *SIZE)
    track.frame_at(0.0)

    # When its segment comes on screen, Then the render stops as cancelled
    with pytest.raises(JobCancelled):
        track.frame_at(1.5)


def test_a_pending_clip_names_a_path_checked_as_any_other(settings: Settings) -> None:
    # Given a manifest whose pending clip names a file outside the job's folder
    paths = JobPaths(settings.data_dir, "w4")
    clip = _clip(paths, "clip_000.mp4", start=0.0, end=1.0, pending=True)
    escaping = clip.model_copy(update={"path": "work/w4/footage/../../other/clip.mp4"})
    save_document(FootageManifest(clips=[escaping]), paths.footage_manifest)

    # When the render reads it, Then it refuses the path before waiting for anything
    with pytest.raises(UnsafeArtifactPath):
        read_footage(paths.footage_manifest, paths, 60)


def test_a_manifest_without_pending_clips_loads_and_an_oversized_one_is_refused(
    settings: Settings,
) -> None:
    # Given a manifest as written before clips could be pending
    paths = JobPaths(settings.data_dir, "w5")
    paths.footage_dir.mkdir(parents=True)
    paths.footage_manifest.write_text(
        '{"clips": [{"start": 0, "end": 1, "path": "work/w5/footage/clip_000.mp4",'
        ' "source": "generated", "term": "sea"}]}'
    )

    # When it is read, Then its clip is in, and its span needs no waiting
    (clip,) = load_document(FootageManifest, paths.footage_manifest).clips
    assert clip.pending is False
    (span,) = read_footage(paths.footage_manifest, paths, 60)
    assert span.arrival is None

    # And a manifest over the bound is refused unparsed
    paths.footage_manifest.write_bytes(b" " * (MAX_MANIFEST_BYTES + 1))
    with pytest.raises(StageError, match="over"):
        read_footage(paths.footage_manifest, paths, 60)


def _render_job(settings: Settings, job_id: str) -> tuple[StageMessage, JobPaths]:
    """A 3 s narration over a red clip (0-1 s) and a clip that never arrives (1-3 s)."""
    paths = JobPaths(settings.data_dir, job_id)
    write_tone(paths.audio, 3.0)
    save_document(Captions(duration=3.0, words=[], groups=[]), paths.captions)
    _red_then_pending(paths, end=3.0)
    job = StageMessage(
        job_id=job_id,
        text="a story",
        options=JobOptions(width=RENDER_SIZE[0], height=RENDER_SIZE[1], fps=10),
        artifacts={
            "audio": paths.relative(paths.audio),
            "captions": paths.relative(paths.captions),
            "footage": paths.relative(paths.footage_manifest),
        },
    )
    return job, paths


def _render_stage(settings: Settings, shard_seconds: float) -> RenderStage:
    render_settings = RenderSettings(
        data_dir=settings.data_dir,
        font_path=None,
        render_shard_seconds=shard_seconds,
        render_stream=False,
        render_footage_wait_seconds=0.2,
    )
    return RenderStage(render_settings, split_long_videos=True)


@pytest.mark.parametrize("shard_seconds", [0, 1.0])
def test_whole_and_sharded_renders_draw_a_late_clip_alike(
    settings: Settings, shard_seconds: float
) -> None:
    # Given a job whose second clip never arrives, rendered whole or in shards
    job, paths = _render_job(settings, f"r{int(shard_seconds)}")
    stage = _render_stage(settings, shard_seconds)

    # When it renders
    result = stage.run(job, paths, lambda note: None)
    if isinstance(result.unfinished, Split):
        count = result.unfinished.shards
        for index in range(count):
            shard = job.model_copy(update={"shard": Shard(index=index, count=count)})
            stage.run(shard, paths, lambda note: None)

    # Then the video is whole, red while the first clip plays and the generated
    # background after it
    frames = decoded_rgb(paths.video)
    assert len(frames) == 30
    drawn = DrawnBackground(GeneratedBackground(seed=clip_seed("ocean", 1)), *RENDER_SIZE)
    assert _colour(frames[5]) == "red"
    for index in (15, 25):
        expected = to_rgb(drawn.frame_at(index / 10 - 1.0)).astype(int)
        assert np.abs(frames[index].astype(int) - expected).mean() < 8
