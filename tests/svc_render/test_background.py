import itertools
import logging
from pathlib import Path

import numpy as np
import pytest

from svc_render.background import BackgroundTrack, FootageSpan
from tests.svc_render.media import solid, to_rgb, write_audio_only, write_clip

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

    # When frames are taken every tenth of a second, from before the first span to after the last
    colours = [_colour_at(track, step / 10) for step in range(27)]

    # Then each moment shows its own span's clip, or the nearest one's (after a crossfade
    # starting at the middle of the gap)
    assert set(colours[:13]) == {"red"}
    assert set(colours[17:]) == {"blue"}


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


def test_segments_crossfade_through_blended_frames(tmp_path: Path) -> None:
    # Given a red clip for the first second and a blue one for the next
    write_clip(tmp_path / "red.mp4", [solid(RED, 16, 16)] * 20, fps=10)
    write_clip(tmp_path / "blue.mp4", [solid(BLUE, 16, 16)] * 20, fps=10)
    track = BackgroundTrack(
        [FootageSpan(0.0, 1.0, tmp_path / "red.mp4"), FootageSpan(1.0, 2.0, tmp_path / "blue.mp4")],
        16,
        16,
    )

    # When frames are taken across the cut, a tenth of a second apart
    frames = [to_rgb(track.frame_at(step / 10)).reshape(-1, 3).mean(axis=0) for step in range(20)]

    # Then the frames just after the cut are mixtures of both clips, growing bluer
    red_share = [red / (red + blue) for red, _, blue in frames]
    assert all(share > 0.8 for share in red_share[:10])
    fading = red_share[10:14]
    assert all(0.2 < share < 0.8 for share in fading[1:])
    assert fading == sorted(fading, reverse=True)
    assert all(share < 0.2 for share in red_share[15:])


def test_a_clip_shorter_than_its_segment_drifts_instead_of_freezing(tmp_path: Path) -> None:
    # Given a one-second clip of a still picture with detail, for a four-second segment
    picture = np.zeros((64, 64, 3), dtype=np.uint8)
    picture[:, ::8] = 255  # vertical stripes show any sideways movement
    picture[::8, :] = 255
    write_clip(tmp_path / "still.mp4", [picture] * 10, fps=10)
    track = BackgroundTrack([FootageSpan(0.0, 4.0, tmp_path / "still.mp4")], 32, 32)

    # When frames are taken across the segment
    frames = [to_rgb(track.frame_at(seconds)).astype(int) for seconds in (0.5, 1.5, 2.5, 3.5)]

    # Then the picture keeps moving, even after the clip has looped
    for earlier, later in itertools.pairwise(frames):
        assert np.abs(earlier - later).mean() > 5


def test_a_clip_long_enough_for_its_segment_does_not_drift(tmp_path: Path) -> None:
    # Given a three-second clip of the same still picture for a two-second segment
    picture = np.zeros((64, 64, 3), dtype=np.uint8)
    picture[:, ::8] = 255
    write_clip(tmp_path / "long.mp4", [picture] * 30, fps=10)
    track = BackgroundTrack([FootageSpan(0.0, 2.0, tmp_path / "long.mp4")], 32, 32)

    # When frames are taken, Then they are the same picture: the clip plays as it is
    first, last = (to_rgb(track.frame_at(seconds)).astype(int) for seconds in (0.5, 1.5))
    assert np.abs(first - last).mean() < 2


@pytest.mark.parametrize("problem", ["missing", "audio only", "other aspect"])
def test_awkward_footage_still_gives_a_full_picture(tmp_path: Path, problem: str) -> None:
    # Given footage that is missing, has no video stream, or is much wider than the output
    clip = tmp_path / "clip.mp4"
    if problem == "audio only":
        write_audio_only(clip)
    elif problem == "other aspect":
        wide = np.zeros((16, 96, 3), dtype=np.uint8)
        wide[:, 32:64] = RED  # the middle third is red, the sides black
        write_clip(clip, [wide] * 5, fps=10)
    track = BackgroundTrack([FootageSpan(0.0, 1.0, clip)], 32, 48)

    # When a frame is taken
    frame = to_rgb(track.frame_at(0.2)).astype(int)

    # Then it is a visible picture filling the frame: wide footage is cropped, not squeezed
    assert frame.mean() > 30
    if problem == "other aspect":
        assert frame[..., 0].mean() > 150  # only the red middle survives the centre crop
