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
