"""Captions burned into the frames: large white text with a dark outline, in the lower third.

Each caption group is drawn once with Pillow, turned into premultiplied yuv420p planes,
and blended with numpy into only the rectangle it covers, frame after frame while it is
on screen.
"""

from bisect import bisect_right
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from common.documents import CaptionGroup
from common.errors import StageError
from common.messages import CaptionStyle
from svc_render.frames import frame_planes

CaptionFont = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Font size as a fraction of the frame's short side, so landscape text is not huge.
FONT_SCALE = 1 / 12
MIN_FONT_SIZE = 8
SIDE_MARGIN = 0.08  # of the width, on each side
# Where the middle of the caption block sits, as a fraction of the height: in the lower
# third, clear of the bottom edge where players put their controls.
CAPTION_CENTRE = 0.8
BOTTOM_MARGIN = 0.06  # of the height
TEXT_FILL = (255, 255, 255, 255)
OUTLINE_FILL = (16, 16, 16, 255)


class CaptionTrack:
    """The caption overlay on screen at each moment of the video."""

    def __init__(
        self,
        groups: list[CaptionGroup],
        width: int,
        height: int,
        style: CaptionStyle,
        font_path: Path | None,
    ) -> None:
        shown = [group for group in groups if group.text.strip()] if style.enabled else []
        self._groups = sorted(shown, key=lambda group: group.start)
        self._starts = [group.start for group in self._groups]
        self._width = width
        self._height = height
        self._font_path = font_path
        # Time only moves forward, so the group on screen is the only one worth keeping.
        self._cached: tuple[int, CaptionOverlay] | None = None

    def overlay_at(self, seconds: float) -> "CaptionOverlay | None":
        index = bisect_right(self._starts, seconds) - 1
        if index < 0 or seconds >= self._groups[index].end:
            return None
        if self._cached is None or self._cached[0] != index:
            text = self._groups[index].text
            self._cached = (index, draw_caption(text, self._width, self._height, self._font_path))
        return self._cached[1]


