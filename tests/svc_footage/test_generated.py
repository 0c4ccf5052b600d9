from pathlib import Path

import av
import numpy as np

from svc_footage.generated import (
    MAX_CLIP_SECONDS,
    Animation,
    clip_seed,
    clip_size,
    write_generated_clip,
)


def _rgb_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def _difference(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.abs(first.astype(np.int16) - second.astype(np.int16)).mean())


def test_writes_an_h264_clip_of_the_requested_shape(tmp_path: Path) -> None:
    # Given a small portrait size, a frame rate and a length
    path = tmp_path / "clip.mp4"

    # When a clip is generated
    write_generated_clip(
        path, seed=clip_seed("ocean", 0), seconds=1.5, width=64, height=112, fps=12
    )

    # Then it is an H.264 yuv420p MP4 of that size, rate and length
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (64, 112)
        assert stream.average_rate == 12
    assert len(_rgb_frames(path)) == 18


def test_the_picture_moves_and_is_never_flat(tmp_path: Path) -> None:
    # Given a generated two-second clip
    path = tmp_path / "clip.mp4"
    write_generated_clip(path, seed=clip_seed("forest", 3), seconds=2, width=64, height=112, fps=10)

    # When its frames are decoded
    frames = _rgb_frames(path)

    # Then the last frame differs visibly from the first
    assert _difference(frames[0], frames[-1]) > 3
    # And every frame has shading across it, and light enough to see
    for frame in frames:
        assert frame.std() > 5
        assert frame.mean() > 40


def test_segments_get_different_pictures() -> None:
    # Given the animations of two segments
    first = Animation(clip_seed("ocean", 0), 64, 112)
    second = Animation(clip_seed("city", 1), 64, 112)

    # When both are drawn at the same moment
    # Then they look clearly different
    assert _difference(first.frame_at(0.0), second.frame_at(0.0)) > 10


def test_the_same_seed_draws_the_same_picture() -> None:
    # Given two animations from one segment's seed, as on a redelivered job
    seed = clip_seed("ocean", 0)

    # When both are drawn at the same moment, Then they are identical
    np.testing.assert_array_equal(
        Animation(seed, 48, 80).frame_at(1.25), Animation(seed, 48, 80).frame_at(1.25)
    )


def test_long_segments_are_capped(tmp_path: Path) -> None:
    # Given a segment longer than the cap, at a low frame rate to keep the test fast
    path = tmp_path / "clip.mp4"

    # When its clip is generated
    write_generated_clip(path, seed=1, seconds=MAX_CLIP_SECONDS + 5, width=32, height=32, fps=2)

    # Then the clip stops at the cap (the renderer loops it)
    assert len(_rgb_frames(path)) == MAX_CLIP_SECONDS * 2


def test_clip_size_keeps_the_aspect_ratio_at_a_modest_size() -> None:
    assert clip_size(1080, 1920) == (360, 640)
    assert clip_size(1920, 1080) == (640, 360)
    assert clip_size(1000, 1000) == (360, 360)
    # Sides stay even for yuv420p, and small outputs are not scaled up
    assert clip_size(1080, 1350) == (360, 450)
    assert clip_size(720, 1366) == (360, 684)
    assert clip_size(96, 160) == (96, 160)
