"""Every CaptionStyle field shows in the frames, and odd word timings never break a caption."""

import numpy as np
import pytest

from common.documents import CaptionGroup, Word
from common.errors import StageError
from common.messages import CaptionStyle
from svc_render.captions_layout import parse_hex_color
from svc_render.captions_overlay import CaptionOverlay
from svc_render.captions_track import CaptionTrack, spoken_words
from svc_render.frames import frame_from_rgb
from tests.svc_render.media import solid, to_rgb

WIDTH, HEIGHT = 160, 288
BACKGROUND = (60, 90, 140)  # a dull blue, near none of the caption colours
YELLOW = (255, 210, 31)  # the default highlight colour
WHITE = (255, 255, 255)
# Letters big enough that whole 2x2 blocks of them keep their colour through yuv420p.
LEGIBLE = 24


def _group(*timed_words: tuple[str, float, float]) -> CaptionGroup:
    words = [Word(text=text, start=start, end=end) for text, start, end in timed_words]
    return CaptionGroup(
        text=" ".join(word.text for word in words),
        start=min(word.start for word in words),
        end=max(word.end for word in words),
        words=words,
    )


SUN_MOON = _group(("sun", 0.0, 0.4), ("moon", 0.5, 0.9))


def _track(group: CaptionGroup, **style: object) -> CaptionTrack:
    return CaptionTrack([group], WIDTH, HEIGHT, CaptionStyle.model_validate(style), None)


def _shown(track: CaptionTrack, seconds: float) -> tuple[CaptionOverlay, np.ndarray]:
    """The overlay at ``seconds`` and the RGB picture of it over the background."""
    overlay = track.overlay_at(seconds)
    assert overlay is not None
    frame = frame_from_rgb(solid(BACKGROUND, WIDTH, HEIGHT))
    return overlay, to_rgb(overlay.composited(frame)).astype(int)


def _near(rgb: np.ndarray, color: tuple[int, int, int], tolerance: int = 40) -> np.ndarray:
    """A mask of the pixels within ``tolerance`` of ``color`` in every channel."""
    return np.abs(rgb - np.array(color)).max(axis=-1) <= tolerance


def _changed_rows(rgb: np.ndarray) -> tuple[int, int]:
    """The first and last rows that differ from the plain background."""
    rows = np.flatnonzero(~_near(rgb, BACKGROUND, tolerance=8).all(axis=1))
    return int(rows[0]), int(rows[-1])


def _mean_column(mask: np.ndarray) -> float:
    return float(np.flatnonzero(mask.any(axis=0)).mean())


def test_the_word_being_spoken_is_highlighted_and_the_highlight_moves_on() -> None:
    # Given a two-word caption
    track = _track(SUN_MOON, font_size=LEGIBLE)

    # When it is shown while each word is spoken, and in the pause after the first
    _, during_sun = _shown(track, 0.1)
    _, in_the_pause = _shown(track, 0.45)
    _, during_moon = _shown(track, 0.6)

    # Then the highlight colour marks the first word, stays on it, then marks the second
    sun_highlight, moon_highlight = _near(during_sun, YELLOW), _near(during_moon, YELLOW)
    assert sun_highlight.sum() > 30 and moon_highlight.sum() > 30
    assert _mean_column(sun_highlight) < WIDTH / 2 < _mean_column(moon_highlight)
    np.testing.assert_array_equal(_near(in_the_pause, YELLOW), sun_highlight)
    # And the word not being spoken stays white
    assert _mean_column(_near(during_sun, WHITE)) > WIDTH / 2


def test_no_word_is_highlighted_before_the_first_is_spoken_or_after_the_last() -> None:
    # Given a caption on screen before its first word and after its last
    words = [Word(text="sun", start=0.3, end=0.6), Word(text="moon", start=0.6, end=0.9)]
    group = CaptionGroup(text="sun moon", start=0.0, end=1.2, words=words)
    track = _track(group, font_size=LEGIBLE)

    for seconds in (0.1, 1.0):
        # When it is shown
        _, rgb = _shown(track, seconds)

        # Then it is all white, with no highlight
        assert not _near(rgb, YELLOW).any()
        assert _near(rgb, WHITE).sum() > 30


