from pathlib import Path

import numpy as np
import pytest

from svc_render.clips import ClipReader, ClipUnusable
from tests.svc_render.media import solid, to_rgb, write_clip


def test_a_wider_clip_is_cropped_around_its_centre_not_stretched(tmp_path: Path) -> None:
    # Given a landscape clip: a red, a green and a blue band side by side
    picture = np.concatenate(
        [solid((255, 0, 0), 32, 32), solid((0, 255, 0), 32, 32), solid((0, 0, 255), 32, 32)],
        axis=1,
    )
    path = tmp_path / "bands.mp4"
    write_clip(path, [picture], fps=10)

    # When it is read for a tall 32x64 output
    frame = to_rgb(ClipReader(path, 32, 64).frame_at(0.0))

    # Then the frame is covered by the middle band only, at the output's size
    assert frame.shape == (64, 32, 3)
    red, green, blue = frame.reshape(-1, 3).mean(axis=0)
    assert green > 200
    assert red < 40
    assert blue < 40


def test_frames_follow_the_clock_and_the_clip_loops(tmp_path: Path) -> None:
    # Given a clip of four frames at 10 fps, each a different grey
    greys = [40, 100, 160, 220]
    path = tmp_path / "greys.mp4"
    write_clip(path, [solid((grey,) * 3, 16, 16) for grey in greys], fps=10)
    reader = ClipReader(path, 16, 16)

    # When it is read at 20 fps for 0.8 s (twice its length)
    seen = [round(float(to_rgb(reader.frame_at(i / 20)).mean())) for i in range(16)]

    # Then each frame shows for two reads, and the clip starts over after its fourth
    expected = [grey for grey in greys for _ in range(2)] * 2
    assert np.allclose(seen, expected, atol=4), seen


def test_an_undecodable_file_is_reported_as_unusable(tmp_path: Path) -> None:
    # Given a file that is not a video, and a path with no file
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)

    # When they are opened, Then both are unusable, not crashes
    with pytest.raises(ClipUnusable):
        ClipReader(corrupt, 16, 16)
    with pytest.raises(ClipUnusable):
        ClipReader(tmp_path / "missing.mp4", 16, 16)
