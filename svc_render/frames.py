"""Video frames as the renderer holds them: yuv420p pixels in one uint8 array.

This is the layout PyAV's ``to_ndarray`` and ``from_ndarray`` use for yuv420p: the luma
rows, then both quarter-size chroma planes packed into rows of the same width. Working in
the encoder's own format spares a colour conversion of every frame.
"""

import av
import numpy as np


def frame_planes(frame: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of ``frame``; writing to them writes to the frame."""
    height = frame.shape[0] * 2 // 3
    chroma = frame[height:].reshape(2, height // 2, width // 2)
    return frame[:height], chroma[0], chroma[1]


def frame_from_rgb(rgb: np.ndarray) -> np.ndarray:
    """A yuv420p frame of an RGB image of shape (height, width, 3)."""
    return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p").to_ndarray()


def crop_frame(
    frame: np.ndarray, frame_width: int, left: int, top: int, size: tuple[int, int]
) -> np.ndarray:
    """A new frame of ``size`` cut from ``frame`` at luma position (left, top).

    Luma moves a pixel at a time; chroma, at half resolution, follows to the nearest
    pixel it has, a shift of half a luma pixel at most, which the eye does not see.
    """
    width, height = size
    luma, blue, red = frame_planes(frame, frame_width)
    cropped = np.empty((height * 3 // 2, width), dtype=np.uint8)
    out_luma, out_blue, out_red = frame_planes(cropped, width)
    out_luma[...] = luma[top : top + height, left : left + width]
    chroma_rows = slice(top // 2, top // 2 + height // 2)
    chroma_columns = slice(left // 2, left // 2 + width // 2)
    out_blue[...] = blue[chroma_rows, chroma_columns]
    out_red[...] = red[chroma_rows, chroma_columns]
    return cropped


def blend_frames(leaving: np.ndarray, arriving: np.ndarray, weight: float) -> np.ndarray:
    """``arriving`` over ``leaving`` at ``weight`` (0: only leaving, 1: only arriving)."""
    arriving_share = np.uint16(round(min(max(weight, 0.0), 1.0) * 256))
    mixed = leaving.astype(np.uint16) * (256 - arriving_share)
    mixed += arriving.astype(np.uint16) * arriving_share
    mixed >>= 8
    return mixed.astype(np.uint8)
