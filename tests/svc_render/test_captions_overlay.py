import av
import numpy as np

from common.documents import CaptionGroup, Word
from common.messages import CaptionStyle
from svc_render.captions_layout import CaptionVariants, draw_caption, lay_out_caption
from svc_render.captions_overlay import CaptionOverlay
from svc_render.captions_track import CaptionTrack
from svc_render.frames import frame_from_rgb, plane_views
from tests.svc_render.media import solid, to_rgb

WIDTH, HEIGHT = 240, 426


def _group(text: str, start: float, end: float) -> CaptionGroup:
    return CaptionGroup(text=text, start=start, end=end, words=[])


def _timed_group(text: str, start: float, seconds_per_word: float) -> CaptionGroup:
    words = [
        Word(text=word, start=start + n * seconds_per_word, end=start + (n + 1) * seconds_per_word)
        for n, word in enumerate(text.split())
    ]
    return CaptionGroup(text=text, start=start, end=words[-1].end, words=words)


def _caption(text: str, style: CaptionStyle | None = None) -> CaptionOverlay:
    layout = lay_out_caption(text.split(), WIDTH, HEIGHT, style or CaptionStyle(), None)
    return draw_caption(layout)


def _textured_frame() -> av.VideoFrame:
    rows, columns = np.mgrid[0:HEIGHT, 0:WIDTH]
    rgb = np.stack([columns * 255 // WIDTH, rows * 255 // HEIGHT, (rows + columns) % 256], axis=-1)
    return frame_from_rgb(rgb.astype(np.uint8))


def _outside(overlay: CaptionOverlay) -> np.ndarray:
    """A mask of the luma plane that is True everywhere but under the overlay."""
    width, height = overlay.size
    outside = np.ones((HEIGHT, WIDTH), dtype=bool)
    outside[overlay.top : overlay.top + height, overlay.left : overlay.left + width] = False
    return outside


def test_a_caption_sits_centred_in_the_lower_third() -> None:
    # When a short caption is drawn for a portrait frame
    overlay = _caption("over the hill")

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
    overlay = _caption(text)
    one_line = _caption("the")

    # Then it spans several lines and stays within the margins
    width, height = overlay.size
    assert height > 2 * one_line.size[1]
    assert overlay.left > 0
    assert width < WIDTH


def test_blending_changes_only_the_caption_box_with_white_and_dark_pixels() -> None:
    # Given a mid-grey frame and a caption
    frame = frame_from_rgb(solid((128, 128, 128), WIDTH, HEIGHT))
    before = frame.to_ndarray()
    overlay = _caption("hello world")

    # When the caption is blended in
    captioned = overlay.composited(frame)

    # Then the original frame is untouched and the caption box alone changed
    np.testing.assert_array_equal(frame.to_ndarray(), before)
    luma = plane_views(captioned)[0].astype(int)
    original = plane_views(frame)[0].astype(int)
    outside = _outside(overlay)
    assert (luma[outside] == original[outside]).all()
    # And it shows white letters with a dark outline, in neutral colour
    inside = ~outside
    assert luma[inside].max() >= 230
    assert luma[inside].min() <= 30
    rgb = to_rgb(captioned).astype(int)
    assert np.abs(rgb[inside][..., 0] - rgb[inside][..., 2]).max() <= 12


def test_a_highlighted_caption_changes_a_busy_frame_only_in_the_caption_area() -> None:
    # Given a frame full of colour and detail, and a track at a moment a word is spoken
    frame = _textured_frame()
    track = CaptionTrack(
        [_timed_group("colours of the evening sky", 0.0, 0.3)],
        WIDTH,
        HEIGHT,
        CaptionStyle(),
        font_path=None,
    )
    overlay = track.overlay_at(0.7)
    assert overlay is not None

    # When the caption is blended in
    captioned = overlay.composited(frame)

    # Then every plane outside the caption's rectangle is as it was, and inside it changed
    luma, blue, red = plane_views(captioned)
    plain_luma, plain_blue, plain_red = plane_views(frame)
    outside = _outside(overlay)
    chroma_outside = outside[::2, ::2]
    np.testing.assert_array_equal(luma[outside], plain_luma[outside])
    np.testing.assert_array_equal(blue[chroma_outside], plain_blue[chroma_outside])
    np.testing.assert_array_equal(red[chroma_outside], plain_red[chroma_outside])
    assert (luma[~outside] != plain_luma[~outside]).mean() > 0.2


def test_a_variant_redrawn_in_part_matches_one_drawn_whole() -> None:
    # Given a long caption in a box, whose words sit close on several lines
    style = CaptionStyle(box=True, font_size=24, outline_color="#802080")
    words = "the quick brown fox jumps over the lazy dog".split()
    layout = lay_out_caption(words, WIDTH, HEIGHT, style, None)
    variants = CaptionVariants(layout)
    frame = _textured_frame()

    for word in [None, *range(len(words))]:
        # When a variant is made by redrawing only its word's part
        patched = variants.highlighting(word).composited(frame)

        # Then it looks exactly like the same variant drawn whole
        np.testing.assert_array_equal(
            patched.to_ndarray(), draw_caption(layout, word).composited(frame).to_ndarray()
        )


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
