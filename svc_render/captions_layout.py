"""Caption layout and drawing with Pillow: large bold words with an outline.

A caption group is laid out once, and every variant of it (no word or one word
highlighted) is drawn from that layout, so moving the highlight never moves the text.
A highlighted variant redraws only its word's rectangle over what all variants share.
"""

import math
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from PIL import Image, ImageDraw

from common.errors import StageError
from common.messages import CaptionPosition, CaptionStyle
from svc_render.captions_overlay import CaptionOverlay
from svc_render.fonts import (
    Box,
    CaptionFonts,
    FontFace,
    TextRun,
    caption_faces,
    has_direction,
    is_rtl,
    warn_once_without_raqm,
    written_language,
)

RGB = tuple[int, int, int]

# Font size as a fraction of the frame's short side, so landscape text is not huge.
FONT_SCALE = 1 / 11
MIN_FONT_SIZE = 8
SIDE_MARGIN = 0.08  # of the width, on each side
LINE_HEIGHT = 1.2  # ems
OUTLINE_WIDTH = 0.08  # ems
# A stroke in the letters' own colour thickens them: bold from any font.
THICKENING_WIDTH = 1 / 30  # ems
# Where the middle of a bottom caption sits, as a fraction of the height: the lower third.
BOTTOM_CENTRE = 0.8
# Portrait apps lay their buttons and descriptions over the top and bottom of the picture;
# a player's controls take less. Fractions of the height kept clear, above and below.
PORTRAIT_MARGINS = (0.12, 0.14)
OTHER_MARGINS = (0.06, 0.06)
BOX_FILL = (0, 0, 0, 140)  # black at 55 %
BOX_PADDING = 0.35  # ems
BOX_RADIUS = 0.3  # ems
HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


class CaptionVariants:
    """One caption with any one of its words highlighted, or none.

    What every variant shares is drawn once; a highlighted variant redraws and converts only
    the part of the image its word covers, a small fraction of the work of a whole caption.
    """

    def __init__(self, layout: "CaptionLayout") -> None:
        self._layout = layout
        self._under_letters = _box_and_outlines(layout)
        plain = _with_letters(self._under_letters.copy(), layout, highlighted_word=None)
        self.plain = CaptionOverlay.of_image(plain, layout.left, layout.top)

    def highlighting(self, word: int | None) -> "CaptionOverlay":
        if word is None:
            return self.plain
        region = _even_region(self._layout.words[word].ink, self._layout.image_size)
        if region is None:
            return self.plain  # the word lies outside an image cut down to the frame
        left, top = region[:2]
        patch = _with_letters(
            self._under_letters.crop(region), self._layout, word, origin=(left, top)
        )
        return self.plain.patched(patch, left, top)


@dataclass(frozen=True)
class CaptionPaint:
    """The colours of a caption style, as Pillow takes them."""

    text: RGB
    highlight: RGB
    outline: RGB
    box: bool

    @classmethod
    def of(cls, style: CaptionStyle) -> "CaptionPaint":
        return cls(
            text=parse_hex_color(style.color),
            highlight=parse_hex_color(style.highlight_color),
            outline=parse_hex_color(style.outline_color),
            box=style.box,
        )


def parse_hex_color(text: str) -> RGB:
    """``"#RRGGBB"`` as red, green and blue from 0 to 255."""
    if not HEX_COLOR.fullmatch(text):
        raise StageError(f"{text!r} is not a #RRGGBB colour")
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


@dataclass(frozen=True)
class PlacedRun:
    run: TextRun
    offset: float  # from the word's left edge


@dataclass(frozen=True)
class PlacedWord:
    text: str
    x: float  # the left end of its baseline on the caption image
    y: float
    ink: Box  # all that is drawn for it, outline included
    runs: tuple[PlacedRun, ...] = ()

    def moved(self, right: float, down: float) -> "PlacedWord":
        left, top, ink_right, bottom = self.ink
        ink = (left + right, top + down, ink_right + right, bottom + down)
        return PlacedWord(self.text, self.x + right, self.y + down, ink, self.runs)

    def on_whole_pixels(self) -> "PlacedWord":
        # Pillow sets text at a fractional place differently when drawing into a patch of
        # the image, where the place is negative; at whole pixels a patch matches the whole.
        return self.moved(round(self.x) - self.x, round(self.y) - self.y)


@dataclass(frozen=True)
class CaptionLayout:
    """Everything about a caption but which word is highlighted: variants drawn from one
    layout have the same wrap, place and size, so the text stays still as the highlight moves.
    """

    words: list[PlacedWord]  # in reading order, wherever each stands on its line
    fonts: CaptionFonts
    font_size: int
    paint: CaptionPaint
    image_size: tuple[int, int]  # even sides
    left: int  # of the image in the frame; even
    top: int
    rtl: bool  # lines run right to left, the first word on the right


