import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from svc_render.clips import ClipReader, ClipUnusable, Pan
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


def _target_picture(width: int, height: int) -> np.ndarray:
    """Grey rings round a red centre: a zoom moves the rings outwards, the centre stays."""
    rows, columns = np.mgrid[0:height, 0:width]
    distance = np.hypot(rows - height / 2, columns - width / 2)
    picture = np.repeat(((distance // 6) % 2 * 200 + 30).astype(np.uint8)[..., None], 3, axis=2)
    picture[distance < 10] = (255, 0, 0)
    return picture


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_a_still_picture_zooms_slowly_into_its_centre(tmp_path: Path, suffix: str) -> None:
    # Given a photo, and a four-second segment for it to fill
    photo = tmp_path / f"photo{suffix}"
    Image.fromarray(_target_picture(128, 224)).save(photo)
    reader = ClipReader(photo, 64, 112, Pan(seconds=4.0, direction=1))

    # When frames are taken across the segment
    frames = [to_rgb(reader.frame_at(seconds)).astype(int) for seconds in (0.0, 1.0, 2.0, 4.0)]
    reader.close()

    # Then the picture keeps changing from the start to the end of its segment
    assert all(frame.shape == (112, 64, 3) for frame in frames)
    for earlier, later in itertools.pairwise(frames):
        assert np.abs(earlier - later).mean() > 3
    # And the centre stays where it is, red, while the red grows as the zoom goes in
    for frame in frames:
        assert tuple(frame[56, 32]) == pytest.approx((255, 0, 0), abs=40)
    red_area = [int(((frame[..., 0] > 180) & (frame[..., 1] < 80)).sum()) for frame in frames]
    assert red_area == sorted(red_area)
    assert red_area[-1] > red_area[0] * 1.15
    # And a second reading of it is the same, frame for frame
    again = ClipReader(photo, 64, 112, Pan(seconds=4.0, direction=1))
    assert np.array_equal(to_rgb(again.frame_at(2.0)).astype(int), frames[2])
    again.close()
