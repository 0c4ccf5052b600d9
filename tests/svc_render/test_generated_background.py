"""Generated backgrounds drawn by the render from the footage stage's description."""

import json
from pathlib import Path

import av
import numpy as np
import pytest

from svc_footage.generated import write_description, write_generated_clip
from svc_render.background import BackgroundTrack, FootageSpan, plain_background
from svc_render.clips import ClipUnusable
from svc_render.generated import DrawnBackground, read_description

WIDTH, HEIGHT = 72, 128


def _pixels(frame: av.VideoFrame) -> np.ndarray:
    return frame.to_ndarray(format="rgb24").astype(int)


def _description(tmp_path: Path, name: str, seed: int) -> Path:
    path = tmp_path / f"{name}.json"
    write_description(path, seed=seed)
    return path


def test_draws_output_sized_frames_that_move(tmp_path: Path) -> None:
    # Given a description
    background = DrawnBackground.open(_description(tmp_path, "a", 7), WIDTH, HEIGHT)

    # When frames are drawn a second apart
    first, later = background.frame_at(0.0), background.frame_at(1.0)

    # Then they are yuv420p at the output size, and the picture has moved
    assert (first.width, first.height, first.format.name) == (WIDTH, HEIGHT, "yuv420p")
    assert np.abs(_pixels(first) - _pixels(later)).mean() > 1


def test_the_same_seed_draws_the_same_picture_and_another_seed_another(tmp_path: Path) -> None:
    # Given two descriptions with one seed and one with another
    one = DrawnBackground.open(_description(tmp_path, "one", 3), WIDTH, HEIGHT)
    again = DrawnBackground.open(_description(tmp_path, "again", 3), WIDTH, HEIGHT)
    other = DrawnBackground.open(_description(tmp_path, "other", 4), WIDTH, HEIGHT)

    # When each draws the same moment
    frames = [_pixels(source.frame_at(2.5)) for source in (one, again, other)]

    # Then the same seed gives the same pixels, another seed a different picture
    assert np.array_equal(frames[0], frames[1])
    assert np.abs(frames[0] - frames[2]).mean() > 10


def test_each_frame_is_the_callers_own(tmp_path: Path) -> None:
    # Given a drawn background
    background = DrawnBackground.open(_description(tmp_path, "a", 1), WIDTH, HEIGHT)

    # When a frame is drawn into and the same moment asked for again
    first = background.frame_at(0.5)
    first.planes[0].update(bytes(first.planes[0].buffer_size))
    second = background.frame_at(0.5)

    # Then the second frame is untouched by the drawing
    assert _pixels(second).mean() > 5


@pytest.mark.parametrize(
    "content",
    [
        b'{"kind": "generated", "seed": -1}',
        b'{"kind": "generated", "seed": 18446744073709551616}',
        b'{"kind": "stock", "seed": 1}',
        b'{"kind": "generated", "seed": 1, "colours": ["red"]}',
        b'{"kind": "generated"}',
        b"not json",
        json.dumps({"kind": "generated", "seed": 1, "pad": "x" * 5000}).encode(),
    ],
)
def test_a_description_out_of_bounds_is_unusable(tmp_path: Path, content: bytes) -> None:
    # Given a description file with a field out of bounds, too large, or not one at all
    path = tmp_path / "bad.json"
    path.write_bytes(content)

    # When it is read, then it is refused as an unusable clip
    with pytest.raises(ClipUnusable):
        read_description(path)


def test_a_bad_description_gives_way_to_a_plain_background(tmp_path: Path) -> None:
    # Given a track whose only span names a description with a negative seed
    path = tmp_path / "bad.json"
    path.write_text('{"kind": "generated", "seed": -5}')
    track = BackgroundTrack([FootageSpan(0.0, 1.0, path)], WIDTH, HEIGHT)

    # When a frame is asked for
    frame = track.frame_at(0.2)

    # Then it is the segment's plain gradient
    assert np.array_equal(_pixels(frame), _pixels(plain_background(0, WIDTH, HEIGHT)))


def test_descriptions_and_old_clip_files_play_in_one_track(tmp_path: Path) -> None:
    # Given a manifest's spans: an encoded clip (as older manifests name) and a description
    clip = tmp_path / "clip_000.mp4"
    write_generated_clip(clip, seed=1, seconds=1.0, width=36, height=64, fps=10)
    spans = [
        FootageSpan(0.0, 1.0, clip),
        FootageSpan(1.0, 2.0, _description(tmp_path, "clip_001", 2)),
    ]
    track = BackgroundTrack(spans, WIDTH, HEIGHT)

    # When the track is played through both
    frames = [track.frame_at(index / 10) for index in range(20)]

    # Then every frame is output-sized, and neither segment is the plain fallback
    assert {(frame.width, frame.height) for frame in frames} == {(WIDTH, HEIGHT)}
    for at, index in ((5, 0), (15, 1)):
        fallback = _pixels(plain_background(index, WIDTH, HEIGHT))
        assert np.abs(_pixels(frames[at]) - fallback).mean() > 5
    track.close()


def test_a_resumed_track_draws_what_a_full_run_draws(tmp_path: Path) -> None:
    # Given two described segments and the frame times of a video through both
    spans = [
        FootageSpan(0.0, 1.0, _description(tmp_path, "a", 1)),
        FootageSpan(1.0, 2.0, _description(tmp_path, "b", 2)),
    ]
    times = [index / 10 for index in range(20)]
    whole = BackgroundTrack(spans, WIDTH, HEIGHT)
    expected = [_pixels(whole.frame_at(at)) for at in times]

    # When a shard resumes just after the second segment comes on (mid crossfade)
    shard = BackgroundTrack(spans, WIDTH, HEIGHT)
    shard.resume_after(times[:11])
    resumed = [_pixels(shard.frame_at(at)) for at in times[11:]]

    # Then its frames are those of the full run
    for got, want in zip(resumed, expected[11:], strict=True):
        assert np.array_equal(got, want)