def lay_out_caption(
    words: list[str],
    width: int,
    height: int,
    style: CaptionStyle,
    font_path: Path | None,
    spaced: list[bool] | None = None,
    language: str | None = None,
) -> CaptionLayout:
    """Wrap ``words`` to the frame's width and place them where ``style.position`` says.

    ``spaced`` says which words a space parts from the one before (not so in Japanese or
    Chinese); every word is, unless it says otherwise. Lines break only between words.
    ``language``, a BCP 47 tag, picks a face's forms for it; else the text's scripts do.
    """
    gaps = [True] * len(words) if spaced is None else [False, *spaced[1:]]
    rtl = is_rtl(" ".join(words))
    if rtl:
        warn_once_without_raqm()
    max_text_width = width - 2 * round(width * SIDE_MARGIN)
    faces = caption_faces(font_path)
    language = language or written_language("".join(words))
    fonts = _fitting_fonts(
        words, _wanted_font_size(style, width, height), max_text_width, faces, language
    )
    measured = [_measured(word, fonts) for word in words]
    lines = _wrap(measured, gaps, fonts.space, max_text_width)
    placed = _place_words(lines, measured, gaps, fonts, rtl)
    ink_left, ink_top, ink_right, ink_bottom = _union([word.ink for word in placed])
    padding = BOX_PADDING * fonts.size if style.box else 1
    image_left, image_width = _fitted_span(ink_left, ink_right, padding, width)
    image_top, image_height = _fitted_span(ink_top, ink_bottom, padding, height)
    on_image = [word.moved(-image_left, -image_top).on_whole_pixels() for word in placed]
    return CaptionLayout(
        words=on_image,
        fonts=fonts,
        font_size=fonts.size,
        paint=CaptionPaint.of(style),
        image_size=(image_width, image_height),
        left=_even((width - image_width) / 2),
        top=_caption_top(image_height, width, height, style.position),
        rtl=rtl,
    )


def draw_caption(layout: CaptionLayout, highlighted_word: int | None = None) -> CaptionOverlay:
    """The whole caption, with word number ``highlighted_word`` in the highlight colour."""
    image = _with_letters(_box_and_outlines(layout), layout, highlighted_word)
    return CaptionOverlay.of_image(image, layout.left, layout.top)