class CaptionOverlay:
    """A drawn caption at its place in the frame, ready to blend into yuv420p frames."""

    def __init__(self, image: Image.Image, left: int, top: int, frame_width: int) -> None:
        # Even position and size, so the half-resolution chroma planes line up.
        self.left, self.top = left, top
        self._frame_width = frame_width
        rgba = np.asarray(image, dtype=np.uint8)
        # Alpha on a 0..256 scale turns the blend's division by 255 into a shift by 8.
        alpha = rgba[..., 3].astype(np.uint16)
        alpha += alpha >> 7
        luma, blue_difference, red_difference = _rgb_to_yuv(rgba[..., :3].astype(np.float32))
        self._luma = _BlendPlane(luma * alpha, alpha)
        self._blue = _BlendPlane(_half(blue_difference * alpha), _half(alpha))
        self._red = _BlendPlane(_half(red_difference * alpha), _half(alpha))

    @property
    def size(self) -> tuple[int, int]:
        return self._luma.size

    def composited(self, frame: np.ndarray) -> np.ndarray:
        """A copy of ``frame`` with the caption blended in."""
        result = frame.copy()
        luma, blue, red = frame_planes(result, self._frame_width)
        self._luma.blend_into(luma, self.left, self.top)
        self._blue.blend_into(blue, self.left // 2, self.top // 2)
        self._red.blend_into(red, self.left // 2, self.top // 2)
        return result


class _BlendPlane:
    """One plane of an overlay: its premultiplied values and how much of the frame stays."""

    def __init__(self, premultiplied: np.ndarray, alpha: np.ndarray) -> None:
        self._premultiplied = np.rint(premultiplied).astype(np.uint16)
        self._keep = 256 - np.rint(alpha).astype(np.uint16)
        height, width = alpha.shape
        self.size = (width, height)

    def blend_into(self, plane: np.ndarray, left: int, top: int) -> None:
        width, height = self.size
        region = plane[top : top + height, left : left + width]
        # At most 255 * 256 = 65280, so uint16 holds the sum without overflow.
        region[...] = (region * self._keep + self._premultiplied) >> 8


def draw_caption(text: str, width: int, height: int, font_path: Path | None) -> CaptionOverlay:
    """Draw ``text`` wrapped to the frame's width and place it in the lower third."""
    max_text_width = width - 2 * round(width * SIDE_MARGIN)
    size = max(MIN_FONT_SIZE, round(min(width, height) * FONT_SCALE))
    font = load_caption_font(font_path, size)
    words = text.split()
    # A word wider than the frame would be cut off: shrink the font until the widest fits.
    while size > MIN_FONT_SIZE and max(font.getlength(word) for word in words) > max_text_width:
        size -= max(1, size // 10)
        font = load_caption_font(font_path, size)
    image = _draw_lines(_wrap(words, font, max_text_width), font, size)
    image = _fit(image, width, height)
    left = _even((width - image.width) / 2)
    centre = height * CAPTION_CENTRE
    lowest_top = height * (1 - BOTTOM_MARGIN) - image.height
    top = _even(max(0, min(centre - image.height / 2, lowest_top)))
    return CaptionOverlay(image, left, top, width)


def load_caption_font(font_path: Path | None, size: int) -> CaptionFont:
    if font_path is None:
        return ImageFont.load_default(size=size)
    try:
        return ImageFont.truetype(str(font_path), size)
    except OSError as exc:
        raise StageError(f"cannot load the caption font {font_path}") from exc


def _wrap(words: list[str], font: CaptionFont, max_width: int) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and font.getlength(f"{lines[-1]} {word}") <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _draw_lines(lines: list[str], font: CaptionFont, size: int) -> Image.Image:
    outline = max(1, round(size * 0.08))
    # A thin white stroke under the fill thickens the letters: bold from any font.
    thickening = size // 30
    line_height = round(size * 1.2)
    widths = [font.getlength(line) for line in lines]
    padding = outline + 2
    image = Image.new(
        "RGBA",
        (round(max(widths)) + 2 * padding, line_height * len(lines) + 2 * padding),
        (0, 0, 0, 0),
    )
    draw = ImageDraw.Draw(image)
    for number, (line, line_width) in enumerate(zip(lines, widths, strict=True)):
        position = ((image.width - line_width) / 2, padding + number * line_height)
        draw.text(
            position,
            line,
            font=font,
            fill=TEXT_FILL,
            stroke_width=outline,
            stroke_fill=OUTLINE_FILL,
        )
        if thickening:
            draw.text(
                position,
                line,
                font=font,
                fill=TEXT_FILL,
                stroke_width=thickening,
                stroke_fill=TEXT_FILL,
            )
    return _tight_even_crop(image)


def _tight_even_crop(image: Image.Image) -> Image.Image:
    """Crop to the drawn pixels, keeping even sides (a crop past the edge is transparent)."""
    left, top, right, bottom = image.getbbox() or (0, 0, image.width, image.height)
    return image.crop((left, top, right + (right - left) % 2, bottom + (bottom - top) % 2))


def _fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """Crop around the middle to at most the frame's size, keeping even sides."""
    fitted_width = min(image.width, width // 2 * 2)
    fitted_height = min(image.height, height // 2 * 2)
    left = (image.width - fitted_width) // 2
    top = (image.height - fitted_height) // 2
    return image.crop((left, top, left + fitted_width, top + fitted_height))


def _rgb_to_yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.601 limited range, the matrix swscale uses for yuv420p by default."""
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = 16 + (65.481 * red + 128.553 * green + 24.966 * blue) / 255
    blue_difference = 128 + (-37.797 * red - 74.203 * green + 112.0 * blue) / 255
    red_difference = 128 + (112.0 * red - 93.786 * green - 18.214 * blue) / 255
    return luma, blue_difference, red_difference


def _half(plane: np.ndarray) -> np.ndarray:
    """The mean of each 2x2 block: a plane at chroma resolution."""
    height, width = plane.shape
    return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))


def _even(value: float) -> int:
    return int(value) // 2 * 2
