"""Drawn captions as premultiplied yuv420p planes, blended into frames in place.

Converting a caption to the encoder's colour space once, with its alpha already applied,
leaves each frame a multiply, an add and a shift over only the rectangle it covers.
"""

from dataclasses import dataclass

import av
import numpy as np
from PIL import Image

from svc_render.frames import copy_frame, plane_views

YuvComponent = tuple[float, tuple[float, float, float]]  # offset, weights of red, green, blue

# BT.601 limited range, the matrix swscale uses for yuv420p by default, for RGB from 0 to 255.
LUMA: YuvComponent = (16.0, (65.481, 128.553, 24.966))
BLUE_DIFFERENCE: YuvComponent = (128.0, (-37.797, -74.203, 112.0))
RED_DIFFERENCE: YuvComponent = (128.0, (112.0, -93.786, -18.214))


class CaptionOverlay:
    """A drawn caption at its place in the frame, ready to blend into yuv420p frames."""

    def __init__(self, planes: "_OverlayPlanes", left: int, top: int) -> None:
        # Even position and size, so the half-resolution chroma planes line up.
        self.left, self.top = left, top
        self._planes = planes

    @classmethod
    def of_image(cls, image: Image.Image, left: int, top: int) -> "CaptionOverlay":
        return cls(_OverlayPlanes.of(image), left, top)

    @property
    def size(self) -> tuple[int, int]:
        return self._planes.luma.size

    def patched(self, patch: Image.Image, left: int, top: int) -> "CaptionOverlay":
        """This caption with ``patch`` in place of its part from ``left``, ``top`` (even)."""
        planes = self._planes.patched(_OverlayPlanes.of(patch), left, top)
        return CaptionOverlay(planes, self.left, self.top)

    def draw_onto(self, frame: av.VideoFrame) -> None:
        """Blend the caption into ``frame`` in place."""
        luma, blue, red = plane_views(frame)
        self._planes.luma.blend_into(luma, self.left, self.top)
        self._planes.blue.blend_into(blue, self.left // 2, self.top // 2)
        self._planes.red.blend_into(red, self.left // 2, self.top // 2)

    def composited(self, frame: av.VideoFrame) -> av.VideoFrame:
        """A copy of ``frame`` with the caption blended in."""
        result = copy_frame(frame)
        self.draw_onto(result)
        return result


class _BlendPlane:
    """One plane of an overlay: its premultiplied values and how much of the frame stays."""

    def __init__(self, premultiplied: np.ndarray, keep: np.ndarray) -> None:
        # Both uint16: values times alpha, and 256 - alpha, alpha on a 0..256 scale.
        self.premultiplied = premultiplied
        self.keep = keep
        height, width = keep.shape
        self.size = (width, height)
        # Reused by every blend, so a frame allocates no temporaries the size of the caption.
        self._scratch = np.empty_like(keep)

    @classmethod
    def of(cls, premultiplied: np.ndarray, alpha: np.ndarray) -> "_BlendPlane":
        keep = 256 - np.rint(alpha).astype(np.uint16)
        return cls(np.rint(premultiplied).astype(np.uint16), keep)

    def patched(self, patch: "_BlendPlane", left: int, top: int) -> "_BlendPlane":
        premultiplied, keep = self.premultiplied.copy(), self.keep.copy()
        width, height = patch.size
        premultiplied[top : top + height, left : left + width] = patch.premultiplied
        keep[top : top + height, left : left + width] = patch.keep
        return _BlendPlane(premultiplied, keep)

    def blend_into(self, plane: np.ndarray, left: int, top: int) -> None:
        width, height = self.size
        region = plane[top : top + height, left : left + width]
        # At most 255 * 256 = 65280, so uint16 holds the sum without overflow.
        np.multiply(region, self.keep, out=self._scratch)
        self._scratch += self.premultiplied
        self._scratch >>= 8
        region[...] = self._scratch


@dataclass(frozen=True)
class _OverlayPlanes:
    """An RGBA image as premultiplied yuv420p planes."""

    luma: _BlendPlane
    blue: _BlendPlane
    red: _BlendPlane

    @classmethod
    def of(cls, image: Image.Image) -> "_OverlayPlanes":
        red, green, blue, alpha_band = image.split()
        alpha = _alpha_256(alpha_band)
        # Premultiplying first lets the chroma planes be worked out at a quarter of the size.
        rgb = [np.asarray(band, dtype=np.float32) * alpha for band in (red, green, blue)]
        chroma_rgb = [_half(channel) for channel in rgb]
        chroma_alpha = _half(alpha)
        return cls(
            luma=_BlendPlane.of(_bt601(LUMA, rgb, alpha), alpha),
            blue=_BlendPlane.of(_bt601(BLUE_DIFFERENCE, chroma_rgb, chroma_alpha), chroma_alpha),
            red=_BlendPlane.of(_bt601(RED_DIFFERENCE, chroma_rgb, chroma_alpha), chroma_alpha),
        )

    def patched(self, patch: "_OverlayPlanes", left: int, top: int) -> "_OverlayPlanes":
        return _OverlayPlanes(
            luma=self.luma.patched(patch.luma, left, top),
            blue=self.blue.patched(patch.blue, left // 2, top // 2),
            red=self.red.patched(patch.red, left // 2, top // 2),
        )


def _alpha_256(band: Image.Image) -> np.ndarray:
    """Alpha on a 0..256 scale, which turns the blend's division by 255 into a shift by 8."""
    alpha = np.array(band, dtype=np.uint16)
    alpha += alpha >> 7
    # Single precision: the planes are rounded to integers anyway.
    return alpha.astype(np.float32)


def _bt601(
    component: YuvComponent, premultiplied_rgb: list[np.ndarray], alpha: np.ndarray
) -> np.ndarray:
    """One of Y, Cb and Cr times alpha, from red, green and blue times alpha."""
    offset, weights = component
    result = offset * alpha
    for weight, channel in zip(weights, premultiplied_rgb, strict=True):
        result += channel * (weight / 255)
    return result


def _half(plane: np.ndarray) -> np.ndarray:
    """The mean of each 2x2 block: a plane at chroma resolution."""
    # Four strided sums are many times faster than a mean over reshaped axes.
    return (plane[0::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 0::2] + plane[1::2, 1::2]) / 4
