import numpy as np

from common.documents import CaptionGroup
from common.messages import CaptionStyle
from svc_render.captions_overlay import CaptionTrack, draw_caption
from svc_render.frames import frame_from_rgb, frame_planes
from tests.svc_render.media import solid, to_rgb

WIDTH, HEIGHT = 240, 426


def _group(text: str, start: float, end: float) -> CaptionGroup:
    return CaptionGroup(text=text, start=start, end=end, words=[])


def test_a_caption_sits_centred_in_the_lower_third() -> None:
    # When a short caption is drawn for a portrait frame
    overlay = draw_caption("over the hill", WIDTH, HEIGHT, font_path=None)

    # Then it lies in the lower third, centred across, inside the frame
    width, height = overlay.size
    assert overlay.top + height / 2 >= HEIGHT * 2 / 3
    assert overlay.top + height <= HEIGHT
    assert abs(overlay.left + width / 2 - WIDTH / 2) <= 2
    # And its letters are large for the frame
    assert height > WIDTH / 16


def test_long_captions_wrap_inside_the_side_margins() -> None:
    # Given a caption far too long for one line
    text = "the quick brown fox jumps over the lazy dog and runs away"

    # When it is drawn
    overlay = draw_caption(text, WIDTH, HEIGHT, font_path=None)
    one_line = draw_caption("the", WIDTH, HEIGHT, font_path=None)

    # Then it spans several lines and stays within the margins
    width, height = overlay.size
    assert height > 2 * one_line.size[1]
    assert overlay.left > 0
    assert width < WIDTH


def test_blending_changes_only_the_caption_box_with_white_and_dark_pixels() -> None:
    # Given a mid-grey frame and a caption
    frame = frame_from_rgb(solid((128, 128, 128), WIDTH, HEIGHT))
    before = frame.copy()
    overlay = draw_caption("hello world", WIDTH, HEIGHT, font_path=None)

    # When the caption is blended in
    captioned = overlay.composited(frame)

    # Then the original frame is untouched and the caption box alone changed
    np.testing.assert_array_equal(frame, before)
    luma = frame_planes(captioned, WIDTH)[0].astype(int)
    original = frame_planes(frame, WIDTH)[0].astype(int)
    width, height = overlay.size
    box = (slice(overlay.top, overlay.top + height), slice(overlay.left, overlay.left + width))
    outside = np.ones_like(luma, dtype=bool)
    outside[box] = False
    assert (luma[outside] == original[outside]).all()
    # And it shows white letters with a dark outline, in neutral colour
    assert luma[box].max() >= 230
    assert luma[box].min() <= 30
    rgb = to_rgb(captioned).astype(int)
    assert np.abs(rgb[box][..., 0] - rgb[box][..., 2]).max() <= 12


def test_the_track_shows_each_group_only_during_its_time() -> None:
    # Given two caption groups with a pause between them
    track = CaptionTrack(
        [_group("second", 2.0, 3.0), _group("first", 0.5, 1.5), _group("  ", 1.5, 2.0)],
        WIDTH,
        HEIGHT,
        CaptionStyle(),
        font_path=None,
    )

    # When overlays are asked for across the narration
    # Then none shows before, between or after the groups, and a blank group shows nothing
    assert track.overlay_at(0.2) is None
    first = track.overlay_at(0.5)
    assert first is not None
    assert track.overlay_at(1.4) is first  # drawn once, kept while on screen
    assert track.overlay_at(1.7) is None
    second = track.overlay_at(2.0)
    assert second is not None and second is not first
    assert track.overlay_at(3.0) is None
