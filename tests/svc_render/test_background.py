import logging
from pathlib import Path

import numpy as np
import pytest

from svc_render.background import BackgroundTrack, FootageSpan
from tests.svc_render.media import solid, to_rgb, write_clip

RED, BLUE = (220, 30, 30), (30, 30, 220)


def _colour_at(track: BackgroundTrack, seconds: float) -> str:
    red, _, blue = to_rgb(track.frame_at(seconds)).reshape(-1, 3).mean(axis=0)
    return "red" if red > blue + 100 else "blue" if blue > red + 100 else "other"


def test_the_nearest_clip_fills_gaps_and_the_ends(tmp_path: Path) -> None:
    # Given a red clip for 0.5-1.0 s and a blue one for 1.4-2.0 s
    write_clip(tmp_path / "red.mp4", [solid(RED, 16, 16)] * 3, fps=10)
    write_clip(tmp_path / "blue.mp4", [solid(BLUE, 16, 16)] * 3, fps=10)
    track = BackgroundTrack(
        [FootageSpan(1.4, 2.0, tmp_path / "blue.mp4"), FootageSpan(0.5, 1.0, tmp_path / "red.mp4")],
        16,
        16,
    )

    # When frames are taken from before the first span to after the last
    colours = [_colour_at(track, seconds) for seconds in (0.0, 0.7, 1.1, 1.3, 1.5, 2.6)]

    # Then each moment shows its own span's clip, or the nearest one's
    assert colours == ["red", "red", "red", "blue", "blue", "blue"]


def test_an_unusable_clip_gives_way_to_a_plain_background(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a span whose file is not a video
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 50)
    track = BackgroundTrack([FootageSpan(0.0, 1.0, broken)], 32, 48)

    # When its frames are taken
    with caplog.at_level(logging.WARNING):
        frames = [to_rgb(track.frame_at(seconds)).astype(int) for seconds in (0.0, 0.5)]

    # Then they are a visible gradient, not black and not flat, and the file is named
    for frame in frames:
        assert frame.mean() > 30
        assert np.abs(frame[0] - frame[-1]).mean() > 20
    assert "broken.mp4" in caplog.text


def test_without_footage_the_background_is_still_visible() -> None:
    # Given a manifest with no clips at all
    track = BackgroundTrack([], 32, 48)

    # When a frame is taken, Then it is a visible picture
    assert to_rgb(track.frame_at(1.0)).mean() > 30
