"""Caption layout and drawing with Pillow: large bold words with an outline.

A caption group is laid out once, and every variant of it (no word or one word
highlighted) is drawn from that layout, so moving the highlight never moves the text.
A highlighted variant redraws only its word's rectangle over what all variants share.
"""

import math
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from common.errors import StageError
from common.messages import CaptionPosition, CaptionStyle
from svc_render.captions_overlay import CaptionOverlay

CaptionFont = ImageFont.FreeTypeFont | ImageFont.ImageFont
RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]  # left, top, right, bottom

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
class PlacedWord:
    text: str
    x: float  # where Pillow draws it on the caption image
    y: float
    ink: Box  # all that is drawn for it, outline included

    def moved(self, right: float, down: float) -> "PlacedWord":
        left, top, ink_right, bottom = self.ink
        ink = (left + right, top + down, ink_right + right, bottom + down)
        return PlacedWord(self.text, self.x + right, self.y + down, ink)

    def on_whole_pixels(self) -> "PlacedWord":
        # Pillow sets text at a fractional place differently when drawing into a patch of
        # the image, where the place is negative; at whole pixels a patch matches the whole.
        return self.moved(round(self.x) - self.x, round(self.y) - self.y)


@dataclass(frozen=True)
class CaptionLayout:
    """Everything about a caption but which word is highlighted: variants drawn from one
    layout have the same wrap, place and size, so the text stays still as the highlight moves.
    """

    words: list[PlacedWord]
    font: CaptionFont
    font_size: int
    paint: CaptionPaint
    image_size: tuple[int, int]  # even sides
    left: int  # of the image in the frame; even
    top: int


def lay_out_caption(
    words: list[str],
    width: int,
    height: int,
    style: CaptionStyle,
    font_path: Path | None,
) -> CaptionLayout:
    """Wrap ``words`` to the frame's width and place them where ``style.position`` says."""
    max_text_width = width - 2 * round(width * SIDE_MARGIN)
    font, size = _fitting_font(
        words, _wanted_font_size(style, width, height), max_text_width, font_path
    )
    placed = _place_words(_wrap(words, font, max_text_width), font, size)
    ink_left, ink_top, ink_right, ink_bottom = _union([word.ink for word in placed])
    padding = BOX_PADDING * size if style.box else 1
    image_left, image_width = _fitted_span(ink_left, ink_right, padding, width)
    image_top, image_height = _fitted_span(ink_top, ink_bottom, padding, height)
    on_image = [word.moved(-image_left, -image_top).on_whole_pixels() for word in placed]
    return CaptionLayout(
        words=on_image,
        font=font,
        font_size=size,
        paint=CaptionPaint.of(style),
        image_size=(image_width, image_height),
        left=_even((width - image_width) / 2),
        top=_caption_top(image_height, width, height, style.position),
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
    # Every outline before any letter, so no word's outline covers a neighbour's letters.
    for word in layout.words:
        draw.text(
            (word.x, word.y),
            word.text,
            font=layout.font,
            fill=paint.outline,
            stroke_width=_outline_width(layout.font_size),
            stroke_fill=paint.outline,
        )
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
        draw.text(
            (word.x - left, word.y - top),
            word.text,
            font=layout.font,
            fill=color,
            stroke_width=thickening,
            stroke_fill=color,
        )
    return image


def load_caption_font(font_path: Path | None, size: int) -> CaptionFont:
    if font_path is None:
        return ImageFont.load_default(size=size)
    try:
        return ImageFont.truetype(str(font_path), size)
    except OSError as exc:
        raise StageError(f"cannot load the caption font {font_path}") from exc


def _wanted_font_size(style: CaptionStyle, width: int, height: int) -> int:
    if style.font_size is not None:
        return style.font_size
    return max(MIN_FONT_SIZE, round(min(width, height) * FONT_SCALE))


def _fitting_font(
    words: list[str], size: int, max_width: int, font_path: Path | None
) -> tuple[CaptionFont, int]:
    """The font at ``size``, or smaller where the widest word would not fit ``max_width``."""
    font = load_caption_font(font_path, size)
    while size > MIN_FONT_SIZE and max(font.getlength(word) for word in words) > max_width:
        size = max(MIN_FONT_SIZE, size - max(1, size // 10))
        font = load_caption_font(font_path, size)
    return font, size


def _outline_width(size: int) -> int:
    return max(1, round(size * OUTLINE_WIDTH))


def _wrap(words: list[str], font: CaptionFont, max_width: int) -> list[list[str]]:
    lines: list[list[str]] = []
    for word in words:
        if lines and font.getlength(" ".join([*lines[-1], word])) <= max_width:
            lines[-1].append(word)
        else:
            lines.append([word])
    return lines


def _place_words(lines: list[list[str]], font: CaptionFont, size: int) -> list[PlacedWord]:
    """Each word where it falls in its line, each line centred on x = 0."""
    line_height = round(size * LINE_HEIGHT)
    placed: list[PlacedWord] = []
    for number, line in enumerate(lines):
        line_left = -font.getlength(" ".join(line)) / 2
        for position, word in enumerate(line):
            # The width of the words before it and a space, as the whole line would set them.
            before = " ".join(line[:position])
            offset = font.getlength(f"{before} ") if before else 0.0
            ink = font.getbbox(word, stroke_width=_outline_width(size))
            placed.append(
                PlacedWord(word, 0.0, 0.0, ink).moved(line_left + offset, number * line_height)
            )
    return placed


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
