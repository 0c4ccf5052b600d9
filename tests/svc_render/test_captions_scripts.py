"""Captions in any bundled script: every character drawn from a face that has it, never a
missing-glyph box; right-to-left lines read from the right; lines break only between words.
"""

import logging
from itertools import pairwise

import numpy as np
import pytest
from PIL import Image, ImageDraw

from common.documents import CaptionGroup, Word
from common.messages import CaptionStyle
from svc_render.captions_layout import CaptionLayout, CaptionVariants, lay_out_caption
from svc_render.captions_track import CaptionTrack, spoken_words
from svc_render.fonts import (
    CaptionFonts,
    TextRun,
    bundled_font_paths,
    caption_faces,
    raqm_layout,
)
from svc_render.frames import frame_from_rgb
from tests.svc_render.media import solid, to_rgb

WIDTH, HEIGHT = 320, 480
BACKGROUND = (60, 90, 140)
HIGHLIGHT = (255, 0, 255)  # magenta: no letter or outline comes near it
STYLE = CaptionStyle(font_size=28, highlight_color="#FF00FF")
# A code point no font maps: what a face draws for it is its missing-glyph box.
UNMAPPED = "\U0010fffd"

# Sample sentences as the captions stage gives them: words, and what joins them.
SAMPLES = {
    "latin": (["Grüße", "aus", "Köln"], " "),
    "cyrillic": (["Съешь", "ещё", "булок"], " "),
    "greek": (["Γειά", "σου", "κόσμε"], " "),  # noqa: RUF001
    "arabic": (["مرحبا", "بالعالم", "الجميل"], " "),
    "devanagari": (["नमस्ते", "दुनिया", "कैसे"], " "),
    "thai": (["สวัสดี", "ครับ"], ""),
    "japanese": (["東京", "に", "行きます。"], ""),
    "chinese": (["我们", "今天", "去北京"], ""),
}


def _layout(words: list[str], sep: str, width: int = WIDTH) -> CaptionLayout:
    spaced = [bool(sep)] * len(words)
    return lay_out_caption(words, width, HEIGHT, STYLE, None, spaced)


def _frame_with(layout: CaptionLayout, word: int | None) -> np.ndarray:
    frame = frame_from_rgb(solid(BACKGROUND, WIDTH, HEIGHT))
    overlay = CaptionVariants(layout).highlighting(word)
    return to_rgb(overlay.composited(frame)).astype(int)


