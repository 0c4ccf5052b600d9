"""Video frames as the renderer holds them: PyAV yuv420p frames, changed in place.

Working in the encoder's own format, on the frames the scaler hands out, spares a colour
conversion and a full-frame copy of every frame. Each frame given to the render loop is
its own, so captions and crossfades can be drawn straight into it; numpy views of its
planes make that cheap.
"""

import av
import numpy as np

Planes = tuple[np.ndarray, np.ndarray, np.ndarray]


def plane_views(frame: av.VideoFrame) -> Planes:
    """Writable views of the Y, U and V planes, without the rows' alignment padding."""
    views = []
    for plane in frame.planes:
        rows = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(-1, plane.line_size)
        views.append(rows[: plane.height, : plane.width])
    luma, blue, red = views
    return luma, blue, red


def new_frame(width: int, height: int) -> av.VideoFrame:
    return av.VideoFrame(width, height, "yuv420p")


def copy_frame(frame: av.VideoFrame) -> av.VideoFrame:
    copy = new_frame(frame.width, frame.height)
    for source, target in zip(plane_views(frame), plane_views(copy), strict=True):
        target[...] = source
    return copy


def frame_from_rgb(rgb: np.ndarray) -> av.VideoFrame:
    """A yuv420p frame of an RGB image of shape (height, width, 3)."""
    return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")


def crop_frame(frame: av.VideoFrame, left: int, top: int, size: tuple[int, int]) -> av.VideoFrame:
    """A new frame of ``size`` cut from ``frame`` at luma position (left, top).

    Luma moves a pixel at a time; chroma, at half resolution, follows to the nearest
    pixel it has, a shift of half a luma pixel at most, which the eye does not see.
    """
    width, height = size
    cropped = new_frame(width, height)
    luma, blue, red = plane_views(frame)
    out_luma, out_blue, out_red = plane_views(cropped)
    out_luma[...] = luma[top : top + height, left : left + width]
    chroma_rows = slice(top // 2, top // 2 + height // 2)
    chroma_columns = slice(left // 2, left // 2 + width // 2)
    out_blue[...] = blue[chroma_rows, chroma_columns]
    out_red[...] = red[chroma_rows, chroma_columns]
    return cropped


def blend_into(arriving: av.VideoFrame, leaving: av.VideoFrame, weight: float) -> None:
    """Mix ``leaving`` into ``arriving`` so ``arriving`` shows at ``weight`` (0 to 1)."""
    arriving_share = np.uint16(round(min(max(weight, 0.0), 1.0) * 256))
    # Whole buffers, padding and all, when both frames lay their rows out alike: contiguous
    # arrays are several times faster to work through, and padding is never shown.
    targets, others = _whole_planes(arriving), _whole_planes(leaving)
    if [plane.shape for plane in targets] != [plane.shape for plane in others]:
        targets, others = list(plane_views(arriving)), list(plane_views(leaving))
    for target, other in zip(targets, others, strict=True):
        _mix(target, other, arriving_share)


def _whole_planes(frame: av.VideoFrame) -> list[np.ndarray]:
    return [np.frombuffer(memoryview(plane), dtype=np.uint8) for plane in frame.planes]


def _mix(target: np.ndarray, other: np.ndarray, target_share: np.uint16) -> None:
    mixed = other.astype(np.uint16)
    mixed *= 256 - target_share
    mixed += target.astype(np.uint16) * target_share
    mixed >>= 8
    target[...] = mixed