def test_with_highlighting_off_no_word_takes_the_highlight_colour() -> None:
    # Given highlighting turned off
    track = _track(SUN_MOON, font_size=LEGIBLE, highlight=False)

    # When the caption is shown while each word is spoken
    first, during_sun = _shown(track, 0.1)
    second, during_moon = _shown(track, 0.6)

    # Then both words are white throughout, drawn once for the whole group
    for rgb in (during_sun, during_moon):
        assert not _near(rgb, YELLOW).any()
        assert _near(rgb, WHITE).sum() > 60
    assert second is first


def test_each_variant_is_drawn_once_and_keeps_the_text_in_place() -> None:
    # Given a caption long enough to wrap
    group = _group(
        *((word, n * 0.2, n * 0.2 + 0.2) for n, word in enumerate("a b c d e f".split()))
    )
    track = _track(group, font_size=LEGIBLE)

    # When it is shown through its words
    overlays = [track.overlay_at(n * 0.2 + 0.05) for n in range(6)]
    again = track.overlay_at(0.2 * 5 + 0.1)

    # Then every word has its own variant, kept while its word is spoken
    assert len({id(overlay) for overlay in overlays}) == 6
    assert again is overlays[-1]
    # And all variants have the same place and size, so the text does not jump
    places = {(o.left, o.top, o.size) for o in overlays if o is not None}
    assert len(places) == 1


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_position_puts_the_caption_at_the_top_middle_or_bottom(orientation: str) -> None:
    width, height = (WIDTH, HEIGHT) if orientation == "portrait" else (HEIGHT, WIDTH)
    frame = frame_from_rgb(solid(BACKGROUND, width, height))

    def rows_for(position: str) -> tuple[int, int]:
        style = CaptionStyle.model_validate({"position": position})
        track = CaptionTrack([SUN_MOON], width, height, style, None)
        overlay = track.overlay_at(0.1)
        assert overlay is not None
        return _changed_rows(to_rgb(overlay.composited(frame)).astype(int))

    # When the same caption is placed at the top, in the middle and at the bottom
    top, middle, bottom = rows_for("top"), rows_for("middle"), rows_for("bottom")

    # Then the top one sits under a margin in the upper third
    assert 0.05 * height <= top[0] and top[1] <= height / 3
    # And the middle one is centred
    assert abs((middle[0] + middle[1]) / 2 - height / 2) <= 0.05 * height
    # And the bottom one is in the lower third, clear of the bottom edge
    assert bottom[0] >= height * 2 / 3 and bottom[1] <= 0.94 * height


def test_a_portrait_caption_stays_clear_of_the_apps_bottom_controls() -> None:
    # Given a caption of several lines at the bottom of a portrait frame
    group = _group(*((word, 0.0, 1.0) for word in "one more very long caption here".split()))

    # When it is shown
    _, rgb = _shown(_track(group, font_size=LEGIBLE), 0.5)

    # Then nothing is drawn in the bottom 12 % of the frame
    assert _changed_rows(rgb)[1] < 0.88 * HEIGHT


def test_font_size_sets_the_height_of_the_letters() -> None:
    # When one caption is shown at two font sizes
    small = _changed_rows(_shown(_track(SUN_MOON, font_size=14), 0.1)[1])
    large = _changed_rows(_shown(_track(SUN_MOON, font_size=28), 0.1)[1])

    # Then the larger letters are about twice as tall
    small_height, large_height = small[1] - small[0], large[1] - large[0]
    assert 1.6 * small_height < large_height < 2.4 * small_height


def test_a_word_too_wide_for_the_frame_is_shrunk_to_fit_even_at_a_set_size() -> None:
    # Given a font size no word of this length could fit across the frame
    group = _group(("lighthouse", 0.0, 1.0))

    # When the caption is shown
    overlay, rgb = _shown(_track(group, font_size=200), 0.5)

    # Then the whole word fits between the side margins, its outline within the frame
    columns = np.flatnonzero(~_near(rgb, BACKGROUND, tolerance=8).all(axis=0))
    assert columns[0] > 0 and columns[-1] < WIDTH - 1
    assert overlay.size[0] < WIDTH