def _highlight_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of the pixels near the highlight colour."""
    near = np.abs(rgb - np.array(HIGHLIGHT)).max(axis=-1) <= 60
    rows, columns = np.flatnonzero(near.any(axis=1)), np.flatnonzero(near.any(axis=0))
    assert rows.size and columns.size, "no highlighted pixels"
    return int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1


def _glyph(fonts: CaptionFonts, run: TextRun) -> np.ndarray:
    white = (255, 255, 255)
    image = Image.new("RGB", (3 * fonts.size, 2 * fonts.size))
    fonts.draw(ImageDraw.Draw(image), (fonts.size / 2, 1.5 * fonts.size), run, white, 0, white)
    return np.asarray(image.convert("L"))


@pytest.mark.parametrize("script", SAMPLES)
def test_every_character_comes_from_a_face_that_has_it(script: str) -> None:
    # Given a sample sentence in the script
    words, sep = SAMPLES[script]
    layout = _layout(words, sep)

    # When it is laid out
    placed = [(word, run.run) for word in layout.words for run in word.runs]

    # Then every character is drawn, each from a face whose character map has it
    assert "".join(run.text for _, run in placed) == "".join(words)
    for _, run in placed:
        face = layout.fonts.faces[run.face]
        assert all(face.has(character) for character in run.text), (run.text, face.path)


@pytest.mark.parametrize("script", SAMPLES)
def test_no_character_is_drawn_as_the_missing_glyph_box(script: str) -> None:
    # Given each character of the sample, in the face the layout chose for it
    words, _ = SAMPLES[script]
    fonts = _layout(*SAMPLES[script]).fonts
    for word in words:
        for run in fonts.runs(word):
            missing = _glyph(fonts, TextRun(UNMAPPED, run.face, False))
            assert missing.any()  # the face's missing-glyph box
            for character in run.text:
                # When it is drawn on its own
                drawn = _glyph(fonts, TextRun(character, run.face, run.rtl))

                # Then it is not what the face draws for a character it lacks
                assert drawn.any() or character.isspace()
                assert not np.array_equal(drawn, missing), (character, script)


@pytest.mark.parametrize("script", SAMPLES)
def test_the_highlight_covers_the_word_being_spoken(script: str) -> None:
    # Given a caption in the script, and each of its words highlighted in turn
    layout = _layout(*SAMPLES[script])
    for number, word in enumerate(layout.words):
        # When the frame is drawn with that word highlighted
        left, top, right, bottom = _highlight_box(_frame_with(layout, number))

        # Then the highlighted pixels lie on that word's place, and fill most of its width
        ink_left, ink_top, ink_right, ink_bottom = word.ink
        frame_ink = (
            ink_left + layout.left,
            ink_top + layout.top,
            ink_right + layout.left,
            ink_bottom + layout.top,
        )
        assert frame_ink[0] - 2 <= left and right <= frame_ink[2] + 2, (script, number)
        assert frame_ink[1] - 2 <= top and bottom <= frame_ink[3] + 2, (script, number)
        assert right - left >= 0.6 * (ink_right - ink_left), (script, number)


@pytest.mark.skipif(not raqm_layout(), reason="right-to-left layout needs libraqm")
def test_an_arabic_caption_reads_from_the_right() -> None:
    # Given an Arabic caption of words on one line
    layout = _layout(["مرحبا", "بالعالم"], " ")
    first, second = layout.words

    # When its first and then its second word is highlighted
    first_box = _highlight_box(_frame_with(layout, 0))
    second_box = _highlight_box(_frame_with(layout, 1))

    # Then the first word stands right of the second, and so does its highlight
    assert first.y == second.y
    assert first.ink[0] > second.ink[2]
    assert first_box[0] > second_box[2]


@pytest.mark.skipif(not raqm_layout(), reason="shaping needs libraqm")
def test_arabic_letters_are_joined() -> None:
    # Given a word of four letters beh, which join one to the next
    fonts = _layout(["بببب"], " ").fonts
    (run,) = fonts.runs("بببب")

    # When it is measured whole and letter by letter
    whole = fonts.length(run)
    alone = 4 * fonts.length(TextRun("ب", run.face, True))

    # Then the joined word is narrower than four letters standing alone
    assert run.rtl
    assert whole < 0.8 * alone


def test_latin_inside_an_arabic_line_keeps_its_own_order() -> None:
    # Given an Arabic caption with two English words in the middle
    layout = _layout(["أحب", "iPhone", "Pro", "كثيرا"], " ", width=640)
    first, iphone, pro, last = layout.words

    # Then the line runs from the right, and the English words read left to right
    assert first.y == iphone.y == pro.y == last.y
    assert first.ink[0] > pro.ink[2] > iphone.ink[2] and iphone.ink[0] > last.ink[2]


def test_japanese_wraps_between_words_and_sets_them_without_spaces() -> None:
    # Given a Japanese caption of many short words, none parted by a space, in a narrow frame
    words = ["今日", "は", "東京", "の", "天気", "が", "とても", "良い", "です"]
    layout = _layout(words, "", width=160)

    # When it is laid out
    lines: dict[float, list[int]] = {}
    for number, word in enumerate(layout.words):
        lines.setdefault(word.y, []).append(number)

    # Then it takes several lines, each a run of whole words in order, touching one another
    assert len(lines) >= 2
    assert [n for line in lines.values() for n in line] == list(range(len(words)))
    for line in lines.values():
        for before, after in pairwise(line):
            end = layout.words[before].x + sum(
                layout.fonts.length(run.run) for run in layout.words[before].runs
            )
            assert abs(layout.words[after].x - end) <= 1


def test_a_latin_and_japanese_caption_takes_each_from_its_own_face() -> None:
    # Given a caption mixing a Latin word and Japanese in one word
    layout = _layout(["Tokyoタワー", "です"], "")

    # Then the Latin letters and the kana come from different faces, side by side
    runs = layout.words[0].runs
    assert [run.run.text for run in runs] == ["Tokyo", "タワー"]
    assert runs[0].run.face != runs[1].run.face
    assert runs[1].offset > runs[0].offset


def test_a_character_no_face_has_is_left_out_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    # Given a word with a character none of the fonts has
    fonts = CaptionFonts(caption_faces(None), 24)

    # When it is cut into runs
    with caplog.at_level(logging.WARNING):
        runs = fonts.runs(f"ok{UNMAPPED}\U0010fffc")

    # Then the character is left out, and said so
    assert "".join(run.text for run in runs) == "ok"
    assert "U+10FFFC" in caplog.text


def test_japanese_word_timings_are_matched_without_spaces() -> None:
    # Given a Japanese caption whose text puts no space between its timed words
    words = [
        Word(text=text, start=i * 0.5, end=i * 0.5 + 0.4)
        for i, text in enumerate(["東京", "に", "行きます"])
    ]
    group = CaptionGroup(text="東京に行きます", start=0.0, end=1.5, words=words)

    # When its spoken words are worked out
    spoken = spoken_words(group)

    # Then each word keeps its timing, and none is parted from the one before by a space
    assert spoken.texts == ["東京", "に", "行きます"]
    assert spoken.spaced == [False, False, False]
    assert spoken.starts == [0.0, 0.5, 1.0]
    track = CaptionTrack([group], WIDTH, HEIGHT, STYLE, None, language="ja")
    assert track.overlay_at(0.6) is not None


def test_a_configured_font_comes_first_and_the_bundled_ones_fill_its_gaps() -> None:
    # Given a configured font with Latin letters but no Han characters
    configured = bundled_font_paths()[2]
    words = ["Hello", "東京"]

    # When a caption mixing both is laid out
    layout = lay_out_caption(words, WIDTH, HEIGHT, STYLE, configured)

    # Then the Latin word comes from the configured font, and Han from a bundled one
    latin, han = (word.runs[0].run for word in layout.words)
    assert layout.fonts.faces[latin.face].path == configured
    assert layout.fonts.faces[han.face].path != configured
    assert all(layout.fonts.faces[han.face].has(character) for character in "東京")