def _box_and_outlines(layout: CaptionLayout) -> Image.Image:
    """Everything drawn under the letters: the box, if any, and every word's outline."""
    paint = layout.paint
    outlines = Image.new("RGBA", layout.image_size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(outlines)
    stroke = _outline_width(layout.font_size)
    # Every outline before any letter, so no word's outline covers a neighbour's letters.
    for word in layout.words:
        for placed in word.runs:
            at = (word.x + placed.offset, word.y)
            layout.fonts.draw(draw, at, placed.run, paint.outline, stroke, paint.outline)
    return Image.alpha_composite(_box(layout), outlines) if paint.box else outlines


def _with_letters(
    image: Image.Image,
    layout: CaptionLayout,
    highlighted_word: int | None,
    origin: tuple[int, int] = (0, 0),
) -> Image.Image:
    """``image``, the part of the caption from ``origin`` on, with the letters drawn over it."""
    paint = layout.paint
    draw = ImageDraw.Draw(image)
    thickening = round(layout.font_size * THICKENING_WIDTH)
    left, top = origin
    shown = (left, top, left + image.width, top + image.height)
    for number, word in enumerate(layout.words):
        if not _overlap(word.ink, shown):
            continue
        color = paint.highlight if number == highlighted_word else paint.text
        for placed in word.runs:
            at = (word.x + placed.offset - left, word.y - top)
            layout.fonts.draw(draw, at, placed.run, color, thickening, color)
    return image


def _wanted_font_size(style: CaptionStyle, width: int, height: int) -> int:
    if style.font_size is not None:
        return style.font_size
    return max(MIN_FONT_SIZE, round(min(width, height) * FONT_SCALE))


def _fitting_fonts(
    words: list[str],
    size: int,
    max_width: int,
    faces: tuple[FontFace, ...],
    language: str | None,
) -> CaptionFonts:
    """The faces at ``size``, or smaller where the widest word would not fit ``max_width``."""
    fonts = CaptionFonts(faces, size, language)
    while size > MIN_FONT_SIZE and max(_width(word, fonts) for word in words) > max_width:
        size = max(MIN_FONT_SIZE, size - max(1, size // 10))
        fonts = CaptionFonts(faces, size, language)
    return fonts


def _outline_width(size: int) -> int:
    return max(1, round(size * OUTLINE_WIDTH))


@dataclass(frozen=True)
class _MeasuredWord:
    text: str
    runs: tuple[PlacedRun, ...]  # left to right as drawn
    width: float
    ink: Box  # from the left end of its baseline


def _width(word: str, fonts: CaptionFonts) -> float:
    return sum(fonts.length(run) for run in fonts.runs(word))


def _measured(word: str, fonts: CaptionFonts) -> _MeasuredWord:
    """``word``'s runs side by side; a right-to-left word's first run on the right."""
    runs = fonts.runs(word)
    in_view = list(reversed(runs)) if is_rtl(word) else runs
    placed, inks, offset = [], [], 0.0
    stroke = _outline_width(fonts.size)
    for run in in_view:
        placed.append(PlacedRun(run, offset))
        left, top, right, bottom = fonts.ink(run, stroke)
        inks.append((left + offset, top, right + offset, bottom))
        offset += fonts.length(run)
    ink = _union(inks) if inks else (0.0, 0.0, 0.0, 0.0)
    return _MeasuredWord(word, tuple(placed), offset, ink)


def _wrap(
    words: list[_MeasuredWord], gaps: list[bool], space: float, max_width: int
) -> list[list[int]]:
    """Word numbers by line, each line as full as fits; a word is never split."""
    lines: list[list[int]] = []
    line_width = 0.0
    for number, word in enumerate(words):
        gap = space if gaps[number] else 0.0
        if lines and line_width + gap + word.width <= max_width:
            lines[-1].append(number)
            line_width += gap + word.width
        else:
            lines.append([number])
            line_width = word.width
    return lines


def _place_words(
    lines: list[list[int]],
    words: list[_MeasuredWord],
    gaps: list[bool],
    fonts: CaptionFonts,
    rtl: bool,
) -> list[PlacedWord]:
    """Each word where it falls in its line, each line centred on x = 0; in reading order."""
    line_height = round(fonts.size * LINE_HEIGHT)
    placed: dict[int, PlacedWord] = {}
    for line_number, line in enumerate(lines):
        in_view = _visual_order(line, [words[number].text for number in line], rtl)
        widths = [words[number].width for number in in_view]
        spaces = [_space_between(a, b, gaps, fonts.space) for a, b in pairwise(in_view)]
        x = -(sum(widths) + sum(spaces)) / 2
        for position, number in enumerate(in_view):
            word = words[number]
            at_origin = PlacedWord(word.text, 0.0, 0.0, word.ink, word.runs)
            placed[number] = at_origin.moved(x, line_number * line_height)
            x += word.width + (spaces[position] if position < len(spaces) else 0.0)
    return [placed[number] for number in range(len(words))]


def _space_between(first: int, second: int, gaps: list[bool], space: float) -> float:
    # Neighbours in reading order keep what parts them in the text; others, a space.
    if abs(first - second) == 1 and not gaps[max(first, second)]:
        return 0.0
    return space


def _visual_order(numbers: list[int], texts: list[str], rtl: bool) -> list[int]:
    """A line's words left to right: the Unicode bidirectional reordering, word by word.

    In a right-to-left line, right-to-left words sit at level 1 and left-to-right ones
    (a Latin name in Arabic) at 2, so a run of them keeps its own order; in a left-to-right
    line, right-to-left words sit at level 1. Words with no direction take the line's.
    """
    base = 1 if rtl else 0
    levels = [(1 if is_rtl(text) else 2 * base) if has_direction(text) else base for text in texts]
    order = list(numbers)
    for level in range(max(levels, default=0), 0, -1):
        start = 0
        while start < len(order):
            if levels[start] < level:
                start += 1
                continue
            end = start
            while end < len(order) and levels[end] >= level:
                end += 1
            order[start:end] = reversed(order[start:end])
            levels[start:end] = reversed(levels[start:end])
            start = end
    return order


def _union(boxes: list[Box]) -> Box:
    return (
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )


def _overlap(first: Box, second: Box) -> bool:
    return (
        first[0] < second[2]
        and second[0] < first[2]
        and first[1] < second[3]
        and second[1] < first[3]
    )


def _even_region(ink: Box, image_size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """The smallest rectangle with even corners round ``ink``, inside the image; None if empty."""
    left = max(0, math.floor(ink[0]) // 2 * 2)
    top = max(0, math.floor(ink[1]) // 2 * 2)
    right = min(image_size[0], _even_up(ink[2]))
    bottom = min(image_size[1], _even_up(ink[3]))
    return (left, top, right, bottom) if left < right and top < bottom else None


def _fitted_span(low: float, high: float, padding: float, limit: int) -> tuple[float, int]:
    """Start and even length of ``low``..``high`` padded, cut to ``limit`` about its middle."""
    length = min(_even_up(high - low + 2 * padding), limit // 2 * 2)
    return (low + high - length) / 2, length


def _caption_top(image_height: int, width: int, height: int, position: CaptionPosition) -> int:
    top_margin, bottom_margin = PORTRAIT_MARGINS if height > width else OTHER_MARGINS
    if position == "top":
        top = height * top_margin
    elif position == "middle":
        top = (height - image_height) / 2
    else:
        centred = height * BOTTOM_CENTRE - image_height / 2
        top = min(centred, height * (1 - bottom_margin) - image_height)
    return _even(min(max(0.0, top), height - image_height))


def _box(layout: CaptionLayout) -> Image.Image:
    """The translucent rounded box behind the text, filling the caption image."""
    box = Image.new("RGBA", layout.image_size, (0, 0, 0, 0))
    right, bottom = layout.image_size[0] - 1, layout.image_size[1] - 1
    radius = round(layout.font_size * BOX_RADIUS)
    ImageDraw.Draw(box).rounded_rectangle((0, 0, right, bottom), radius=radius, fill=BOX_FILL)
    return box


def _even(value: float) -> int:
    return int(value) // 2 * 2


def _even_up(value: float) -> int:
    return math.ceil(value / 2) * 2