def test_the_box_darkens_the_area_around_the_text() -> None:
    # Given a light background and one caption with a box and one without
    light = (220, 220, 220)
    frame = frame_from_rgb(solid(light, WIDTH, HEIGHT))
    boxed = _track(SUN_MOON, font_size=LEGIBLE, box=True).overlay_at(0.1)
    bare = _track(SUN_MOON, font_size=LEGIBLE).overlay_at(0.1)
    assert boxed is not None and bare is not None

    # When each is blended in
    with_box = to_rgb(boxed.composited(frame)).astype(int)
    without_box = to_rgb(bare.composited(frame)).astype(int)

    # Then the box is larger than the bare caption
    assert boxed.size[0] > bare.size[0] and boxed.size[1] > bare.size[1]
    # And the strip above the letters, inside the box, is darkened to about half
    strip = with_box[boxed.top + 2 : boxed.top + 5, WIDTH // 2 - 10 : WIDTH // 2 + 10]
    assert 70 <= strip.mean() <= 130
    # While without a box the same strip shows the background untouched
    same_strip = without_box[boxed.top + 2 : boxed.top + 5, WIDTH // 2 - 10 : WIDTH // 2 + 10]
    assert _near(same_strip, light, tolerance=3).all()


def test_text_and_outline_take_the_styles_colours() -> None:
    # Given green letters with a red outline, large enough that the outline is thick
    track = _track(
        SUN_MOON, font_size=2 * LEGIBLE, color="#20E020", outline_color="#E02020", highlight=False
    )

    # When the caption is shown
    _, rgb = _shown(track, 0.1)

    # Then both colours are in the frame, and no white
    assert _near(rgb, (32, 224, 32)).sum() > 30
    assert _near(rgb, (224, 32, 32)).sum() > 30
    assert not _near(rgb, WHITE).any()


def test_colours_are_read_from_hex() -> None:
    assert parse_hex_color("#FFD21F") == (255, 210, 31)
    assert parse_hex_color("#00a0ff") == (0, 160, 255)
    with pytest.raises(StageError):
        parse_hex_color("red")


def test_disabled_captions_show_nothing() -> None:
    # Given captions turned off
    track = _track(SUN_MOON, enabled=False)

    # Then no overlay is shown at any time, while words are spoken or not
    assert all(track.overlay_at(seconds / 10) is None for seconds in range(12))


def test_odd_word_timings_show_the_caption_without_failing() -> None:
    # Given words of no length, outside the group's time, out of order and blank
    words = [
        Word(text="a", start=0.5, end=0.5),
        Word(text="", start=0.6, end=0.7),
        Word(text="quick", start=4.0, end=5.0),
        Word(text="test", start=0.1, end=0.0),
    ]
    group = CaptionGroup(text="a quick test", start=0.5, end=1.5, words=words)
    track = _track(group, font_size=LEGIBLE)

    # When the caption is shown through its time
    shown = [_shown(track, 0.5 + n / 10)[1] for n in range(10)]

    # Then every frame shows it, and only the first word is ever highlighted
    for rgb in shown:
        assert _near(rgb, WHITE).sum() > 30
        highlighted = _near(rgb, YELLOW)
        assert highlighted.any() and _mean_column(highlighted) < WIDTH / 2


def test_word_timings_are_clamped_to_the_group_and_never_run_backwards() -> None:
    # Given timings before the group, out of order and of no length at the end
    words = [
        Word(text="early", start=0.0, end=0.2),
        Word(text="late", start=0.9, end=1.0),
        Word(text="back", start=0.6, end=0.7),
        Word(text="still", start=1.2, end=1.2),
    ]
    group = CaptionGroup(text="early late back still", start=0.5, end=1.5, words=words)

    # When the spoken words are worked out
    spoken = spoken_words(group)

    # Then each starts no earlier than the group or the word before
    assert spoken.starts == [0.5, 0.9, 0.9, 1.2]
    # And the word said at each moment follows from that, none once the last is done
    assert [spoken.spoken_at(s) for s in (0.4, 0.5, 0.95, 1.2)] == [None, 0, 2, None]


def test_words_that_do_not_match_the_text_give_no_highlight() -> None:
    # Given word timings for other words than the caption's text
    words = [Word(text="other", start=0.0, end=0.5), Word(text="words", start=0.5, end=1.0)]
    group = CaptionGroup(text="the shown text", start=0.0, end=1.0, words=words)

    # When the spoken words are worked out
    spoken = spoken_words(group)

    # Then the caption shows its text, with no timings to highlight by
    assert spoken.texts == ["the", "shown", "text"]
    assert spoken.spoken_at(0.2) is None
